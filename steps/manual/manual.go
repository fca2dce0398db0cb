// Package manual implements the manual action: instructions for an
// operator, who confirms they were carried out and supplies named inputs,
// each checked against a pattern. The inputs (and who confirmed, and
// when) are the step's outputs.
//
// Asking is the Operator's business (the engine's terminal prompt or
// `runbook resume --confirm`): with no operator at hand the action returns
// steps.ErrNoOperator, wrapped, and the engine pauses the run. manual
// counts as mutating, since it stands for a change a person makes, and
// has no check: nothing here can see that change. The engine journals
// the confirmation, so a resumed run never asks twice; a step that can be
// verified gives a `verify` expression or a read-only step after it.
package manual

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"regexp/syntax"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

// The answer keys an Operator may add besides the inputs: who confirmed
// (ByKey) and when (AtKey, RFC 3339). They become the by and at outputs.
const (
	ByKey = "_by"
	AtKey = "_at"
)

// Input is the `with` block of manual.
type Input struct {
	Instructions string      `yaml:"instructions" required:"true" doc:"what the operator must do, in full sentences"`
	Inputs       []InputSpec `yaml:"inputs" doc:"values the operator must supply"`
}

// InputSpec is one value the operator supplies.
type InputSpec struct {
	Name        string  `yaml:"name" required:"true" doc:"the value's name; the step outputs it as inputs.NAME"`
	Description string  `yaml:"description" doc:"what to enter, shown to the operator"`
	Pattern     Pattern `yaml:"pattern" doc:"regular expression the whole value must match"`
}

// Pattern is a regular expression checked when the runbook loads.
type Pattern string

// DecodeYAML reads a pattern and reports one that does not compile at
// its position in the runbook.
func (p *Pattern) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	if n.Kind != yaml.ScalarNode {
		d.Errorf(n, "want a regular expression, got %s", decode.Describe(n))
		return
	}
	*p = Pattern(n.Value)
	if decode.HasTemplate(n) {
		if d.Template != nil {
			d.Template(d, n, reflectString)
		}
		return
	}
	if _, err := compile(n.Value); err != nil {
		d.Errorf(n, "%v", err)
	}
}

// compile anchors pattern so it must match a whole value; an empty
// pattern accepts anything.
func compile(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		pattern = `(?s:.*)`
	}
	if _, err := regexp.Compile(pattern); err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s in %q", se.Code, pattern)
		}
		return nil, err
	}
	return regexp.Compile(`^(?:` + pattern + `)$`)
}

var reflectString = reflect.TypeFor[string]()

// Result is what manual outputs.
type Result struct {
	Inputs map[string]string `json:"inputs" doc:"the values the operator supplied, by name"`
	By     string            `json:"by" doc:"who confirmed, when the operator said"`
	At     time.Time         `json:"at" doc:"when the step was confirmed"`
}

// Actions returns the manual family's actions.
func Actions() []steps.Action {
	return []steps.Action{
		steps.Func[Input, Result]{
			Name:    "manual",
			Doc:     "Ask an operator to carry out instructions and supply values.",
			Mutates: true,
			Run:     ask,
		}.Action(),
	}
}

func ask(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	req, err := confirmation(rt, in)
	if err != nil {
		return nil, err
	}
	if rt.Operator == nil {
		return nil, fmt.Errorf("%s waits for an operator: %w", stepName(rt), steps.ErrNoOperator)
	}
	answers, err := rt.Operator.Confirm(ctx, req)
	if errors.Is(err, steps.ErrNoOperator) {
		return nil, fmt.Errorf("%s waits for an operator: %w", stepName(rt), err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stepName(rt), err)
	}
	return validate(in, answers)
}

func stepName(rt *steps.Runtime) string {
	if rt.Step == "" {
		return "manual step"
	}
	return fmt.Sprintf("manual step %q", rt.Step)
}

// confirmation builds the request, refusing inputs named twice and
// patterns that do not compile (after templates were rendered).
func confirmation(rt *steps.Runtime, in *Input) (steps.Confirmation, error) {
	req := steps.Confirmation{Step: rt.Step, Instructions: in.Instructions}
	var errs []error
	seen := map[string]bool{}
	for _, s := range in.Inputs {
		if seen[s.Name] || s.Name == ByKey || s.Name == AtKey {
			errs = append(errs, fmt.Errorf("input %q is named twice or reserved", s.Name))
		}
		seen[s.Name] = true
		if _, err := compile(string(s.Pattern)); err != nil {
			errs = append(errs, fmt.Errorf("input %q: pattern: %w", s.Name, err))
		}
		req.Inputs = append(req.Inputs, steps.InputRequest{Name: s.Name, Description: s.Description,
			Pattern: string(s.Pattern)})
	}
	return req, errors.Join(errs...)
}

// validate checks the answers against the specs: every input given and
// matching, nothing unknown. Every problem is reported.
func validate(in *Input, answers map[string]string) (*Result, error) {
	res := &Result{Inputs: map[string]string{}, By: answers[ByKey], At: time.Now().UTC()}
	if at, err := time.Parse(time.RFC3339, answers[AtKey]); err == nil {
		res.At = at
	}
	var errs []error
	names := make([]string, 0, len(in.Inputs))
	for _, s := range in.Inputs {
		names = append(names, s.Name)
		v, ok := answers[s.Name]
		if err := check(s, v, ok); err != nil {
			errs = append(errs, err)
			continue
		}
		res.Inputs[s.Name] = v
	}
	for _, k := range sortedKeys(answers) {
		if k != ByKey && k != AtKey && !slices.Contains(names, k) {
			errs = append(errs, fmt.Errorf("unknown input %q%s", k, decode.DidYouMean(k, names)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return res, nil
}

func check(s InputSpec, v string, given bool) error {
	hint := ""
	if s.Description != "" {
		hint = " (" + s.Description + ")"
	}
	if !given {
		return fmt.Errorf("input %q is missing%s", s.Name, hint)
	}
	re, err := compile(string(s.Pattern))
	if err != nil {
		return fmt.Errorf("input %q: pattern: %w", s.Name, err)
	}
	if !re.MatchString(v) {
		return fmt.Errorf("input %q is %q, which does not match %s%s", s.Name, v, s.Pattern, hint)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
