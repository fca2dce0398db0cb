package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ucops/runbook/steps"
)

// WriteInput is the `with` block of file.write.
type WriteInput struct {
	Path     string `yaml:"path" doc:"file to write; relative paths are taken from the site file's directory"`
	Artifact string `yaml:"artifact" doc:"name of a run artifact to write instead of a path"`
	Content  string `yaml:"content" doc:"what to write"`
	Encoding string `yaml:"encoding" enum:"text,base64" default:"text" doc:"text writes content as is; base64 decodes it first, for binary data"`
	Mode     string `yaml:"mode" default:"0644" doc:"permissions of a file written by path, in octal"`
	MakeDirs bool   `yaml:"make_dirs" doc:"create missing parent directories of path"`
}

// WriteResult is what file.write outputs.
type WriteResult struct {
	Path    string `json:"path" doc:"absolute path of the file written"`
	SHA256  string `json:"sha256" doc:"SHA-256 of the content, hex"`
	Size    int    `json:"size" doc:"size in bytes"`
	Changed bool   `json:"changed" doc:"false when the file already held this content"`
}

func write(ctx context.Context, rt *steps.Runtime, in *WriteInput) (*WriteResult, error) {
	loc, data, err := prepare(rt, in)
	if err != nil {
		return nil, err
	}
	res := &WriteResult{Path: loc.path, SHA256: digest(data), Size: len(data)}
	if old, err := os.ReadFile(loc.path); err == nil && bytes.Equal(old, data) {
		return res, nil
	}
	res.Changed = true
	if loc.artifact != "" {
		res.Path, err = rt.Artifacts.Write(loc.artifact, data)
		return res, err
	}
	mode, _ := parseMode(in.Mode)
	if in.MakeDirs {
		if err := os.MkdirAll(filepath.Dir(loc.path), 0o755); err != nil {
			return nil, err
		}
	}
	if err := WriteAtomic(loc.path, data, mode); err != nil {
		return nil, err
	}
	if abs, err := filepath.Abs(loc.path); err == nil {
		res.Path = abs
	}
	return res, nil
}

func prepare(rt *steps.Runtime, in *WriteInput) (location, []byte, error) {
	loc, err := locate(rt, in.Path, in.Artifact)
	if err != nil {
		return loc, nil, err
	}
	if _, err := parseMode(in.Mode); err != nil {
		return loc, nil, err
	}
	data, err := decodeContent(in.Content, in.Encoding)
	return loc, data, err
}

// written is file.write's check: done when the file holds the content.
func written(ctx context.Context, rt *steps.Runtime, in *WriteInput) (steps.Check, error) {
	loc, data, err := prepare(rt, in)
	if err != nil {
		return steps.Check{}, err
	}
	old, err := os.ReadFile(loc.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return steps.Check{State: steps.NotDone, Detail: loc.path + " does not exist"}, nil
	case err != nil:
		return steps.Check{}, err
	case !bytes.Equal(old, data):
		detail := fmt.Sprintf("%s holds other content (sha256 %s, want %s)",
			loc.path, digest(old), digest(data))
		return steps.Check{State: steps.NotDone, Detail: detail}, nil
	}
	res := &WriteResult{Path: loc.path, SHA256: digest(data), Size: len(data)}
	return steps.Check{State: steps.Done, Result: res,
		Detail: fmt.Sprintf("%s already holds this content (sha256 %s)", loc.path, res.SHA256)}, nil
}

// parseMode reads octal permissions; empty means 0644.
func parseMode(s string) (fs.FileMode, error) {
	if s == "" {
		return 0o644, nil
	}
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("mode %q is not octal permissions such as 0644", s)
	}
	return fs.FileMode(m), nil
}
