package engine

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/engine/eval"
)

func (c *checker) stepDecls(rb *Runbook) {
	all := append(slices.Clone(rb.Steps), rb.Finally...)
	ids := make([]string, 0, len(all))
	seen := map[string]bool{}
	for i := range all {
		s := &all[i]
		d := c.d.In(fmt.Sprintf("step %q", s.ID))
		switch {
		case s.ID != "" && !idPattern.MatchString(s.ID):
			d.ErrorAt(s.At.Of("id", s.Pos), "step ids are lower-case letters, digits, dashes and underscores, starting with a letter")
		case seen[s.ID]:
			d.ErrorAt(s.At.Of("id", s.Pos), "step id %q is used twice", s.ID)
		}
		seen[s.ID] = true
		ids = append(ids, s.ID)
	}
	for i := range rb.Steps {
		c.addStep(&rb.Steps[i], false, ids[i+1:len(rb.Steps)])
	}
	for i := range rb.Finally {
		c.addStep(&rb.Finally[i], true, ids[len(rb.Steps)+i+1:])
	}
}

func (c *checker) addStep(s *Step, finally bool, later []string) {
	d := c.d.In(fmt.Sprintf("step %q", s.ID))
	cs := c.step(d, s, later)
	cs.finally = finally
	c.eff.steps = append(c.eff.steps, cs)

	vars := make([]eval.Var, len(cs.outputs))
	for i, o := range cs.outputs {
		vars[i] = eval.Var{Name: o.name, Type: reflect.TypeFor[any]()}
		if o.prog != nil {
			vars[i].Type = o.prog.Type
		}
	}
	c.stepVars = append(c.stepVars, eval.Var{
		Name: s.ID, Type: eval.StepType(eval.OutputsType(vars)), Action: s.Action,
	})
}

func (c *checker) step(d *decode.Decoder, s *Step, later []string) *cStep {
	cs := &cStep{Step: s}
	c.stepFields(d, s)
	fan := s.Targets != nil
	base := c.scope(fan, nil, "")
	base.Later = later
	cs.targets = c.targets(d, s.Targets, c.scope(true, nil, ""))
	c.orderFirst(d, s)
	cs.when = c.compile(d.Field("when"), s.When, base, eval.Bool)
	if strings.Contains(s.Title, "${") {
		cs.title = c.template(d, s.Title, s.At.Of("title", s.Pos), base)
	}
	cs.require = c.requires(d, s, base)

	cs.action = c.action(d, s.Action, s.At.Of("action", s.Pos))
	if cs.action == nil {
		return cs
	}
	cs.result = eval.ExprType(cs.action.ResultType())
	switch s.Action {
	case actionAssert:
		c.assertStep(d, cs, base)
	case actionWait:
		c.waitStep(d, cs, base)
	default:
		cs.with = c.inputs(d, &s.With, s.Pos, cs.action, base)
	}
	res := c.scope(fan, cs.result, s.Action)
	res.Later = later
	for _, v := range s.Verify {
		cs.verify = append(cs.verify, c.compile(d.Field("verify"), v, res, eval.Bool))
	}
	for _, o := range s.Outputs {
		if !idPattern.MatchString(o.Name) {
			d.ErrorAt(o.Pos, "output names are lower-case letters, digits, dashes and underscores")
		}
		cs.outputs = append(cs.outputs, cOutput{name: o.Name, prog: c.compile(d.Field("outputs."+o.Name), o.Value, res, eval.Any)})
	}
	return cs
}

// stepFields checks the plain fields of a step.
func (c *checker) stepFields(d *decode.Decoder, s *Step) {
	if s.Retry.Attempts < 0 || (s.Retry.Pos.IsValid() && s.Retry.Attempts == 0) {
		d.ErrorAt(s.Retry.Pos, "retry: attempts must be at least 1")
	}
	if s.Retry.Pos.IsValid() && s.Retry.Backoff < 1 {
		d.ErrorAt(s.Retry.Pos, "retry: backoff must be 1 or more")
	}
	if s.Order.Pos.IsValid() && s.Order.MaxParallel < 1 {
		d.ErrorAt(s.Order.Pos, "order: max_parallel must be at least 1")
	}
	if s.Order.MaxFailures < 0 {
		d.ErrorAt(s.Order.Pos, "order: max_failures must not be negative")
	}
	if s.Skip && s.Reason == "" {
		d.ErrorAt(s.At.Of("skip", s.Pos), "a skipped step needs a reason")
	}
	if s.Skip && s.Critical {
		d.ErrorAt(s.At.Of("skip", s.Pos), "the runbook marks this step critical to its safety: it cannot be skipped")
	}
	if s.Targets == nil && (len(s.Order.First) > 0 || s.Order.MaxParallel > 1) {
		d.ErrorAt(s.Order.Pos, "order applies only to a step with targets")
	}
}

