package engine

import (
	"fmt"

	"github.com/Masterminds/semver/v3"
	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// Expr is an expression written in a runbook, with where it was written.
// It is compiled by the loader, never during a step.
type Expr struct {
	Src  string
	Pos  decode.Pos
	Node *yaml.Node
}

// IsSet reports whether an expression was written.
func (e Expr) IsSet() bool { return e.Src != "" }

// DecodeYAML reads a scalar: a string, or true/false written bare.
func (e *Expr) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	if decode.IsNull(n) {
		return
	}
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, "want an expression, got %s", decode.Describe(n))
		return
	}
	*e = Expr{Src: n.Value, Pos: d.Pos(n), Node: n}
}

// Exprs is one expression or a list of them, all of which must hold.
type Exprs []Expr

// DecodeYAML reads a single expression or a list.
func (es *Exprs) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	*es = nil
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, item := range items {
		var e Expr
		e.DecodeYAML(d, decode.Resolve(item))
		if e.IsSet() {
			*es = append(*es, e)
		}
	}
}

// Names is one name or a list of names.
type Names []Name

// Name is a name with where it was written.
type Name struct {
	Value string
	Pos   decode.Pos
}

// DecodeYAML reads a single name or a list of names.
func (ns *Names) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	*ns = nil
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, item := range items {
		item = decode.Resolve(item)
		if item.Kind != yaml.ScalarNode || decode.IsNull(item) {
			d.Errorf(item, "want a name, got %s", decode.Describe(item))
			continue
		}
		*ns = append(*ns, Name{Value: item.Value, Pos: d.Pos(item)})
	}
}

// DecodeYAML reads a single name.
func (nm *Name) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || decode.IsNull(n) {
		d.Errorf(n, "want a name, got %s", decode.Describe(n))
		return
	}
	*nm = Name{Value: n.Value, Pos: d.Pos(n)}
}

// Values returns the names as strings.
func (ns Names) Values() []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Value
	}
	return out
}

// Entry is one entry of an ordered mapping.
type Entry[T any] struct {
	Name string
	// Pos is where the key was written.
	Pos   decode.Pos
	Value T
}

// Map is a mapping whose order is kept, as written.
type Map[T any] []Entry[T]

// DecodeYAML reads a mapping, keeping its order.
func (m *Map[T]) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	*m = nil
	if decode.IsNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "want a mapping, got %s", decode.Describe(n))
		return
	}
	for _, kv := range decode.Pairs(d, n) {
		var v T
		vd := d
		if k, ok := any(&v).(kinded); ok {
			vd = d.In(fmt.Sprintf("%s %q", k.kind(), kv.Key.Value))
		}
		vd.Decode(kv.Value, &v)
		*m = append(*m, Entry[T]{Name: kv.Key.Value, Pos: d.Pos(kv.Key), Value: v})
	}
}

// kinded is implemented by values of a Map that name their kind in
// messages: param "ca": ..., guard "sso_disabled": ...
type kinded interface{ kind() string }

func (*Param) kind() string    { return "param" }
func (*Guard) kind() string    { return "guard" }
func (*Role) kind() string     { return "role" }
func (*Override) kind() string { return "override" }

// decodeWithID decodes a mapping that has an id, naming it in messages as
// `step "restart-tomcat"`.
func decodeWithID(d *decode.Decoder, n *yaml.Node, kind string, v any) {
	where := kind
	if _, id := mapValue(n, "id"); id != nil && id.Kind == yaml.ScalarNode {
		where = fmt.Sprintf("%s %q", kind, id.Value)
	}
	d.In(where).Decode(n, v)
}

// DecodeYAML decodes a step, naming it in messages.
func (s *Step) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	type plain Step
	decodeWithID(d, n, "step", (*plain)(s))
}

// DecodeYAML decodes a fact, naming it in messages.
func (f *Fact) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	type plain Fact
	decodeWithID(d, n, "fact", (*plain)(f))
}

// DecodeYAML decodes a caveat, naming it in messages.
func (c *Caveat) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	type plain Caveat
	decodeWithID(d, n, "caveat", (*plain)(c))
}

// DecodeYAML decodes metadata and checks the name and version where they
// are written.
func (m *Metadata) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	type plain Metadata
	d = d.In("metadata")
	d.Decode(n, (*plain)(m))
	if _, v := mapValue(n, "name"); v != nil && m.Name != "" && !namePattern.MatchString(m.Name) {
		d.Errorf(v, "name %q: use lower-case letters, digits and dashes", m.Name)
	}
	if _, v := mapValue(n, "version"); v != nil && m.Version != "" {
		if _, err := semver.StrictNewVersion(m.Version); err != nil {
			d.Errorf(v, "version %q is not a semantic version such as 1.2.0", m.Version)
		}
	}
}

// Get returns the value called name.
func (m Map[T]) Get(name string) (T, bool) {
	for _, e := range m {
		if e.Name == name {
			return e.Value, true
		}
	}
	var zero T
	return zero, false
}

// Names returns the keys in order.
func (m Map[T]) Names() []string {
	out := make([]string, len(m))
	for i, e := range m {
		out[i] = e.Name
	}
	return out
}
