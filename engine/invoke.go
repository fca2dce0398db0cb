package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/steps"
)

// renderInput renders a step's with block into its action's input. The
// control actions take their expressions from the compiled step instead.
func (s *session) renderInput(cs *cStep, node *steps.Node) (any, error) {
	switch cs.Action {
	case actionAssert:
		return map[string]any{"that": thatSources(cs)}, nil
	case actionWait:
		return s.renderWith(cs.wait.with, node)
	}
	return s.renderWith(cs.with, node)
}

func (s *session) renderWith(in *inputs, node *steps.Node) (any, error) {
	v, err := in.render(s.env(node, nil))
	if err != nil {
		return nil, fmt.Errorf("with: %w", err)
	}
	return v, nil
}

func thatSources(cs *cStep) []string {
	out := make([]string, len(cs.that))
	for i, p := range cs.that {
		out[i] = p.Source
	}
	return out
}

// invoke runs the action of a step on a target.
func (s *session) invoke(ctx context.Context, cs *cStep, rt *steps.Runtime, node *steps.Node, input any) (any, error) {
	switch cs.Action {
	case actionAssert:
		return s.assert(cs, node)
	case actionWait:
		return s.wait(ctx, cs, rt, node, input)
	}
	return safeRun(ctx, cs.action, rt, input)
}

// safeRun runs an action, turning a panic into an error so that one bad
// action cannot take the journal down with it.
func safeRun(ctx context.Context, a steps.Action, rt *steps.Runtime, input any) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%s: internal error: %v", a.Name(), r)
		}
	}()
	return a.Run(ctx, rt, input)
}

// assert checks the expressions of an assert step.
func (s *session) assert(cs *cStep, node *steps.Node) (any, error) {
	env := s.env(node, nil)
	var failed []string
	for _, p := range cs.that {
		ok, err := p.RunBool(env)
		if err != nil {
			return nil, err
		}
		if !ok {
			failed = append(failed, p.Source)
		}
	}
	if len(failed) == 0 {
		return &AssertResult{Passed: true}, nil
	}
	msg := "assertion failed"
	if cs.message != nil {
		if v, err := cs.message.Render(env); err == nil {
			msg = eval.Text(v)
		}
	}
	return nil, fmt.Errorf("%s: %s is false", msg, strings.Join(failed, "; "))
}

// wait polls a read-only action until its condition holds or time runs
// out.
func (s *session) wait(ctx context.Context, cs *cStep, rt *steps.Runtime, node *steps.Node, input any) (any, error) {
	w := cs.wait
	if steps.MutatesWith(w.action, input) {
		return nil, fmt.Errorf("with this input %s changes the system; wait polls only read-only actions", w.in.Action)
	}
	deadline := time.Now().Add(w.in.Timeout)
	interval := max(w.in.Interval, 10*time.Millisecond)
	for poll := 1; ; poll++ {
		result, err := safeRun(ctx, w.action, rt, input)
		var last string
		if err == nil {
			plain, perr := eval.Plain(result)
			if perr != nil {
				return nil, perr
			}
			ok, eerr := w.until.RunBool(s.env(node, plain))
			if eerr != nil {
				return nil, eerr
			}
			if ok {
				return result, nil
			}
			last = "until is still false"
		} else {
			last = err.Error()
		}
		rt.Progress("poll %d: %s", poll, last)
		if time.Now().Add(interval).After(deadline) {
			return nil, fmt.Errorf("waited %s for %s: %s (%s)", w.in.Timeout, w.in.Action, w.until.Source, last)
		}
		if !sleep(ctx, interval) {
			return nil, errors.Join(ctx.Err(), context.Cause(ctx))
		}
	}
}
