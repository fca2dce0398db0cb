package engine

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestLoadGolden loads each testdata/load/*.txtar case - runbook.yaml,
// optionally site.yaml - and compares the loader's complete output with
// the case's "want" file: every problem, sorted, one per line, or "ok".
func TestLoadGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(mustAbs(t, "testdata/load"), "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := loadCase(t, ar)
			if *update {
				setFile(ar, "want", got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if want := fileOf(ar, "want"); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func loadCase(t *testing.T, ar *txtar.Archive) string {
	dir := t.TempDir()
	for _, f := range ar.Files {
		if f.Name == "want" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	opts := LoadOptions{Runbook: "runbook.yaml"}
	if fileOf(ar, "site.yaml") != "" {
		opts.Site = "site.yaml"
	}
	if p := fileOf(ar, "params"); p != "" {
		opts.Params = strings.Fields(p)
		opts.RequireParams = true
	}
	l := &Loader{Registry: testRegistry()}
	eff, err := l.Load(opts)
	if err != nil {
		return err.Error() + "\n"
	}
	out := "ok\n"
	for _, w := range eff.Warnings {
		out += "warning: " + w + "\n"
	}
	return out
}

func fileOf(ar *txtar.Archive, name string) string {
	for _, f := range ar.Files {
		if f.Name == name {
			return string(f.Data)
		}
	}
	return ""
}

func setFile(ar *txtar.Archive, name, data string) {
	for i := range ar.Files {
		if ar.Files[i].Name == name {
			ar.Files[i].Data = []byte(data)
			return
		}
	}
	ar.Files = append(ar.Files, txtar.File{Name: name, Data: []byte(data)})
}

func mustAbs(t *testing.T, p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
