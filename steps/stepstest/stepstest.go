// Package stepstest helps the tests of the action families: it decodes a
// `with` block exactly as the engine does, and provides the plain
// Artifacts and Credentials a Runtime needs. Tests only; actions never
// import it.
package stepstest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

// Decode decodes src, a `with` block in YAML, into a new T as the engine
// decodes an action's input, failing the test on any problem.
func Decode[T any](t testing.TB, src string) *T {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	var errs decode.Errors
	in := new(T)
	decode.New("t.yaml", &errs).Decode(&n, in)
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	return in
}

// Artifacts stores artifacts in a directory.
type Artifacts string

// Dir is the directory.
func (a Artifacts) Dir() string { return string(a) }

// Write stores data as name, replacing it through a rename.
func (a Artifacts) Write(name string, data []byte) (string, error) {
	p := filepath.Join(string(a), name)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// Credentials resolves credentials from a map.
type Credentials map[string]steps.Credential

// Credential returns the credential called name.
func (c Credentials) Credential(name string) (steps.Credential, error) {
	if cr, ok := c[name]; ok {
		return cr, nil
	}
	return steps.Credential{}, fmt.Errorf("the site defines no credential %q", name)
}
