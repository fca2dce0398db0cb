package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAppendAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, recs, err := Open(path, nil)
	if err != nil || len(recs) != 0 {
		t.Fatalf("open: %v, %d records", err, len(recs))
	}
	for _, typ := range []string{"run-started", "started", "finished"} {
		if err := j.Append(&Record{Type: typ, Step: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	got, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Seq != 3 || got[2].Type != "finished" {
		t.Fatalf("got %+v", got)
	}
}

func TestTornLastLine(t *testing.T) {
	tests := []struct {
		name string
		tail string
	}{
		{"half a record", `{"seq":3,"type":"star`},
		{"whole record without newline", `{"seq":3,"type":"started"}`},
		{"garbage", "\x00\x00\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.jsonl")
			good := "{\"seq\":1,\"type\":\"a\"}\n{\"seq\":2,\"type\":\"b\"}\n"
			if err := os.WriteFile(path, []byte(good+tt.tail), 0o600); err != nil {
				t.Fatal(err)
			}
			recs, err := ReadFile(path)
			if err != nil || len(recs) != 2 {
				t.Fatalf("read: %v, %d records", err, len(recs))
			}
			j, recs, err := Open(path, nil)
			if err != nil || len(recs) != 2 {
				t.Fatalf("open: %v, %d records", err, len(recs))
			}
			if err := j.Append(&Record{Type: "c"}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			data, _ := os.ReadFile(path)
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) != 3 || !strings.Contains(lines[2], `"seq":3`) {
				t.Fatalf("after append:\n%s", data)
			}
		})
	}
}

func TestDamagedMiddleLine(t *testing.T) {
	in := "{\"seq\":1,\"type\":\"a\"}\n{broken\n{\"seq\":3,\"type\":\"c\"}\n"
	_, _, err := Read(strings.NewReader(in))
	if err == nil || err.Error() != "line 2 is damaged and is not the last line" {
		t.Fatalf("err = %v", err)
	}
}

func TestFilter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.jsonl")
	j, _, err := Open(path, func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("hunter2"), []byte("[redacted]")) })
	if err != nil {
		t.Fatal(err)
	}
	j.Append(&Record{Type: "finished", Error: "login as admin/hunter2 refused"})
	j.Close()
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte("hunter2")) {
		t.Fatalf("secret written: %s", data)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("{\"seq\":1,\"type\":\"a\"}\n{\"seq\":2"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, good, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		if good > int64(len(data)) {
			t.Fatalf("good prefix %d beyond %d bytes", good, len(data))
		}
		again, _, err := Read(bytes.NewReader(data[:good]))
		if err != nil || len(again) != len(recs) {
			t.Fatalf("good prefix does not read back: %v", err)
		}
	})
}
