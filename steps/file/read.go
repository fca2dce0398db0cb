package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/ucops/runbook/steps"
)

// ReadInput is the `with` block of file.read.
type ReadInput struct {
	Path     string `yaml:"path" doc:"file to read; relative paths are taken from the site file's directory"`
	Artifact string `yaml:"artifact" doc:"name of a run artifact to read instead of a path"`
	Encoding string `yaml:"encoding" enum:"text,base64" default:"text" doc:"text returns the content as is (it must be UTF-8); base64 encodes it"`
	MaxSize  int    `yaml:"max_size" default:"1048576" doc:"largest file accepted, in bytes"`
	Optional bool   `yaml:"optional" doc:"a missing file is not an error: exists is false"`
}

// ReadResult is what file.read outputs.
type ReadResult struct {
	Path    string `json:"path" doc:"the file read"`
	Exists  bool   `json:"exists" doc:"the file exists (false only with optional)"`
	Content string `json:"content" doc:"the content, as text or base64"`
	SHA256  string `json:"sha256" doc:"SHA-256 of the content, hex"`
	Size    int    `json:"size" doc:"size in bytes"`
}

func read(ctx context.Context, rt *steps.Runtime, in *ReadInput) (*ReadResult, error) {
	loc, err := locate(rt, in.Path, in.Artifact)
	if err != nil {
		return nil, err
	}
	res := &ReadResult{Path: loc.path}
	data, err := readLimited(loc.path, in.MaxSize)
	if errors.Is(err, fs.ErrNotExist) && in.Optional {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	if res.Content, err = encodeContent(data, in.Encoding); err != nil {
		return nil, fmt.Errorf("%s %w", loc.path, err)
	}
	res.Exists, res.SHA256, res.Size = true, digest(data), len(data)
	return res, nil
}

func readLimited(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > limit {
		return nil, fmt.Errorf("read %s: larger than max_size %d bytes", path, limit)
	}
	return data, nil
}
