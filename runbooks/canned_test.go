package runbooks_test

import (
	"bytes"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/runbooks"
	"github.com/ucops/runbook/schemas"
	"github.com/ucops/runbook/steps/builtin"
)

// TestCannedRunbooksLoad loads every canned runbook by name, and every
// example site with the runbook it pins, or with each canned runbook when
// it pins none: all must be valid.
func TestCannedRunbooksLoad(t *testing.T) {
	reg, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	l := &engine.Loader{Registry: reg, Canned: runbooks.FS()}
	all, err := engine.ListCanned(runbooks.FS())
	if err != nil || len(all) == 0 {
		t.Fatalf("no canned runbooks: %v", err)
	}
	for _, c := range all {
		if c.Version.String() != "1.0.0" || c.Title == "" {
			t.Errorf("%s: version %s, title %q", c.Name, c.Version, c.Title)
		}
		if _, err := l.Load(engine.LoadOptions{Runbook: c.Name}); err != nil {
			t.Errorf("%s:\n%v", c.Name, err)
		}
		if _, err := fs.Stat(runbooks.FS(), path.Join(path.Dir(c.Path), "README.md")); err != nil {
			t.Errorf("%s has no README.md next to it", c.Name)
		}
	}
	sites, _ := fs.Glob(runbooks.FS(), "sites/*.yaml")
	for _, s := range sites {
		if strings.HasSuffix(s, ".sim.yaml") {
			continue
		}
		// Sites are read from disk; the test runs in the runbooks folder.
		site, err := l.LoadSite(s)
		if err != nil {
			t.Errorf("%s:\n%v", s, err)
			continue
		}
		refs := []string{site.Runbook}
		if site.Runbook == "" {
			refs = nil
			for _, c := range all {
				refs = append(refs, c.Name)
			}
		}
		for _, ref := range refs {
			if _, err := l.Load(engine.LoadOptions{Runbook: ref, Site: s, RequireParams: true}); err != nil {
				t.Errorf("%s with %s:\n%v", s, ref, err)
			}
		}
	}
}

// TestSchemasAcceptShippedFiles checks every canned runbook and example
// site against the JSON Schemas editors use.
func TestSchemasAcceptShippedFiles(t *testing.T) {
	files, _ := fs.Glob(runbooks.FS(), "*/*.yaml")
	for _, f := range files {
		if strings.HasSuffix(f, ".sim.yaml") {
			continue
		}
		data, _ := fs.ReadFile(runbooks.FS(), f)
		kind := "runbook"
		if strings.HasPrefix(f, "sites/") {
			kind = "site"
		}
		if err := validateSchema(kind, data); err != nil {
			t.Errorf("%s does not match the %s schema: %v", f, kind, err)
		}
	}
}

func validateSchema(kind string, data []byte) error {
	b, err := schemas.Get(kind)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(kind+".json", doc); err != nil {
		return err
	}
	sch, err := c.Compile(kind + ".json")
	if err != nil {
		return err
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return err
	}
	return sch.Validate(v)
}
