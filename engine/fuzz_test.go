package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ucops/runbook/engine/decode"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic, and
// every problem it reports must name the file.
func FuzzLoad(f *testing.F) {
	files, _ := filepath.Glob("testdata/load/*.txtar")
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			if af.Name == "runbook.yaml" {
				f.Add(af.Data)
			}
		}
	}
	f.Add([]byte("a: &x [*x]"))
	f.Add([]byte("steps: [{id: a, action: assert, with: {that: '${'}}]"))
	l := &Loader{Registry: testRegistry()}
	f.Fuzz(func(t *testing.T, data []byte) {
		var errs decode.Errors
		eff, err := l.build("fuzz.yaml", data, nil, nil, LoadOptions{}, &errs, map[*yaml.Node]string{})
		if err == nil {
			if eff == nil {
				t.Fatal("no error and no runbook")
			}
			return
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "fuzz.yaml") {
				t.Fatalf("problem without the file name: %q", line)
			}
		}
	})
}

// TestFuzzCorpusFiles keeps the fuzzer's seed inputs loadable from disk.
func TestFuzzCorpusFiles(t *testing.T) {
	if _, err := os.Stat("testdata/load"); err != nil {
		t.Fatal(err)
	}
}
