package eval

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/ucops/runbook/engine/decode"
)

// Refs lists the params, facts and steps an expression names, and whether
// it uses node or result.
type Refs struct {
	Params []string
	Facts  []string
	Steps  []string
	Node   bool
	Result bool
}

func (r *Refs) add(list *[]string, name string) {
	if !slices.Contains(*list, name) {
		*list = append(*list, name)
	}
}

// nameCheck walks a parsed expression and reports names that do not exist
// in words a runbook author understands, before expr-lang's checker would
// report them with Go type names.
type nameCheck struct {
	scope    *Scope
	env      reflect.Type
	problems []Problem
	refs     Refs
	inner    map[ast.Node]bool
	lets     map[string]bool
}

type collector struct{ nodes []ast.Node }

func (c *collector) Visit(n *ast.Node) { c.nodes = append(c.nodes, *n) }

func (nc *nameCheck) run(root *ast.Node) {
	var c collector
	ast.Walk(root, &c)
	nc.inner = map[ast.Node]bool{}
	nc.lets = map[string]bool{}
	for _, n := range c.nodes {
		switch n := n.(type) {
		case *ast.MemberNode:
			nc.inner[unchain(n.Node)] = true
		case *ast.CallNode:
			nc.inner[n.Callee] = true
		case *ast.VariableDeclaratorNode:
			nc.lets[n.Name] = true
		}
	}
	for _, n := range c.nodes {
		if nc.inner[n] {
			continue
		}
		switch n := n.(type) {
		case *ast.MemberNode, *ast.IdentifierNode:
			nc.chain(n)
		}
	}
}

func unchain(n ast.Node) ast.Node {
	if c, ok := n.(*ast.ChainNode); ok {
		return c.Node
	}
	return n
}

// prop is one step of a member chain: a constant name or an index, or
// neither when it is computed.
type prop struct {
	name  string
	index bool
	known bool
	at    int
}

// chain checks a member chain such as facts.sso.enabled from its root.
func (nc *nameCheck) chain(n ast.Node) {
	var props []prop
	for {
		m, ok := unchain(n).(*ast.MemberNode)
		if !ok {
			break
		}
		props = append(props, propOf(m))
		n = unchain(m.Node)
	}
	id, ok := n.(*ast.IdentifierNode)
	if !ok {
		return // rooted in a predicate's pointer, a literal, a call
	}
	slices.Reverse(props)
	nc.root(id, props)
}

func propOf(m *ast.MemberNode) prop {
	p := prop{at: m.Property.Location().From}
	switch v := m.Property.(type) {
	case *ast.StringNode:
		p.name, p.known = v.Value, true
	case *ast.IntegerNode:
		p.index, p.known = true, true
	}
	if m.Method {
		p.known = false
	}
	return p
}

func (nc *nameCheck) root(id *ast.IdentifierNode, props []prop) {
	name, at := id.Value, id.Location().From
	if nc.lets[name] || isFunction(name) {
		return
	}
	f, ok := fieldByTag(nc.env, name)
	if !ok {
		nc.errorf(at, "unknown name %q%s; expressions start from %s", name,
			decode.DidYouMean(name, TopNames()), strings.Join(TopNames(), ", "))
		return
	}
	switch name {
	case NameNode:
		nc.refs.Node = true
		if !nc.scope.Node {
			nc.errorf(at, "node is only defined where a step has targets")
			return
		}
	case NameResult:
		nc.refs.Result = true
		if nc.scope.Result == nil {
			nc.errorf(at, "result is only defined in a step's verify and outputs")
			return
		}
	}
	if len(props) == 0 {
		return
	}
	switch name {
	case NameParams:
		nc.collection(f.Type, props, "param", nc.scope.Params, &nc.refs.Params)
	case NameFacts:
		nc.collection(f.Type, props, "fact", nc.scope.Facts, &nc.refs.Facts)
	case NameSteps:
		nc.steps(f.Type, props)
	case NameResult:
		nc.fields(f.Type, props, "action "+nc.scope.Action, "output")
	default:
		nc.fields(f.Type, props, name, "field")
	}
}

// collection checks params.X, facts.X and what follows.
func (nc *nameCheck) collection(t reflect.Type, props []prop, kind string, vars []Var, refs *[]string) {
	p := props[0]
	if !p.known || p.index {
		return
	}
	v, ok := findVar(vars, p.name)
	if !ok {
		nc.errorf(p.at, "unknown %s %q%s", kind, p.name, decode.DidYouMean(p.name, varNames(vars)))
		return
	}
	nc.refs.add(refs, p.name)
	what := fmt.Sprintf("%s %q", kind, p.name)
	if v.Action != "" {
		what += " (" + v.Action + ")"
	}
	nc.fields(v.Type, props[1:], what, "output")
}

// steps checks steps.ID and what follows.
func (nc *nameCheck) steps(t reflect.Type, props []prop) {
	p := props[0]
	if !p.known || p.index {
		return
	}
	v, ok := findVar(nc.scope.Steps, p.name)
	switch {
	case !ok && slices.Contains(nc.scope.Later, p.name):
		nc.errorf(p.at, "step %q runs later; only earlier steps can be read here", p.name)
		return
	case !ok:
		nc.errorf(p.at, "unknown step %q%s", p.name, decode.DidYouMean(p.name, varNames(nc.scope.Steps)))
		return
	}
	nc.refs.add(&nc.refs.Steps, p.name)
	nc.fields(v.Type, props[1:], fmt.Sprintf("step %q", p.name), "field")
}

// fields walks struct fields along props, reporting the first unknown one.
func (nc *nameCheck) fields(t reflect.Type, props []prop, what, kind string) {
	for _, p := range props {
		if !p.known {
			return
		}
		switch t.Kind() {
		case reflect.Struct:
			if p.index {
				return // expr-lang reports indexing an object
			}
			f, ok := fieldByTag(t, p.name)
			if !ok {
				nc.errorf(p.at, "%s has no %s %q%s", what, kind, p.name, suggestOrList(p.name, tags(t)))
				return
			}
			t = f.Type
			if p.name == "outputs" {
				kind = "output" // steps.x.outputs.y reads as: step "x" has no output "y"
				continue
			}
			what = what + "." + p.name
		case reflect.Map, reflect.Slice:
			t = t.Elem()
			what += "[...]"
		default:
			return
		}
	}
}

func (nc *nameCheck) errorf(at int, format string, args ...any) {
	nc.problems = append(nc.problems, Problem{Offset: at, Msg: fmt.Sprintf(format, args...)})
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	if t.Kind() != reflect.Struct {
		return reflect.StructField{}, false
	}
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Tag.Get("expr") == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func tags(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		out = append(out, t.Field(i).Tag.Get("expr"))
	}
	return out
}

func findVar(vars []Var, name string) (Var, bool) {
	for _, v := range vars {
		if v.Name == name {
			return v, true
		}
	}
	return Var{}, false
}

func varNames(vars []Var) []string {
	out := make([]string, len(vars))
	for i, v := range vars {
		out[i] = v.Name
	}
	return out
}

func isFunction(name string) bool {
	return slices.Contains(FunctionNames(), name)
}

// suggestOrList suggests the closest name, or lists them all when none is
// close and they are few.
func suggestOrList(name string, names []string) string {
	if s := decode.DidYouMean(name, names); s != "" {
		return s
	}
	if len(names) == 0 {
		return " (it has none)"
	}
	if len(names) <= 16 {
		return " (it has " + strings.Join(names, ", ") + ")"
	}
	return ""
}
