package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
)

// finish journals the end of an attempt.
func (s *session) finish(ctx, actx context.Context, cs *cStep, node *steps.Node, attempt int,
	result any, err error, took time.Duration, lines []string) string {
	name := nodeName(node)
	switch {
	case ctx.Err() != nil:
		msg := fmt.Sprintf("%s was cancelled after %s", cs.Action, took.Round(time.Millisecond))
		s.recordStep(&journal.Record{Type: recInterrupted, Step: cs.ID, Node: name, Attempt: attempt, Message: msg, Progress: lines})
		s.emit(Event{Kind: EventInterrupted, Step: cs.ID, Node: name, Attempt: attempt, Message: msg})
		return StateInterrupted
	case errors.Is(err, steps.ErrNoOperator):
		return s.waiting(cs, name, attempt, err)
	case errors.Is(err, steps.ErrOutcomeUnknown):
		s.finishFailed(cs, name, attempt, err, took, lines)
		return s.settle(ctx, cs, node, attempt)
	case err != nil:
		if errors.Is(context.Cause(actx), errStepTimeout) {
			err = timedOut(cs.Timeout, err)
		}
		return s.finishFailed(cs, name, attempt, err, took, lines)
	}
	plain, outputs, problems, err := s.check(cs, node, result)
	if err != nil {
		return s.finishFailedWith(cs, name, attempt, err, took, lines, plain)
	}
	rec := &journal.Record{
		Type: recFinished, Step: cs.ID, Node: name, Attempt: attempt, State: StateSucceeded,
		Result: plain, Outputs: outputs, Progress: lines, Millis: took.Milliseconds(), Message: problems,
	}
	if err := s.record(rec); err != nil {
		s.emit(Event{Kind: EventWarning, Step: cs.ID, Node: name, Error: err.Error()})
		return StateFailed
	}
	s.emit(Event{Kind: EventFinished, Step: cs.ID, Node: name, Attempt: attempt, State: StateSucceeded,
		Millis: took.Milliseconds(), Outputs: decodeOutputs(outputs)})
	return StateSucceeded
}

// waiting journals an operator step that has no answer yet, with what it
// asks: the instructions, and the inputs with their patterns.
func (s *session) waiting(cs *cStep, node string, attempt int, err error) string {
	s.mu.Lock()
	req, asked := s.asked[cs.ID]
	s.mu.Unlock()
	msg := "waiting for an operator: " + strings.TrimSuffix(err.Error(), ": "+steps.ErrNoOperator.Error())
	var inputs map[string]string
	if asked {
		msg = "waiting for an operator: " + strings.TrimSpace(req.Instructions)
		inputs = map[string]string{}
		for _, in := range req.Inputs {
			inputs[in.Name] = in.Pattern
		}
	}
	s.recordStep(&journal.Record{Type: recWaiting, Step: cs.ID, Node: node, Attempt: attempt, Message: msg, Inputs: inputs})
	s.emit(Event{Kind: EventWaiting, Step: cs.ID, Node: node, Message: msg})
	return StateWaiting
}

func (s *session) finishFailed(cs *cStep, node string, attempt int, err error, took time.Duration, lines []string) string {
	return s.finishFailedWith(cs, node, attempt, err, took, lines, nil)
}

func (s *session) finishFailedWith(cs *cStep, node string, attempt int, err error, took time.Duration,
	lines []string, result json.RawMessage) string {
	rec := &journal.Record{
		Type: recFinished, Step: cs.ID, Node: node, Attempt: attempt, State: StateFailed,
		Error: err.Error(), Progress: lines, Millis: took.Milliseconds(), Result: result,
	}
	s.recordStep(rec)
	s.emit(Event{Kind: EventFinished, Step: cs.ID, Node: node, Attempt: attempt, State: StateFailed,
		Error: rec.Error, Millis: took.Milliseconds()})
	return StateFailed
}

// check turns a result into plain JSON, checks verify and computes the
// outputs.
func (s *session) check(cs *cStep, node *steps.Node, result any) (json.RawMessage, json.RawMessage, string, error) {
	plain, err := eval.Plain(result)
	if err != nil {
		return nil, nil, "", fmt.Errorf("result of %s: %w", cs.Action, err)
	}
	raw, _ := json.Marshal(plain)
	env := s.env(node, plain)
	for _, v := range cs.verify {
		ok, err := v.RunBool(env)
		if err != nil {
			return raw, nil, "", fmt.Errorf("verify: %w", err)
		}
		if !ok {
			return raw, nil, "", fmt.Errorf("verify failed: %s", v.Source)
		}
	}
	outputs, problems := s.outputs(cs, env)
	for _, p := range problems {
		s.emit(Event{Kind: EventWarning, Step: cs.ID, Node: nodeName(node), Message: p})
	}
	return raw, outputs, strings.Join(problems, "; "), nil
}

// outputs computes a step's outputs. An output that cannot be computed is
// null and reported as a problem, not a failure: the action has done its
// work, and failing the step would make a resume do it again.
func (s *session) outputs(cs *cStep, env *eval.Env) (json.RawMessage, []string) {
	if len(cs.outputs) == 0 {
		return nil, nil
	}
	out := map[string]any{}
	var problems []string
	for _, o := range cs.outputs {
		v, err := o.prog.Run(env)
		if err == nil {
			v, err = eval.Plain(v)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("output %s cannot be computed, so it is null: %v", o.name, err))
			v = nil
		}
		out[o.name] = v
	}
	raw, _ := json.Marshal(out)
	return raw, problems
}

// inputDigest is the sha256 of a rendered input, recorded with "started"
// so a resume can tell whether it would send the same thing again.
func inputDigest(input any) string {
	b, err := json.Marshal(input)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// progress collects an attempt's progress lines.
type progress struct {
	mu sync.Mutex
	l  []string
}

func (p *progress) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.l) < 200 {
		p.l = append(p.l, s)
	}
}

func (p *progress) lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.l)
}
