package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

// Loader reads runbooks and sites, applies sites, validates and compiles.
type Loader struct {
	// Registry holds the actions runbooks may name.
	Registry *steps.Registry
	// Canned is the tree of canned runbooks, found by name; may be nil.
	Canned fs.FS
}

// LoadOptions says what to load.
type LoadOptions struct {
	// Runbook is a path or a canned name, optionally name@range. It may be
	// empty when the site pins a runbook.
	Runbook string
	// Site is the site file; empty for none.
	Site string
	// Params are name=value pairs from the command line.
	Params []string
	// RequireParams reports required params without a value (a run needs
	// them, validate does not).
	RequireParams bool
	// Inventory stands in for a site's nodes when there is no site, as
	// when a run's pinned runbook is loaded again.
	Inventory []steps.Node
}

// Load reads, merges, validates and compiles. Every problem found in any of
// the files is returned at once, sorted, one per line.
func (l *Loader) Load(opts LoadOptions) (*Effective, error) {
	var errs decode.Errors
	origins := map[*yaml.Node]string{}

	var site *Site
	var siteDoc *yaml.Node
	if opts.Site != "" {
		var err error
		site, siteDoc, err = l.readSite(opts.Site, &errs, origins)
		if err != nil {
			return nil, err
		}
	}
	ref := opts.Runbook
	if ref == "" && site != nil {
		ref = site.Runbook
	}
	if ref == "" {
		return nil, errors.New("no runbook given, and the site pins none (runbook: name@range)")
	}
	file, data, err := l.source(ref)
	if err != nil {
		return nil, err
	}
	return l.build(file, data, site, siteDoc, opts, &errs, origins)
}

// build parses, merges, validates and compiles a runbook's bytes with an
// optional decoded site.
func (l *Loader) build(file string, data []byte, site *Site, siteDoc *yaml.Node, opts LoadOptions,
	errs *decode.Errors, origins map[*yaml.Node]string) (*Effective, error) {
	doc, err := parseYAML(file, data)
	if err != nil {
		errs.Append(err)
		return nil, errs.Err()
	}

	if kindOf(doc) == "Site" {
		return nil, &decode.Error{Pos: decode.Pos{File: file}, Msg: "this is a site file; give a runbook, and the site with --site"}
	}
	tree := cloneNode(doc)
	d := decode.New(file, errs)
	d.Origins = origins
	var overrideWarnings []string
	if siteDoc != nil {
		overrideWarnings = applyOverrides(tree, siteDoc, site.File, origins, d)
	}
	rb := &Runbook{File: file}
	d.Decode(tree, rb)

	eff := &Effective{Runbook: rb, Site: site, Tree: tree, Nodes: opts.Inventory}
	if site != nil {
		sd := d.ForFile(site.File)
		eff.Nodes = siteNodes(sd, rb, site)
		checkPin(sd, rb, site)
	}
	eff.Params = resolveParams(d, rb, site, opts.Params, opts.RequireParams)
	c := &checker{d: d, eff: eff, reg: l.registry(), ctrl: controlMap()}
	c.run()
	if err := errs.Err(); err != nil {
		return nil, err
	}
	eff.Digest = Digest(tree)
	eff.Warnings = append(overrideWarnings, warnings(eff)...)
	return eff, nil
}

func (l *Loader) registry() *steps.Registry {
	if l.Registry == nil {
		r, _ := steps.NewRegistry()
		return r
	}
	return l.Registry
}

func controlMap() map[string]steps.Action {
	m := map[string]steps.Action{}
	for _, a := range ControlActions() {
		m[a.Name()] = a
	}
	return m
}

// source finds a runbook by path or canned name.
func (l *Loader) source(ref string) (file string, data []byte, err error) {
	if st, statErr := os.Stat(ref); statErr == nil {
		if st.IsDir() {
			// A runbook's folder stands for the runbook.yaml in it.
			if inner := filepath.Join(ref, "runbook.yaml"); fileExists(inner) {
				data, err = readFile(nil, inner)
				return inner, data, err
			}
			if _, perr := ParseRef(ref); perr != nil || l.Canned == nil {
				_, err = readFile(nil, ref)
				return "", nil, err
			}
		} else {
			data, err = readFile(nil, ref)
			return ref, data, err
		}
	}
	if filepath.Ext(ref) == ".yaml" || filepath.Ext(ref) == ".yml" {
		_, err = readFile(nil, ref)
		return "", nil, err
	}
	r, err := ParseRef(ref)
	if err != nil {
		return "", nil, err
	}
	if l.Canned == nil {
		return "", nil, errors.New("no runbook file " + ref)
	}
	c, err := FindCanned(l.Canned, r)
	if err != nil {
		return "", nil, err
	}
	data, err = readFile(l.Canned, c.Path)
	return "runbooks/" + c.Path, data, err
}

// LoadSite reads and decodes a site file on its own.
func (l *Loader) LoadSite(path string) (*Site, error) {
	var errs decode.Errors
	s, _, err := l.readSite(path, &errs, map[*yaml.Node]string{})
	if err != nil {
		return nil, err
	}
	return s, errs.Err()
}

// readSite reads and decodes a site file.
func (l *Loader) readSite(path string, errs *decode.Errors, origins map[*yaml.Node]string) (*Site, *yaml.Node, error) {
	data, err := readFile(nil, path)
	if err != nil {
		return nil, nil, err
	}
	doc, err := parseYAML(path, data)
	if err != nil {
		return nil, nil, err
	}
	if kindOf(doc) == "Runbook" {
		return nil, nil, &decode.Error{Pos: decode.Pos{File: path}, Msg: "this is a runbook; --site wants a site file"}
	}
	s := &Site{File: path}
	sd := decode.New(path, errs)
	sd.Origins = origins
	sd.Decode(doc, s)
	return s, doc, nil
}

// warnings lists problems that do not stop a run.
func warnings(eff *Effective) []string {
	var out []string
	skipped := map[string]bool{}
	for _, cs := range eff.steps {
		if cs.Skip {
			skipped[cs.ID] = true
			continue
		}
		for _, id := range cs.readsSteps() {
			if skipped[id] {
				out = append(out, "step "+quoteID(cs.ID)+" reads step "+quoteID(id)+", which the site skips")
			}
		}
	}
	if s := eff.Site; s != nil && s.Runbook == "" {
		declared := eff.Runbook.Params.Names()
		for _, e := range s.Params {
			if _, ok := eff.Runbook.Params.Get(e.Name); !ok {
				out = append(out, fmt.Sprintf("%s: site param %q is not a param of %s; it is ignored%s",
					e.Pos, e.Name, eff.Runbook.Metadata.Name, decode.DidYouMean(e.Name, declared)))
			}
		}
	}
	return out
}

func quoteID(s string) string { return `"` + s + `"` }

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
