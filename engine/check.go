package engine

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/steps"
)

// checker validates a decoded runbook (with its site applied) and compiles
// its expressions, recording every problem.
type checker struct {
	d    *decode.Decoder
	eff  *Effective
	reg  *steps.Registry
	ctrl map[string]steps.Action

	params   []eval.Var
	facts    []eval.Var
	stepVars []eval.Var
}

var (
	namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	idPattern   = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

func (c *checker) run() {
	rb := c.eff.Runbook
	c.paramDecls(rb)
	c.roles(rb)
	c.factDecls(rb)
	c.guardDecls(rb)
	c.caveatDecls(rb)
	c.stepDecls(rb)
}

func (c *checker) paramDecls(rb *Runbook) {
	for i := range rb.Params {
		e := &rb.Params[i]
		checkParamDecl(c.d, e.Name, &e.Value, e.Pos)
		c.params = append(c.params, eval.Var{Name: e.Name, Type: paramType(e.Value.Type)})
	}
}

func (c *checker) roles(rb *Runbook) {
	for _, e := range rb.Inventory.Roles {
		r := e.Value
		if !idPattern.MatchString(e.Name) {
			c.d.In(fmt.Sprintf("role %q", e.Name)).ErrorAt(e.Pos, "role names are lower-case letters, digits, dashes and underscores")
		}
		if r.Min < 0 || (r.Max != nil && *r.Max < r.Min) {
			c.d.In(fmt.Sprintf("role %q", e.Name)).ErrorAt(r.Pos, "min %d and max must satisfy 0 <= min <= max", r.Min)
		}
	}
}

// action looks up an action by name, reporting unknown ones.
func (c *checker) action(d *decode.Decoder, name string, pos decode.Pos) steps.Action {
	if a, ok := c.ctrl[name]; ok {
		return a
	}
	if a, ok := c.reg.Lookup(name); ok {
		return a
	}
	if name != "" {
		names := append(c.reg.Names(), actionAssert, actionWait)
		d.ErrorAt(pos, "unknown action %q%s", name, decode.DidYouMean(name, names))
	}
	return nil
}

func (c *checker) factDecls(rb *Runbook) {
	seen := map[string]bool{}
	for i := range rb.Facts {
		f := &rb.Facts[i]
		d := c.d.In(fmt.Sprintf("fact %q", f.ID))
		switch {
		case f.ID != "" && !idPattern.MatchString(f.ID):
			d.ErrorAt(f.At.Of("id", f.Pos), "fact ids are lower-case letters, digits, dashes and underscores")
		case seen[f.ID]:
			d.ErrorAt(f.At.Of("id", f.Pos), "fact id %q is used twice", f.ID)
		}
		seen[f.ID] = true
		cf := c.fact(d, f)
		c.eff.facts = append(c.eff.facts, cf)
		if cf.action != nil {
			t := eval.ExprType(cf.action.ResultType())
			if f.Targets != nil {
				t = reflect.MapOf(reflect.TypeFor[string](), t)
			}
			c.facts = append(c.facts, eval.Var{Name: f.ID, Type: t, Action: f.Action})
		}
	}
}

func (c *checker) fact(d *decode.Decoder, f *Fact) *cFact {
	cf := &cFact{Fact: f}
	a := c.action(d, f.Action, f.At.Of("action", f.Pos))
	if a == nil {
		return cf
	}
	cf.action = a
	if f.Target != nil && f.Targets != nil {
		d.ErrorAt(f.Pos, "give target or targets, not both")
	}
	scope := c.scope(f.Targets != nil, nil, "")
	if f.Target != nil {
		c.targetName(d, *f.Target)
		scope.Node = true
	}
	cf.targets = c.targets(d, f.Targets, scope)
	cf.with = c.inputs(d, &f.With, f.Pos, a, scope)
	if cf.with.mutates() {
		d.ErrorAt(f.At.Of("action", f.Pos), "action %s changes the system; facts must be read-only%s",
			f.Action, readOnlyHint(a))
		cf.action = nil
	}
	return cf
}

func (c *checker) guardDecls(rb *Runbook) {
	c.eff.guards = map[string]*cGuard{}
	for _, e := range rb.Guards {
		d := c.d.In(fmt.Sprintf("guard %q", e.Name))
		if !idPattern.MatchString(e.Name) {
			d.ErrorAt(e.Pos, "guard names are lower-case letters, digits, dashes and underscores")
		}
		g := e.Value
		scope := c.scope(false, nil, "")
		cg := &cGuard{Name: e.Name, Guard: g, check: c.compile(d.Field("check"), g.Check, scope, eval.Bool)}
		if strings.Contains(g.Message, "${") {
			cg.message = c.template(d.Field("message"), g.Message, g.At.Of("message", g.Pos), scope)
		}
		if strings.Contains(g.Hint, "${") {
			cg.hint = c.template(d.Field("hint"), g.Hint, g.At.Of("hint", g.Pos), scope)
		}
		c.eff.guards[e.Name] = cg
	}
}

func (c *checker) caveatDecls(rb *Runbook) {
	seen := map[string]bool{}
	for i := range rb.Caveats {
		cv := &rb.Caveats[i]
		d := c.d.In(fmt.Sprintf("caveat %q", cv.ID))
		if seen[cv.ID] {
			d.ErrorAt(cv.When.Pos, "caveat id %q is used twice", cv.ID)
		}
		seen[cv.ID] = true
		scope := c.scope(false, nil, "")
		cc := &cCaveat{Caveat: cv, when: c.compile(d.Field("when"), cv.When, scope, eval.Bool)}
		if strings.Contains(cv.Message, "${") {
			cc.message = c.template(d.Field("message"), cv.Message, cv.At.Of("message", cv.Pos), scope)
		}
		if strings.Contains(cv.Hint, "${") {
			cc.hint = c.template(d.Field("hint"), cv.Hint, cv.At.Of("hint", cv.Pos), scope)
		}
		c.eff.caveats = append(c.eff.caveats, cc)
	}
}

// scope returns what an expression sees at the current point of the check.
func (c *checker) scope(node bool, result reflect.Type, action string) *eval.Scope {
	return &eval.Scope{
		Params: c.params, Facts: c.facts, Steps: c.stepVars,
		Node: node, Result: result, Action: action,
	}
}

// compile compiles an expression and reports its problems at their
// position in the file.
func (c *checker) compile(d *decode.Decoder, e Expr, scope *eval.Scope, want eval.Want) *eval.Program {
	if !e.IsSet() {
		return nil
	}
	prog, problems := eval.Compile(e.Src, scope, want)
	for _, p := range problems {
		d.ErrorAt(scalarPos(d, e.Node, p.Offset), "%s", p.Msg)
	}
	return prog
}

// scalarPos maps an offset inside a scalar's value onto the file: exact
// for plain and quoted scalars on one line, the scalar's start otherwise.
func scalarPos(d *decode.Decoder, n *yaml.Node, offset int) decode.Pos {
	pos := d.Pos(n)
	if n == nil || offset <= 0 || containsNewline(n.Value) {
		return pos
	}
	switch n.Style {
	case 0, yaml.FlowStyle:
		pos.Col += offset
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		pos.Col += offset + 1
	}
	return pos
}

func containsNewline(s string) bool {
	for _, r := range s {
		if r == '\n' {
			return true
		}
	}
	return false
}

// readOnlyHint says how to make an input-dependent action read-only.
func readOnlyHint(a steps.Action) string {
	if d, ok := a.(interface{ InputDependent() bool }); ok && d.InputDependent() {
		return " (with this input; a read-only input such as mutates: false or method: GET makes it one)"
	}
	return ""
}
