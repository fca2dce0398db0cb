package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ucops/runbook/engine/journal"
)

// BenchmarkLoad measures loading, merging, validating and compiling the
// complete valid case (runbook and site).
func BenchmarkLoad(b *testing.B) {
	ar, err := txtar.ParseFile("testdata/load/valid.txtar")
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for _, f := range ar.Files {
		os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644)
	}
	l := &Loader{Registry: testRegistry()}
	opts := LoadOptions{Runbook: filepath.Join(dir, "runbook.yaml"), Site: filepath.Join(dir, "site.yaml")}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJournalAppend measures one synced journal record.
func BenchmarkJournalAppend(b *testing.B) {
	j, _, err := journal.Open(filepath.Join(b.TempDir(), "journal.jsonl"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := j.Append(&journal.Record{Type: recStarted, Step: "restart-tomcat", Node: "cucm-sub1", Attempt: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReplay measures replaying a journal of 10,000 records.
func BenchmarkReplay(b *testing.B) {
	recs := make([]journal.Record, 0, 10000)
	for i := 0; i < 5000; i++ {
		recs = append(recs, journal.Record{Type: recStarted, Step: "s", Node: "n", Attempt: i + 1},
			journal.Record{Type: recFinished, Step: "s", Node: "n", Attempt: i + 1, State: StateFailed})
	}
	b.ReportAllocs()
	for b.Loop() {
		replay([]string{"s"}, recs)
	}
}
