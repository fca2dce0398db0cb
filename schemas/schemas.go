// Package schemas embeds the JSON Schemas of runbook, site and run-state
// files. The files are generated from the engine's Go types by
// `go test ./engine -run TestSchemasFresh -update`; a test fails when a
// committed file is stale. Editors use them through the
// `# yaml-language-server: $schema=` line at the top of a file.
package schemas

import (
	"embed"
	"fmt"
)

//go:embed *.schema.json
var files embed.FS

// Get returns the schema of kind: runbook, site or state.
func Get(kind string) ([]byte, error) {
	b, err := files.ReadFile(kind + ".schema.json")
	if err != nil {
		return nil, fmt.Errorf("no schema %q: want runbook, site or state", kind)
	}
	return b, nil
}
