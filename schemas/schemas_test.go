package schemas_test

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/schemas"
	"github.com/ucops/runbook/steps/builtin"
)

var update = flag.Bool("update", false, "rewrite the committed schema files")

// TestSchemasFresh fails when a committed schema differs from what the Go
// types generate. Run with -update to regenerate.
func TestSchemasFresh(t *testing.T) {
	reg, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"runbook", "site", "state"} {
		t.Run(kind, func(t *testing.T) {
			want, err := engine.Schema(kind, reg)
			if err != nil {
				t.Fatal(err)
			}
			file := kind + ".schema.json"
			if *update {
				if err := os.WriteFile(file, want, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got, err := schemas.Get(kind)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run go test ./schemas -update", file)
			}
		})
	}
}

// TestSchemasCompile checks that every schema is a valid draft 2020-12
// schema.
func TestSchemasCompile(t *testing.T) {
	for _, kind := range []string{"runbook", "site", "state"} {
		b, err := schemas.Get(kind)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(kind+".json", doc); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if _, err := c.Compile(kind + ".json"); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}
