// Package eval compiles and runs the expressions of runbooks: guards,
// `when`, `targets`, `verify`, `outputs` and `${ expr }` inside strings.
//
// Expressions use expr-lang, compiled once when a runbook loads against a
// typed environment (see Scope and EnvType), so that a misspelt param,
// fact, step or output, or a type mismatch, is reported before anything
// runs. Problems carry an offset into the expression; mapping that onto a
// file position is the caller's business, as is deciding when to run what.
package eval

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Want is the type an expression must produce.
type Want int

// The types an expression may be required to produce.
const (
	Any Want = iota
	Bool
)

// Problem is a mistake in an expression. Offset counts runes from the start
// of the expression's source.
type Problem struct {
	Offset int
	Msg    string
}

// Program is a compiled expression.
type Program struct {
	// Source is the expression as written.
	Source string
	// Type is the type of the value it produces.
	Type reflect.Type
	// Refs lists what it refers to.
	Refs Refs

	env  reflect.Type
	prog *vm.Program
}

// Compile parses, checks and compiles src for scope. On any problem it
// returns no program and every problem it found.
func Compile(src string, scope *Scope, want Want) (*Program, []Problem) {
	if strings.TrimSpace(src) == "" {
		return nil, []Problem{{Msg: "empty expression"}}
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil, []Problem{problemOf(err)}
	}
	env := EnvType(scope)
	nc := &nameCheck{scope: scope, env: env}
	nc.run(&tree.Node)
	if len(nc.problems) > 0 {
		return nil, nc.problems
	}

	opts := append(functions(), expr.Env(reflect.New(env).Elem().Interface()))
	if want == Bool {
		opts = append(opts, expr.AsBool())
	}
	prog, err := expr.Compile(src, opts...)
	if err != nil {
		return nil, []Problem{problemOf(err)}
	}
	p := &Program{Source: src, Refs: nc.refs, env: env, prog: prog}
	p.Type = outputType(prog)
	return p, nil
}

func outputType(prog *vm.Program) reflect.Type {
	if n := prog.Node(); n != nil {
		return n.Type()
	}
	return reflect.TypeFor[any]()
}

func problemOf(err error) Problem {
	var fe *file.Error
	if errors.As(err, &fe) {
		return Problem{Offset: fe.From, Msg: Clean(fe.Message)}
	}
	return Problem{Msg: Clean(err.Error())}
}

// Clean rewrites expr-lang's messages so that no Go type name reaches a
// user: struct types become "object", interface{} becomes "any".
func Clean(msg string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, "struct {")
		if i < 0 {
			break
		}
		b.WriteString(msg[:i])
		b.WriteString("object")
		msg = msg[skipBraces(msg, i+len("struct ")):]
	}
	b.WriteString(msg)
	r := strings.NewReplacer("interface {}", "any", "map[string]", "map of ", "[]", "list of ",
		"unexpected token EOF", "the expression ends too early")
	return tokenName.ReplaceAllString(r.Replace(b.String()), `"$1"`)
}

// tokenName matches expr-lang's token names, such as Bracket("{").
var tokenName = regexp.MustCompile(`\b(?:Bracket|Operator|Identifier|Number|String|Punctuation)\("((?:[^"\\]|\\.)*)"\)`)

// skipBraces returns the index just after the brace block starting at i.
func skipBraces(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// Env is a filled environment for one evaluation.
type Env struct {
	Params map[string]any
	Site   SiteValue
	Nodes  []NodeValue
	Node   *NodeValue
	Facts  map[string]any
	Steps  map[string]any
	Result any
	Run    RunValue
}

// Run evaluates p in env.
func (p *Program) Run(env *Env) (any, error) {
	data := map[string]any{
		NameParams: env.Params, NameSite: env.Site, NameNodes: env.Nodes,
		NameNode: env.Node, NameFacts: env.Facts, NameSteps: env.Steps,
		NameResult: env.Result, NameRun: env.Run,
	}
	v, err := Value(p.env, data)
	if err != nil {
		return nil, err
	}
	out, err := expr.Run(p.prog, v)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", p.Source, Clean(firstLine(err.Error())))
	}
	return out, nil
}

// RunBool evaluates p, which was compiled with Want Bool.
func (p *Program) RunBool(env *Env) (bool, error) {
	out, err := p.Run(env)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("%s: gave %v, not true or false", p.Source, out)
	}
	return b, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
