// Package runbooks holds the canned runbooks and example sites shipped in
// the binary. Each runbook lives in a folder of its own with a README; the
// engine finds them by their metadata (name and version), not by path.
package runbooks

import (
	"embed"
	"io/fs"
)

//go:embed *
var files embed.FS

// FS returns the canned tree: runbook folders and sites/.
func FS() fs.FS { return files }