func (c *checker) orderFirst(d *decode.Decoder, s *Step) {
	for _, n := range s.Order.First {
		c.targetName(d, n)
	}
}

// targets compiles a target selection.
func (c *checker) targets(d *decode.Decoder, t *Targets, scope *eval.Scope) *cTargets {
	if t == nil {
		return nil
	}
	ct := &cTargets{names: t.Names.Values()}
	for _, n := range t.Names {
		c.targetName(d, n)
	}
	if t.Expr.IsSet() {
		scope.Node = true
		ct.expr = c.compile(d.Field("targets"), t.Expr, scope, eval.Bool)
	}
	return ct
}

// targetName checks that a name is a declared role or a node of the site.
func (c *checker) targetName(d *decode.Decoder, n Name) {
	roles := c.eff.Runbook.Inventory.Roles.Names()
	var nodes []string
	for _, node := range c.eff.Nodes {
		nodes = append(nodes, node.Name)
	}
	if slices.Contains(roles, n.Value) || slices.Contains(nodes, n.Value) {
		return
	}
	if len(roles) == 0 && len(nodes) == 0 {
		return // nothing declared to check against
	}
	d.ErrorAt(n.Pos, "%q is neither a role the runbook declares nor a node of the site%s",
		n.Value, decode.DidYouMean(n.Value, append(roles, nodes...)))
}

// requires compiles a step's requirements: guard names or expressions.
func (c *checker) requires(d *decode.Decoder, s *Step, scope *eval.Scope) []cRequire {
	var out []cRequire
	guards := c.eff.Runbook.Guards.Names()
	for _, r := range s.Require {
		if slices.Contains(guards, r.Value) {
			out = append(out, cRequire{guard: r.Value, src: r.Value})
			continue
		}
		if idPattern.MatchString(r.Value) {
			d.ErrorAt(r.Pos, "unknown guard %q%s", r.Value, decode.DidYouMean(r.Value, guards))
			continue
		}
		e := Expr{Src: r.Value, Pos: r.Pos, Node: &yaml.Node{Kind: yaml.ScalarNode, Line: r.Pos.Line, Column: r.Pos.Col}}
		out = append(out, cRequire{src: r.Value, expr: c.compile(d.Field("require"), e, scope, eval.Bool)})
	}
	return out
}

// assertStep compiles the expressions of an assert step.
func (c *checker) assertStep(d *decode.Decoder, cs *cStep, scope *eval.Scope) {
	var in AssertInput
	wd := d.Field("with")
	wd.Decode(withNode(&cs.Step.With, cs.Pos), &in)
	for _, e := range in.That {
		cs.that = append(cs.that, c.compile(d.Field("with.that"), e, scope, eval.Bool))
	}
	if in.Message != "" {
		_, n := mapValue(&cs.Step.With, "message")
		cs.message = c.template(d.Field("with.message"), in.Message, d.Pos(n), scope)
	}
	cs.with = &inputs{node: &cs.Step.With, action: cs.action}
}

// waitStep compiles a wait step: the polled action's input and the
// condition over its result.
func (c *checker) waitStep(d *decode.Decoder, cs *cStep, scope *eval.Scope) {
	in := new(WaitInput)
	d.Field("with").Decode(withNode(&cs.Step.With, cs.Pos), in)
	cw := &cWait{in: in}
	cs.wait = cw
	cs.with = &inputs{node: &cs.Step.With, action: cs.action}
	_, actNode := mapValue(&cs.Step.With, "action")
	a := c.action(d, in.Action, d.Pos(actNode))
	if a == nil || in.Action == actionWait || in.Action == actionAssert {
		return
	}
	cw.action = a
	cs.result = eval.ExprType(a.ResultType())
	cw.with = c.inputs(d, &in.With, cs.Pos, a, scope)
	if cw.with.mutates() {
		d.ErrorAt(d.Pos(actNode), "wait polls %s, which changes the system; only read-only actions can be polled%s",
			in.Action, readOnlyHint(a))
		cw.action = nil
	}
	res := *scope
	res.Result, res.Action = cs.result, in.Action
	cw.until = c.compile(d.Field("with.until"), in.Until, &res, eval.Bool)
}

// template compiles a template string written at pos.
func (c *checker) template(d *decode.Decoder, src string, pos decode.Pos, scope *eval.Scope) *eval.Template {
	t, problems := eval.CompileTemplate(src, scope)
	for _, p := range problems {
		at := pos
		at.Col += p.Offset
		d.ErrorAt(at, "%s", p.Msg)
	}
	return t
}
