package engine

import (
	"fmt"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/steps"
)

// withNode returns a step's with block, or an empty mapping at the step's
// position when there is none, so that missing required fields are
// reported.
func withNode(n *yaml.Node, at decode.Pos) *yaml.Node {
	if n.Kind != 0 && !decode.IsNull(n) {
		return n
	}
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: at.Line, Column: at.Col}
}

// inputs checks a with block against the action's typed input, compiling
// every ${ expr } and checking that a whole-value expression fits the
// field it fills.
func (c *checker) inputs(d *decode.Decoder, n *yaml.Node, at decode.Pos, a steps.Action, scope *eval.Scope) *inputs {
	in := &inputs{node: n, templates: map[*yaml.Node]*eval.Template{}, action: a}
	wd := d.Field("with")
	wd.Template = func(d *decode.Decoder, tn *yaml.Node, want reflect.Type) {
		t, problems := eval.CompileTemplate(tn.Value, scope)
		for _, p := range problems {
			d.ErrorAt(scalarPos(d, tn, p.Offset), "%s", p.Msg)
		}
		if t == nil {
			return
		}
		in.templates[tn] = t
		if msg := fits(t, want); msg != "" {
			d.Errorf(tn, "%s", msg)
		}
	}
	in.static = a.NewInput()
	wd.Decode(withNode(n, at), in.static)
	return in
}

// fits says why a template cannot fill a field of type want, or "".
func fits(t *eval.Template, want reflect.Type) string {
	for want.Kind() == reflect.Pointer {
		want = want.Elem()
	}
	if want.Kind() == reflect.String || want.Kind() == reflect.Interface {
		return ""
	}
	whole := t.Whole()
	if whole == nil {
		return fmt.Sprintf("text with ${ } in it is a string; this field wants %s", describeKind(want))
	}
	got := whole.Type
	if got == nil || got.Kind() == reflect.Interface || compatible(got, want) {
		return ""
	}
	return fmt.Sprintf("expression gives %s; this field wants %s", describeKind(got), describeKind(want))
}

func compatible(got, want reflect.Type) bool {
	g, w := kindClass(got), kindClass(want)
	if want == reflect.TypeFor[time.Duration]() {
		return g == "a string" || g == "a number"
	}
	return g == w
}

func kindClass(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "a value"
}

func describeKind(t reflect.Type) string {
	if t == reflect.TypeFor[time.Duration]() {
		return "a duration"
	}
	return kindClass(t)
}

// render evaluates the templates of a with block and decodes the result
// into a fresh input value of the action.
func (in *inputs) render(env *eval.Env) (any, error) {
	var errs decode.Errors
	d := decode.New("with", &errs)
	val, err := in.value(d, in.node, env)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := n.Encode(val); err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	input := in.action.NewInput()
	decode.New("with", &errs).Decode(&n, input)
	if err := errs.Err(); err != nil {
		return nil, fmt.Errorf("input of %s: %s", in.action.Name(), stripPos(err))
	}
	return input, nil
}

// value converts a with node into plain values, rendering templates.
func (in *inputs) value(d *decode.Decoder, n *yaml.Node, env *eval.Env) (any, error) {
	n = decode.Resolve(n)
	if n == nil || n.Kind == 0 {
		return map[string]any{}, nil
	}
	if t, ok := in.templates[n]; ok {
		v, err := t.Render(env)
		if err != nil {
			return nil, err
		}
		return eval.Plain(v)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := map[string]any{}
		for _, kv := range decode.Pairs(d, n) {
			v, err := in.value(d, kv.Value, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", kv.Key.Value, err)
			}
			m[kv.Key.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := in.value(d, item, env)
			if err != nil {
				return nil, err
			}
			s[i] = v
		}
		return s, nil
	}
	return decode.Value(d, n), nil
}

// stripPos drops the synthetic positions of a rendered input's errors.
func stripPos(err error) string {
	var s string
	for i, e := range decode.List(err) {
		if i > 0 {
			s += "; "
		}
		if de, ok := e.(*decode.Error); ok {
			s += de.Msg
			continue
		}
		s += e.Error()
	}
	return s
}
