package cucmsim

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"unicode/utf8"
)

// pagerPrompt is what the CLI pager shows after each screenful.
const pagerPrompt = "Press <enter> for 1 line, <space> for one page, or <q> to quit"

// errInterrupt is a line ended by Ctrl-C.
var errInterrupt = errors.New("interrupted")

// term is the terminal side of a CLI session: it echoes what is typed,
// reads lines and single keys, and writes output with CRLF line ends.
type term struct {
	w      io.Writer
	r      *bufio.Reader
	rows   atomic.Int32 // PTY height
	echo   []byte       // echo not yet written
	lastCR bool         // the last line ended with \r: a \n right after it is part of it
}

func newTerm(rw io.ReadWriter) *term {
	t := &term{w: rw, r: bufio.NewReader(rw)}
	t.rows.Store(24)
	return t
}

// setRows records a new PTY height.
func (t *term) setRows(rows uint32) {
	if rows >= 2 && rows < 1000 {
		t.rows.Store(int32(rows))
	}
}

// pageSize is how many lines fit above the pager prompt.
func (t *term) pageSize() int { return int(t.rows.Load()) - 1 }

// write writes text, turning \n into \r\n.
func (t *term) write(s string) error {
	_, err := io.WriteString(t.w, strings.ReplaceAll(s, "\n", "\r\n"))
	return err
}

// readByte reads one input byte; a \n right after a \r line end is
// skipped, so \r, \n and \r\n all end one line.
func (t *term) readByte() (byte, error) {
	b, err := t.r.ReadByte()
	if err == nil && b == '\n' && t.lastCR {
		t.lastCR = false
		b, err = t.r.ReadByte()
	}
	t.lastCR = false
	return b, err
}

// readLine reads one line, echoing it as a terminal does: backspace
// erases, Ctrl-C abandons the line, escape sequences (arrow keys) are
// ignored.
func (t *term) readLine() (string, error) {
	var line []byte
	defer t.flushEcho()
	for {
		b, err := t.readByte()
		if err != nil {
			return "", err
		}
		switch {
		case b == '\r' || b == '\n':
			t.lastCR = b == '\r'
			t.echo = append(t.echo, "\r\n"...)
			return string(line), nil
		case b == 0x7f || b == 0x08:
			if len(line) > 0 {
				_, size := utf8.DecodeLastRune(line)
				line = line[:len(line)-size]
				t.echo = append(t.echo, "\b \b"...)
			}
		case b == 0x03:
			t.echo = append(t.echo, "^C\r\n"...)
			return "", errInterrupt
		case b == 0x1b:
			t.skipEscape()
		case b == '\t':
			line = append(line, ' ')
			t.echo = append(t.echo, ' ')
		case b >= 0x20:
			line = append(line, b)
			t.echo = append(t.echo, b)
		}
		if t.r.Buffered() == 0 {
			t.flushEcho()
		}
	}
}

// flushEcho writes the pending echo in one go.
func (t *term) flushEcho() {
	if len(t.echo) > 0 {
		t.w.Write(t.echo)
		t.echo = t.echo[:0]
	}
}

// skipEscape drops the rest of an escape sequence such as ESC [ A.
func (t *term) skipEscape() {
	b, err := t.r.ReadByte()
	if err != nil {
		return
	}
	switch b {
	case '[':
		for {
			b, err = t.r.ReadByte()
			if err != nil || b >= 0x40 && b <= 0x7e {
				return
			}
		}
	case 'O':
		t.r.ReadByte()
	}
}

// page writes lines, pausing after each screenful when paging is on, as
// the CLI's pager does. It stops early when the user quits the pager.
func (t *term) page(lines []string, paging bool) error {
	var b strings.Builder
	limit := t.pageSize()
	for i, l := range lines {
		if paging && i == limit {
			if err := t.write(b.String()); err != nil {
				return err
			}
			b.Reset()
			more, err := t.pager()
			if err != nil || more == 0 {
				return err
			}
			limit += more
		}
		b.WriteString(l + "\n")
	}
	return t.write(b.String())
}

// pager shows the pager prompt, waits for a key, erases the prompt and
// returns how many more lines to show (0: quit).
func (t *term) pager() (int, error) {
	if err := t.write(pagerPrompt); err != nil {
		return 0, err
	}
	for {
		b, err := t.readByte()
		if err != nil {
			return 0, err
		}
		more := 0
		switch b {
		case '\r', '\n':
			t.lastCR = b == '\r'
			more = 1
		case ' ':
			more = t.pageSize()
		case 'q', 'Q':
		default:
			continue
		}
		erase := "\r" + strings.Repeat(" ", len(pagerPrompt)) + "\r"
		return more, t.write(erase)
	}
}

// skipBlankLine takes an empty line that is already buffered - the Enter
// pressed with a paste - as read, echoing it.
func (t *term) skipBlankLine() {
	for t.r.Buffered() > 0 {
		b, _ := t.r.Peek(1)
		switch {
		case b[0] == '\n' && t.lastCR:
			t.r.ReadByte()
			t.lastCR = false
		case b[0] == '\r' || b[0] == '\n':
			t.r.ReadByte()
			t.lastCR = b[0] == '\r'
			t.write("\n")
			return
		default:
			return
		}
	}
}
