package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestRenderProvenance renders the valid case with its site and checks the
// golden output: param origins, inventory defaults, and every overridden
// value marked with the site file and line.
func TestRenderProvenance(t *testing.T) {
	golden := mustAbs(t, "testdata/render.golden")
	ar, err := txtar.ParseFile("testdata/load/valid.txtar")
	if err != nil {
		t.Fatal(err)
	}
	eff := mustLoad(t, ar, nil)
	var buf bytes.Buffer
	if err := eff.Render(&buf); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("render changed; got:\n%s", got)
	}
	for _, line := range []string{
		"max_parallel: 1 # from site.yaml:16",
		"skip: true # from site.yaml:17",
		"#   ca = adcs  (site.yaml:14:7)",
		"#   key_size = 2048  (default)",
	} {
		if !strings.Contains(buf.String(), line) {
			t.Errorf("render lacks %q", line)
		}
	}
}

func mustLoad(t *testing.T, ar *txtar.Archive, edit func(name string, data []byte) []byte) *Effective {
	t.Helper()
	dir := t.TempDir()
	for _, f := range ar.Files {
		data := f.Data
		if edit != nil {
			data = edit(f.Name, data)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	eff, err := (&Loader{Registry: testRegistry()}).Load(LoadOptions{Runbook: "runbook.yaml", Site: "site.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	return eff
}

// TestDigestStable checks that key order, comments, quoting and flow or
// block style leave the digest alone, and that a changed value changes it.
func TestDigestStable(t *testing.T) {
	base := `
a: 1
b: {c: "x", d: [1, 2]}
`
	same := []string{
		"b:\n  d:\n    - 1\n    - 2\n  c: x\na: 1 # comment\n",
		`{"a": 1, "b": {"d": [1, 2], "c": 'x'}}`,
	}
	different := []string{
		"a: 2\nb: {c: x, d: [1, 2]}\n",
		"a: 1\nb: {c: x, d: [2, 1]}\n",
		"a: '1'\nb: {c: x, d: [1, 2]}\n",
	}
	want := digestOf(t, base)
	for _, s := range same {
		if got := digestOf(t, s); got != want {
			t.Errorf("digest of %q = %s, want %s", s, got, want)
		}
	}
	for _, s := range different {
		if got := digestOf(t, s); got == want {
			t.Errorf("digest of %q did not change", s)
		}
	}
}

func digestOf(t *testing.T, s string) string {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return Digest(&n)
}

// TestEffectiveDigestFollowsSite checks that the effective runbook's digest
// changes when a site override changes, and not when only the site's
// formatting does.
func TestEffectiveDigestFollowsSite(t *testing.T) {
	ar, err := txtar.ParseFile(mustAbs(t, "testdata/load/valid.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	base := mustLoad(t, ar, nil).Digest
	reformatted := mustLoad(t, ar, func(name string, data []byte) []byte {
		if name != "site.yaml" {
			return data
		}
		return bytes.ReplaceAll(data, []byte("{order: {max_parallel: 1}}"), []byte("\n    order:\n      max_parallel: 1"))
	}).Digest
	changed := mustLoad(t, ar, func(name string, data []byte) []byte {
		return bytes.ReplaceAll(data, []byte("max_parallel: 1"), []byte("max_parallel: 3"))
	}).Digest
	if reformatted != base {
		t.Errorf("reformatting the site changed the digest")
	}
	if changed == base {
		t.Errorf("changing an override did not change the digest")
	}
}
