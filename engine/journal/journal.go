// Package journal is the write-ahead log of a run: an append-only file of
// JSON lines, each synced to disk before Append returns, so that what the
// engine was about to do and what it did survive any crash.
//
// A crash can tear the last line; Read ignores a torn last line and Open
// cuts it off before appending, so the file stays a valid log. The package
// knows nothing of steps or states: the engine decides what records mean.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Record is one line of the journal. Fields unused by a type are left out.
type Record struct {
	Seq  int       `json:"seq"`
	Time time.Time `json:"time"`
	Type string    `json:"type"`

	Step    string `json:"step,omitempty"`
	Node    string `json:"node,omitempty"`
	Attempt int    `json:"attempt,omitempty"`
	State   string `json:"state,omitempty"`

	// Digest is the sha256 of a started action's rendered input; Key is its
	// idempotency key.
	Digest string `json:"digest,omitempty"`
	Key    string `json:"key,omitempty"`

	By      string            `json:"by,omitempty"`
	Reason  string            `json:"reason,omitempty"`
	Error   string            `json:"error,omitempty"`
	Message string            `json:"message,omitempty"`
	Inputs  map[string]string `json:"inputs,omitempty"`
	// Nodes lists a fan-out step's targets, in order.
	Nodes []string `json:"nodes,omitempty"`

	Result   json.RawMessage `json:"result,omitempty"`
	Outputs  json.RawMessage `json:"outputs,omitempty"`
	Progress []string        `json:"progress,omitempty"`
	Millis   int64           `json:"ms,omitempty"`
}

// Journal is an open journal file. It is safe for concurrent use.
type Journal struct {
	mu     sync.Mutex
	f      *os.File
	seq    int
	filter func([]byte) []byte
}

// Open opens (creating if needed) the journal at path for appending. It
// returns the records already there; a torn last line is cut off.
// Filter, when not nil, is applied to every line before it is written
// (the engine redacts secrets with it).
func Open(path string, filter func([]byte) []byte) (*Journal, []Record, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open journal: %w", err)
	}
	recs, good, err := read(f)
	if err == nil {
		err = cut(f, good)
	}
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("journal %s: %w", path, err)
	}
	j := &Journal{f: f, filter: filter}
	if n := len(recs); n > 0 {
		j.seq = recs[n-1].Seq
	}
	return j, recs, nil
}

// cut truncates f after its last good line and positions it at the end.
func cut(f *os.File, good int64) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.Size() != good {
		if err := f.Truncate(good); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	_, err = f.Seek(good, io.SeekStart)
	return err
}

// Append writes r as the next line and syncs it to disk. It sets r.Seq and,
// when zero, r.Time.
func (j *Journal) Append(r *Record) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("journal is closed")
	}
	r.Seq = j.seq + 1
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("journal record: %w", err)
	}
	if j.filter != nil {
		line = j.filter(line)
	}
	line = append(line, '\n')
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("append to journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal: %w", err)
	}
	j.seq = r.Seq
	return nil
}

// Close closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// ReadFile returns the records of the journal at path, ignoring a torn
// last line. It does not change the file.
func ReadFile(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	defer f.Close()
	recs, _, err := read(f)
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return recs, nil
}

// Read returns the records in r and the length of the good prefix: every
// complete line that parses. Only the last line may be damaged (a torn
// write); damage anywhere else is an error, since the log cannot then be
// trusted.
func Read(r io.Reader) ([]Record, int64, error) { return read(r) }

func read(r io.Reader) ([]Record, int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var recs []Record
	var good int64
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			return recs, good, nil
		}
		if err != nil && err != io.EOF {
			return nil, 0, err
		}
		complete := err == nil
		var rec Record
		trimmed := bytes.TrimSpace(line)
		perr := json.Unmarshal(trimmed, &rec)
		if !complete || perr != nil {
			if more, _ := br.Peek(1); len(more) > 0 {
				return nil, 0, fmt.Errorf("line %d is damaged and is not the last line", lineNo)
			}
			return recs, good, nil // a torn last line
		}
		if len(trimmed) > 0 {
			recs = append(recs, rec)
		}
		good += int64(len(line))
	}
}
