package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeExample validates the runbook and site of the README's small
// complete example, so the documentation cannot drift from the engine.
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)`([a-z.]+\\.yaml)`, a (?:runbook|site):\\s*```yaml\\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(blocks) != 2 {
		t.Fatalf("found %d example files in README.md, want the runbook and the site", len(blocks))
	}
	dir := t.TempDir()
	for _, b := range blocks {
		if err := os.WriteFile(filepath.Join(dir, string(b[1])), b[2], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	args := []string{"validate", filepath.Join(dir, string(blocks[0][1])), "--site", filepath.Join(dir, string(blocks[1][1]))}
	if code := run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("the README's example is invalid:\n%s", errb.String())
	}
}
