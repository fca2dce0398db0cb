// Package file implements file.write and file.read: local files and the
// run's artifacts, as text or base64. Writes are atomic and durable (see
// WriteAtomic, which sibling families such as steps/ca use for their own
// files); file.write's check compares content digests, so a write that
// already happened is recognised after a crash.
//
// Artifacts are written through the run's steps.Artifacts, which the
// engine owns; this package never decides where a run keeps them.
package file

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/ucops/runbook/steps"
)

// Actions returns the file family's actions.
func Actions() []steps.Action {
	return []steps.Action{
		steps.Func[WriteInput, WriteResult]{
			Name:    "file.write",
			Doc:     "Write a local file or a run artifact atomically.",
			Mutates: true,
			Run:     write,
			Check:   written,
		}.Action(),
		steps.Func[ReadInput, ReadResult]{
			Name: "file.read",
			Doc:  "Read a local file or a run artifact.",
			Run:  read,
		}.Action(),
	}
}

// location names the file an input points at: a path or an artifact.
type location struct {
	path     string
	artifact string
}

// locate resolves exactly one of path and artifact.
func locate(rt *steps.Runtime, path, artifact string) (location, error) {
	switch {
	case path != "" && artifact != "":
		return location{}, errors.New("give path or artifact, not both")
	case path != "":
		return location{path: rt.Path(path)}, nil
	case artifact == "":
		return location{}, errors.New("give path or artifact")
	case strings.ContainsAny(artifact, `/\`) || artifact == "." || artifact == "..":
		return location{}, fmt.Errorf("artifact %q: an artifact is a file name, "+
			"without directories", artifact)
	case rt == nil || rt.Artifacts == nil:
		return location{}, fmt.Errorf("artifact %q: this run keeps no artifacts", artifact)
	}
	return location{path: filepath.Join(rt.Artifacts.Dir(), artifact), artifact: artifact}, nil
}

// encodeContent turns file bytes into output text; decodeContent the reverse.
func encodeContent(data []byte, encoding string) (string, error) {
	if encoding == "base64" {
		return base64.StdEncoding.EncodeToString(data), nil
	}
	if !isText(data) {
		return "", errors.New("is not UTF-8 text; read it with encoding: base64")
	}
	return string(data), nil
}

func decodeContent(content, encoding string) ([]byte, error) {
	if encoding != "base64" {
		return []byte(content), nil
	}
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(content), ""))
	if err != nil {
		return nil, fmt.Errorf("content is not base64: %w", err)
	}
	return data, nil
}

func isText(data []byte) bool {
	return utf8.Valid(data) && !bytes.ContainsRune(data, 0)
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
