package engine

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// ParamValue is the value a param has for a run, and where it came from.
type ParamValue struct {
	Name  string
	Value any
	// Origin is "default", "--param", or the site file position.
	Origin string
	Secret bool
	// Ref says where a secret param's value comes from; the value is read
	// when a run starts, never at load.
	Ref *SecretRef
}

// paramType is the expression type of a declared param type.
func paramType(t string) reflect.Type {
	switch t {
	case "integer":
		return reflect.TypeFor[int]()
	case "number":
		return reflect.TypeFor[float64]()
	case "boolean":
		return reflect.TypeFor[bool]()
	case "list":
		return reflect.TypeFor[[]any]()
	case "map":
		return reflect.TypeFor[map[string]any]()
	}
	return reflect.TypeFor[string]()
}

// paramValue converts n to the param's type; problem is "" when it fits.
func paramValue(p *Param, n *yaml.Node) (any, string) {
	n = decode.Resolve(n)
	var errs decode.Errors
	v := reflect.New(paramType(p.Type))
	decode.New("", &errs).Decode(n, v.Interface())
	if errs.Len() > 0 {
		return nil, errs.List()[0].Msg
	}
	val := v.Elem().Interface()
	if s, ok := val.(string); ok && p.Pattern != "" {
		if re, err := regexp.Compile(`^(?:` + p.Pattern + `)$`); err == nil && !re.MatchString(s) {
			return nil, fmt.Sprintf("%s does not match the pattern %s", shown(p, s), p.Pattern)
		}
	}
	if enum := enumValues(p); len(enum) > 0 && !slices.ContainsFunc(enum, func(e any) bool {
		return reflect.DeepEqual(e, val)
	}) {
		return nil, fmt.Sprintf("%s is not one of %s", shown(p, fmt.Sprint(val)), joinValues(enum))
	}
	return val, ""
}

// shown quotes a value for a message, or hides it when the param is secret.
func shown(p *Param, s string) string {
	if p.Secret {
		return "the value"
	}
	return fmt.Sprintf("%q", s)
}

func enumValues(p *Param) []any {
	n := decode.Resolve(&p.Enum)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []any
	for _, item := range n.Content {
		v := reflect.New(paramType(p.Type))
		var errs decode.Errors
		decode.New("", &errs).Decode(item, v.Interface())
		if errs.Len() == 0 {
			out = append(out, v.Elem().Interface())
		}
	}
	return out
}

func joinValues(vs []any) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// checkParamDecl checks a declaration: name, pattern, enum and default.
func checkParamDecl(d *decode.Decoder, name string, p *Param, keyPos decode.Pos) {
	d = d.In(fmt.Sprintf("param %q", name))
	if !identPattern.MatchString(name) {
		d.ErrorAt(keyPos, "param names are lower-case letters, digits and underscores, starting with a letter")
	}
	if p.Pattern != "" {
		if _, err := regexp.Compile(p.Pattern); err != nil {
			d.ErrorAt(p.At.Of("pattern", p.Pos), "bad pattern %q: %v", p.Pattern, err)
		}
		if p.Type != "string" {
			d.ErrorAt(p.At.Of("pattern", p.Pos), "pattern applies only to string params")
		}
	}
	if en := decode.Resolve(&p.Enum); en != nil && en.Kind != 0 {
		checkEnumDecl(d, p, en)
	}
	if def := decode.Resolve(&p.Default); def != nil && def.Kind != 0 && !decode.IsNull(def) {
		if _, problem := paramValue(p, def); problem != "" {
			d.Errorf(def, "default: %s", problem)
		}
		if p.Required {
			d.Errorf(def, "a required param has no default; drop one of them")
		}
	}
}

func checkEnumDecl(d *decode.Decoder, p *Param, en *yaml.Node) {
	if en.Kind != yaml.SequenceNode {
		d.Errorf(en, "enum: want a list, got %s", decode.Describe(en))
		return
	}
	plain := *p
	plain.Enum, plain.Pattern = yaml.Node{}, ""
	for _, item := range en.Content {
		if _, problem := paramValue(&plain, item); problem != "" {
			d.Errorf(item, "enum: %s", problem)
		}
	}
}

var identPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// paramFromFlag parses a --param value as a YAML scalar, so that 4096 is
// a number; a string param keeps the text as written.
func paramFromFlag(p *Param, text string) (any, string) {
	if p.Type == "string" {
		return paramValue(p, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: text})
	}
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil || len(n.Content) == 0 {
		return nil, fmt.Sprintf("cannot read %q as a %s", text, p.Type)
	}
	return paramValue(p, n.Content[0])
}
