package engine

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// maxFileSize bounds what the loader reads: runbooks are small, and a
// mistaken path to a disk image should fail fast.
const maxFileSize = 4 << 20

// parseYAML parses one YAML document and reports syntax errors with their
// position.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	if len(data) > maxFileSize {
		return nil, &decode.Error{Pos: decode.Pos{File: file}, Msg: "file is larger than 4 MiB"}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &decode.Error{Pos: decode.PosOf(file, &extra), Msg: "more than one YAML document; put one runbook or site per file"}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &decode.Error{Pos: decode.Pos{File: file}, Msg: "file is empty"}
	}
	if err := checkAliases(file, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}

// maxExpanded bounds how many values a document may hold once its aliases
// are expanded, so that nested aliases cannot make it huge.
const maxExpanded = 1 << 20

// checkAliases refuses aliases that contain themselves and documents whose
// aliases expand beyond maxExpanded values.
func checkAliases(file string, doc *yaml.Node) error {
	sizes := map[*yaml.Node]int{}
	onPath := map[*yaml.Node]bool{}
	var size func(n *yaml.Node) (int, *yaml.Node)
	size = func(n *yaml.Node) (int, *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			if n.Alias == nil {
				return 1, nil
			}
			if onPath[n.Alias] {
				return 0, n
			}
			n = n.Alias
		}
		if s, ok := sizes[n]; ok {
			return s, nil
		}
		onPath[n] = true
		defer delete(onPath, n)
		total := 1
		for _, c := range n.Content {
			s, loop := size(c)
			if loop != nil {
				return 0, loop
			}
			total = min(total+s, maxExpanded+1)
		}
		sizes[n] = total
		return total, nil
	}
	total, loop := size(doc)
	if loop != nil {
		return &decode.Error{Pos: decode.PosOf(file, loop), Msg: "alias *" + loop.Value + " refers to a value that contains it"}
	}
	if total > maxExpanded {
		return &decode.Error{Pos: decode.Pos{File: file}, Msg: "aliases expand to more than a million values"}
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

func yamlError(file string, err error) error {
	if errors.Is(err, io.EOF) {
		return &decode.Error{Pos: decode.Pos{File: file}, Msg: "file is empty"}
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		pos := decode.Pos{File: file, Line: line}
		if line > 0 {
			pos.Col = 1
		}
		return &decode.Error{Pos: pos, Msg: "YAML syntax: " + m[2]}
	}
	return &decode.Error{Pos: decode.Pos{File: file}, Msg: "YAML syntax: " + msg}
}

// readFile reads a user's file, naming it in the error.
// It reads at most one byte more than maxFileSize, so that a huge file or
// a device fails fast with a clear message rather than filling memory.
func readFile(fsys fs.FS, name string) ([]byte, error) {
	var f fs.File
	var err error
	if fsys == nil {
		f, err = os.Open(name)
	} else {
		f, err = fsys.Open(name)
	}
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(f, maxFileSize+1))
		f.Close()
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, syscall.EISDIR) {
			err = errors.New("is a directory, not a runbook or site file")
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// kindOf returns the top-level kind of a parsed document.
func kindOf(doc *yaml.Node) string {
	root := decode.Resolve(doc)
	if root.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "kind" {
			return root.Content[i+1].Value
		}
	}
	return ""
}

// Canned is a runbook shipped with the binary.
type Canned struct {
	Name    string
	Version *semver.Version
	Title   string
	// Path is the file inside the canned tree.
	Path string
}

// ListCanned returns the canned runbooks found in fsys (every .yaml file
// of kind Runbook), sorted by name and then newest version first.
func ListCanned(fsys fs.FS) ([]Canned, error) {
	var out []Canned
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		c, ok := readCannedHeader(fsys, p)
		if ok {
			out = append(out, c)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Version.GreaterThan(out[j].Version)
	})
	return out, err
}

func readCannedHeader(fsys fs.FS, p string) (Canned, bool) {
	data, err := fs.ReadFile(fsys, p)
	if err != nil {
		return Canned{}, false
	}
	var head struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name    string `yaml:"name"`
			Version string `yaml:"version"`
			Title   string `yaml:"title"`
		} `yaml:"metadata"`
	}
	if yaml.Unmarshal(data, &head) != nil || head.Kind != "Runbook" {
		return Canned{}, false
	}
	v, err := semver.StrictNewVersion(head.Metadata.Version)
	if err != nil {
		return Canned{}, false
	}
	return Canned{Name: head.Metadata.Name, Version: v, Title: head.Metadata.Title, Path: p}, true
}

// Ref is a reference to a runbook: a canned name with an optional semver
// range, as in cucm-tomcat-multiserver-san@^1.2.
type Ref struct {
	Name       string
	Constraint *semver.Constraints
	Range      string
}

var refName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// ParseRef parses name or name@range.
func ParseRef(s string) (Ref, error) {
	name, rng, hasRange := strings.Cut(s, "@")
	if !refName.MatchString(name) {
		return Ref{}, fmt.Errorf("%q is not a runbook name (lower-case letters, digits and dashes)", name)
	}
	r := Ref{Name: name, Range: rng}
	if !hasRange {
		return r, nil
	}
	c, err := semver.NewConstraint(rng)
	if err != nil {
		return Ref{}, fmt.Errorf("bad version range %q in %q: %v", rng, s, err)
	}
	r.Constraint = c
	return r, nil
}

// Allows reports whether version v satisfies the reference's range.
func (r Ref) Allows(v *semver.Version) bool {
	return r.Constraint == nil || r.Constraint.Check(v)
}

// FindCanned returns the newest canned runbook matching ref.
func FindCanned(fsys fs.FS, ref Ref) (Canned, error) {
	all, err := ListCanned(fsys)
	if err != nil {
		return Canned{}, err
	}
	var names, versions []string
	for _, c := range all {
		if c.Name != ref.Name {
			names = append(names, c.Name)
			continue
		}
		if ref.Allows(c.Version) {
			return c, nil
		}
		versions = append(versions, c.Version.String())
	}
	if len(versions) > 0 {
		return Canned{}, fmt.Errorf("no version of canned runbook %q matches %s (have %s)",
			ref.Name, ref.Range, strings.Join(versions, ", "))
	}
	return Canned{}, fmt.Errorf("no runbook file or canned runbook %q%s (runbook list shows the canned ones)",
		ref.Name, decode.DidYouMean(ref.Name, names))
}
