package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

// Schema returns the JSON Schema (draft 2020-12) of a file kind: "runbook",
// "site" or "state". It is generated from the Go types the loader decodes
// into, and for runbooks from every action's typed input, so that it cannot
// drift from what the engine accepts.
func Schema(kind string, reg *steps.Registry) ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}}
	var root map[string]any
	switch kind {
	case "runbook":
		root = g.runbook(reg)
	case "site":
		root = g.object(reflect.TypeFor[Site]())
	case "state":
		g.json = true
		root = g.object(reflect.TypeFor[State]())
	default:
		return nil, fmt.Errorf("no schema %q: want runbook, site or state", kind)
	}
	doc := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     "https://github.com/ucops/runbook/schemas/" + kind + ".schema.json",
		"title":   "runbook " + kind + " file",
	}
	for k, v := range root {
		doc[k] = v
	}
	if len(g.defs) > 0 {
		doc["$defs"] = g.defs
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// JSONSchemaer is implemented by input types with their own YAML forms, to
// describe those forms in the schema.
type JSONSchemaer interface {
	JSONSchema() map[string]any
}

// schemaer is the same for types of this package, which need the
// generator for their element types.
type schemaer interface {
	schema(g *schemaGen) map[string]any
}

type schemaGen struct {
	defs map[string]any
	// templates allows "${ expr }" strings in place of other types, as in
	// action inputs.
	templates bool
	// json describes fields by their json tags (run-state files) rather
	// than their yaml tags (files users write).
	json bool
}

var (
	schemaerType     = reflect.TypeFor[schemaer]()
	jsonSchemaerType = reflect.TypeFor[JSONSchemaer]()
)

func (g *schemaGen) of(t reflect.Type) map[string]any {
	if reflect.PointerTo(t).Implements(schemaerType) {
		return reflect.New(t).Interface().(schemaer).schema(g)
	}
	if reflect.PointerTo(t).Implements(jsonSchemaerType) {
		return reflect.New(t).Interface().(JSONSchemaer).JSONSchema()
	}
	s := g.plain(t)
	if g.templates && t.Kind() != reflect.String && t.Kind() != reflect.Interface {
		return map[string]any{"anyOf": []any{s, templateSchema()}}
	}
	return s
}

func templateSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `^\s*\$\{[\s\S]*\}\s*$`,
		"description": "An expression giving the value: ${ expr }."}
}

func (g *schemaGen) plain(t reflect.Type) map[string]any {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$|^0$`}
	case t == reflect.TypeFor[yaml.Node]():
		return map[string]any{}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.of(t.Elem())
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	case reflect.Struct:
		return g.object(t)
	}
	return map[string]any{}
}

// object describes a struct by its yaml fields.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	fields := decode.Fields(t)
	if g.json {
		fields = jsonFields(t)
	}
	for _, f := range fields {
		p := g.of(f.Type)
		if f.Doc != "" {
			p = withKey(p, "description", f.Doc)
		}
		if len(f.Enum) > 0 {
			p = withKey(p, "enum", enumFor(f))
			if g.templates {
				p = map[string]any{"anyOf": []any{p, templateSchema()}, "description": f.Doc}
			}
		}
		if f.Default != "" {
			p = withKey(p, "default", defaultFor(f))
		}
		props[f.Name] = p
		if f.Required {
			required = append(required, f.Name)
		}
	}
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": g.json}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func withKey(s map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(s)+1)
	for key, val := range s {
		c[key] = val
	}
	c[k] = v
	return c
}

func enumFor(f decode.Field) []any {
	out := make([]any, len(f.Enum))
	for i, e := range f.Enum {
		out[i] = scalarFor(f.Type, e)
	}
	return out
}

func defaultFor(f decode.Field) any {
	if f.Type == reflect.TypeFor[time.Duration]() {
		return f.Default
	}
	return scalarFor(f.Type, f.Default)
}

func scalarFor(t reflect.Type, s string) any {
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		if i, err := strconv.Atoi(s); err == nil {
			return i
		}
	case reflect.Float64:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	case reflect.Bool:
		return s == "true"
	}
	return s
}

// runbook describes a runbook, with each step's `with` described by the
// input type of the action it names.
func (g *schemaGen) runbook(reg *steps.Registry) map[string]any {
	actions := append(ControlActions(), registryActions(reg)...)
	names := make([]any, len(actions))
	var branches []any
	for i, a := range actions {
		names[i] = a.Name()
		ref := "#/$defs/" + defName(a.Name())
		g.defs[defName(a.Name())] = g.input(a)
		branches = append(branches, map[string]any{
			"if":   map[string]any{"properties": map[string]any{"action": map[string]any{"const": a.Name()}}, "required": []any{"action"}},
			"then": map[string]any{"properties": map[string]any{"with": map[string]any{"$ref": ref}}},
		})
	}
	step := g.object(reflect.TypeFor[Step]())
	props := step["properties"].(map[string]any)
	props["action"] = withKey(props["action"].(map[string]any), "enum", names)
	step["allOf"] = branches
	g.defs["step"] = step

	fact := g.object(reflect.TypeFor[Fact]())
	fact["allOf"] = branches
	g.defs["fact"] = fact

	root := g.object(reflect.TypeFor[Runbook]())
	rp := root["properties"].(map[string]any)
	rp["steps"] = withKey(rp["steps"].(map[string]any), "items", map[string]any{"$ref": "#/$defs/step"})
	rp["finally"] = withKey(rp["finally"].(map[string]any), "items", map[string]any{"$ref": "#/$defs/step"})
	rp["facts"] = withKey(rp["facts"].(map[string]any), "items", map[string]any{"$ref": "#/$defs/fact"})
	return root
}

func registryActions(reg *steps.Registry) []steps.Action {
	if reg == nil {
		return nil
	}
	var out []steps.Action
	for _, n := range reg.Names() {
		a, _ := reg.Lookup(n)
		out = append(out, a)
	}
	return out
}

func (g *schemaGen) input(a steps.Action) map[string]any {
	sub := &schemaGen{defs: g.defs, templates: true}
	s := sub.of(reflect.TypeOf(a.NewInput()).Elem())
	desc := a.Doc()
	if a.Mutates() {
		desc += " Changes the system."
	} else {
		desc += " Read-only."
	}
	if fields := resultFields(a.ResultType()); len(fields) > 0 {
		desc += " Result (for verify and outputs): " + strings.Join(fields, ", ") + "."
	}
	return withKey(s, "description", desc)
}

// resultFields names the fields of an action's result, as expressions
// read them.
func resultFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for _, f := range jsonFields(t) {
		out = append(out, "result."+f.Name)
	}
	return out
}

func defName(action string) string {
	return "with." + strings.ReplaceAll(action, "/", "_")
}

// jsonFields lists a struct's fields by their json tags; fields without
// omitempty are required.
func jsonFields(t reflect.Type) []decode.Field {
	var out []decode.Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if sf.Anonymous && name == "" && sf.Type.Kind() == reflect.Struct {
			for _, f := range jsonFields(sf.Type) {
				f.Index = append([]int{i}, f.Index...)
				out = append(out, f)
			}
			continue
		}
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out = append(out, decode.Field{
			Name: name, Index: []int{i}, Type: sf.Type, Doc: sf.Tag.Get("doc"),
			Required: !strings.Contains(opts, "omitempty"),
		})
	}
	return out
}
