package engine

import (
	"slices"

	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/steps"
)

// Effective is a runbook with its site applied, validated and compiled:
// what plan, run and resume work from.
type Effective struct {
	// Runbook is the runbook with the site's overrides applied.
	Runbook *Runbook
	// Site is nil when no site was given.
	Site *Site
	// Tree is the merged runbook document, for render and pinning.
	Tree *yaml.Node
	// Params are the values of every declared param, with origins.
	Params []ParamValue
	// Nodes is the site's inventory with defaults filled in.
	Nodes []steps.Node
	// Digest is the sha256 of the canonical form of Tree.
	Digest string
	// Warnings are problems that do not stop a run.
	Warnings []string

	// drift, set when a resume took a changed runbook, says what changed.
	drift string

	facts   []*cFact
	guards  map[string]*cGuard
	caveats []*cCaveat
	steps   []*cStep
}

// cFact is a compiled fact.
type cFact struct {
	*Fact
	action  steps.Action
	targets *cTargets
	with    *inputs
}

// cGuard is a compiled guard.
type cGuard struct {
	Name string
	Guard
	check *eval.Program
	// message and hint hold ${ expr } in the texts, when there is any.
	message, hint *eval.Template
}

// texts renders a guard's message and hint; text whose expressions fail
// is shown as written.
func (g *cGuard) texts(env *eval.Env) (message, hint string) {
	return renderText(g.message, g.Message, env), renderText(g.hint, g.Hint, env)
}

func renderText(t *eval.Template, raw string, env *eval.Env) string {
	if t == nil {
		return raw
	}
	v, err := t.Render(env)
	if err != nil {
		return raw
	}
	return eval.Text(v)
}

// cCaveat is a compiled caveat.
type cCaveat struct {
	*Caveat
	when *eval.Program
	// message and hint hold ${ expr } in the texts, when there is any.
	message, hint *eval.Template
}

// texts renders a caveat's message and hint.
func (c *cCaveat) texts(env *eval.Env) (message, hint string) {
	return renderText(c.message, c.Message, env), renderText(c.hint, c.Hint, env)
}

// cTargets is a compiled target selection.
type cTargets struct {
	expr  *eval.Program
	names []string
}

// cRequire is one requirement of a step: a guard or an inline expression.
type cRequire struct {
	guard string
	expr  *eval.Program
	src   string
}

// cOutput is a compiled output of a step.
type cOutput struct {
	name string
	prog *eval.Program
}

// cStep is a compiled step.
type cStep struct {
	*Step
	finally bool
	// title holds ${ expr } in the title, when there is any.
	title   *eval.Template
	action  steps.Action
	with    *inputs
	targets *cTargets
	when    *eval.Program
	require []cRequire
	verify  []*eval.Program
	outputs []cOutput
	// result is the expression type of the action's result.
	result reflect.Type
	// that and message hold an assert step's expressions and message.
	that    []*eval.Program
	message *eval.Template
	// wait holds a wait step's polled action.
	wait *cWait
}

// cWait is a compiled wait step.
type cWait struct {
	in     *WaitInput
	action steps.Action
	with   *inputs
	until  *eval.Program
}

// inputs is an action's `with` block with its compiled templates.
type inputs struct {
	node      *yaml.Node
	templates map[*yaml.Node]*eval.Template
	action    steps.Action
	// static is the input decoded at load, with templated fields left
	// zero: enough to tell whether the input makes the action mutate.
	static any
}

// mutates reports whether the action, with this input, changes the
// system, as far as the load can tell.
func (in *inputs) mutates() bool {
	if in == nil {
		return true
	}
	return steps.MutatesWith(in.action, in.static)
}

// programs returns every compiled expression of the step.
func (cs *cStep) programs() []*eval.Program {
	var out []*eval.Program
	add := func(ps ...*eval.Program) {
		for _, p := range ps {
			if p != nil {
				out = append(out, p)
			}
		}
	}
	add(cs.when)
	if cs.targets != nil {
		add(cs.targets.expr)
	}
	for _, r := range cs.require {
		add(r.expr)
	}
	add(cs.verify...)
	for _, o := range cs.outputs {
		add(o.prog)
	}
	add(cs.that...)
	for _, in := range []*inputs{cs.with, cs.waitInputs()} {
		if in == nil {
			continue
		}
		for _, t := range in.templates {
			add(t.Programs()...)
		}
	}
	if cs.wait != nil {
		add(cs.wait.until)
	}
	return out
}

func (cs *cStep) waitInputs() *inputs {
	if cs.wait == nil {
		return nil
	}
	return cs.wait.with
}

// readsSteps lists the steps whose state or outputs the step reads.
func (cs *cStep) readsSteps() []string {
	var out []string
	for _, p := range cs.programs() {
		for _, id := range p.Refs.Steps {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}
