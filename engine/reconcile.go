package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
)

// reconcile decides what became of a target that was in flight when the
// engine stopped. The action's own check comes first, then the step's
// verify when it can be told without a result, then `idempotent`; when
// nothing can tell, the outcome stays unknown and the operator decides.
func (s *session) reconcile(ctx context.Context, cs *cStep, name string) string {
	node := s.nodeNamed(name)
	s.mu.Lock()
	t := s.st.steps[cs.ID].target(name)
	began, attempt := t.started, t.attempts
	var started *journal.Record
	if t.inflight != nil {
		started = t.inflight
	}
	s.mu.Unlock()

	verdict, detail, result := s.checkEffect(ctx, cs, node, attempt, began, started)
	rec := &journal.Record{Type: recReconciled, Step: cs.ID, Node: name, Attempt: attempt, Message: detail}
	switch verdict {
	case steps.Done:
		rec.State = StateSucceeded
		rec.Result, rec.Outputs = s.reconciledOutputs(cs, node, result)
	case steps.NotDone:
		rec.State = StatePending
	default:
		if !cs.Idempotent {
			rec.State = StateUnknown
			s.recordStep(rec)
			s.emit(Event{Kind: EventReconciled, Step: cs.ID, Node: name, State: StateUnknown, Message: detail})
			return StateUnknown
		}
		rec.State, rec.Message = StatePending, detail+"; the step is idempotent, so it runs again"
	}
	s.recordStep(rec)
	s.emit(Event{Kind: EventReconciled, Step: cs.ID, Node: name, State: rec.State, Message: rec.Message})
	return rec.State
}

// settle decides, right after an attempt whose outcome the action could
// not tell (steps.ErrOutcomeUnknown), whether its effect took place, before
// anything runs again: done counts as succeeded, not done leaves the
// failure for the retries, and unknown stops the run for the operator.
func (s *session) settle(ctx context.Context, cs *cStep, node *steps.Node, attempt int) string {
	name := nodeName(node)
	s.mu.Lock()
	began := s.st.steps[cs.ID].target(name).started
	s.mu.Unlock()
	verdict, detail, result := s.checkEffect(ctx, cs, node, attempt, began, nil)
	rec := &journal.Record{Type: recReconciled, Step: cs.ID, Node: name, Attempt: attempt, Message: detail}
	switch {
	case verdict == steps.Done:
		rec.State = StateSucceeded
		rec.Result, rec.Outputs = s.reconciledOutputs(cs, node, result)
	case verdict == steps.NotDone || cs.Idempotent:
		s.emit(Event{Kind: EventReconciled, Step: cs.ID, Node: name, State: StateFailed, Message: detail})
		return StateFailed
	default:
		rec.State = StateUnknown
	}
	s.recordStep(rec)
	s.emit(Event{Kind: EventReconciled, Step: cs.ID, Node: name, State: rec.State, Message: detail})
	return rec.State
}

// checkEffect asks the action's check, then the step's verify.
func (s *session) checkEffect(ctx context.Context, cs *cStep, node *steps.Node, attempt int, began time.Time,
	started *journal.Record) (steps.CheckState, string, any) {
	what := fmt.Sprintf("%s was in flight when the engine stopped", cs.Action)
	if started == nil && attempt > 0 {
		what = fmt.Sprintf("%s could not tell whether it took effect", cs.Action)
	}
	if in, err := s.renderInput(cs, node); err == nil && !steps.MutatesWith(cs.action, in) {
		return steps.NotDone, what + "; it changes nothing, so it runs again", nil
	}
	if ch, ok := cs.action.(steps.Checker); ok {
		input, err := s.renderInput(cs, node)
		if err != nil {
			return steps.Unknown, what + "; its input cannot be rendered again: " + err.Error(), nil
		}
		if started != nil && started.Digest != "" && inputDigest(input) != started.Digest {
			what += " (its input renders differently now)"
		}
		rt := s.runtime(cs, node, attempt, began, nil)
		cctx, cancel := context.WithTimeout(ctx, defaultFactTimeout)
		chk, err := ch.Check(cctx, rt, input)
		cancel()
		switch {
		case err != nil:
			what += "; its check failed: " + err.Error()
		case chk.State != steps.Unknown:
			return chk.State, fmt.Sprintf("%s; its check says %s: %s", what, chk.State, chk.Detail), chk.Result
		default:
			what += "; its check cannot tell: " + chk.Detail
		}
	}
	if v := s.verifyWithoutResult(cs, node); v != steps.Unknown {
		return v, fmt.Sprintf("%s; verify says %s", what, v), nil
	}
	return steps.Unknown, what + "; nothing can tell whether it took effect", nil
}

// verifyWithoutResult evaluates a verify that does not read result.
func (s *session) verifyWithoutResult(cs *cStep, node *steps.Node) steps.CheckState {
	if len(cs.verify) == 0 {
		return steps.Unknown
	}
	env := s.env(node, nil)
	for _, v := range cs.verify {
		if v.Refs.Result {
			return steps.Unknown
		}
		ok, err := v.RunBool(env)
		if err != nil {
			return steps.Unknown
		}
		if !ok {
			return steps.NotDone
		}
	}
	return steps.Done
}

// reconciledOutputs computes outputs from a check's result, when it gave
// one and the outputs can be computed from it.
func (s *session) reconciledOutputs(cs *cStep, node *steps.Node, result any) (json.RawMessage, json.RawMessage) {
	if result == nil {
		return nil, nil
	}
	plain, err := eval.Plain(result)
	if err != nil {
		return nil, nil
	}
	raw, _ := json.Marshal(plain)
	outputs, _ := s.outputs(cs, s.env(node, plain))
	return raw, outputs
}
