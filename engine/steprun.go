package engine

import (
	"context"
	"errors"
	"fmt"
	"github.com/ucops/runbook/engine/decode"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
)

// runStep runs one step to its end state in this session: succeeded,
// skipped, failed, blocked, waiting, unknown or interrupted.
func (s *session) runStep(ctx context.Context, cs *cStep) string {
	s.emit(Event{Kind: EventStepStarted, Step: cs.ID, Title: s.title(cs)})
	if cs.Skip {
		reason := "skipped by the site: " + cs.Reason
		s.recordStep(&journal.Record{Type: recSkipped, Step: cs.ID, Reason: reason})
		s.emit(Event{Kind: EventSkipped, Step: cs.ID, Message: reason})
		return StateSkipped
	}
	if state := s.checkRequires(cs); state != "" {
		return state
	}
	nodes, err := s.selectTargets(cs)
	if err != nil {
		return s.stepFailed(cs, err)
	}
	if len(nodes) == 0 {
		reason := "no target: the selection matched no node"
		s.recordStep(&journal.Record{Type: recSkipped, Step: cs.ID, Reason: reason})
		s.emit(Event{Kind: EventSkipped, Step: cs.ID, Message: reason})
		return StateSkipped
	}
	if state := s.confirmStep(ctx, cs, nodes); state != "" {
		return state
	}
	if err := s.recordTargets(cs, nodes); err != nil {
		return s.stepFailed(cs, err)
	}
	return s.fanOut(ctx, cs, nodes)
}

// recordTargets journals a step's targets before any runs, so that a step
// stopped half way is not mistaken for done by its finished targets alone.
func (s *session) recordTargets(cs *cStep, nodes []*steps.Node) error {
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = nodeName(n)
	}
	s.mu.Lock()
	sr := s.st.steps[cs.ID]
	known := len(sr.tOrder) == len(names)
	for _, n := range names {
		_, ok := sr.targets[n]
		known = known && ok
	}
	s.mu.Unlock()
	if known {
		return nil
	}
	return s.record(&journal.Record{Type: recTargets, Step: cs.ID, Nodes: names, Message: s.title(cs)})
}

// title renders a step's title; a title whose expressions fail is shown
// as written.
func (s *session) title(cs *cStep) string {
	if cs.title == nil {
		return cs.Title
	}
	v, err := cs.title.Render(s.env(nil, nil))
	if err != nil {
		return cs.Title
	}
	return eval.Text(v)
}

// recordStep records a step-level event, reporting a journal failure as
// the step's end.
func (s *session) recordStep(r *journal.Record) {
	if err := s.record(r); err != nil {
		s.emit(Event{Kind: EventWarning, Step: r.Step, Error: err.Error()})
	}
}

// stepFailed records a failure that happened before any target ran.
func (s *session) stepFailed(cs *cStep, err error) string {
	s.recordStep(&journal.Record{Type: recFinished, Step: cs.ID, State: StateFailed, Error: err.Error()})
	s.emit(Event{Kind: EventFinished, Step: cs.ID, State: StateFailed, Error: err.Error()})
	return StateFailed
}

// checkRequires evaluates the step's guards: "" when all hold, blocked
// when one is false, failed when one cannot be evaluated (fail closed).
func (s *session) checkRequires(cs *cStep) string {
	failed, err := s.failedRequires(cs, s.env(nil, nil))
	if err != nil {
		return s.stepFailed(cs, err)
	}
	if len(failed) == 0 {
		return ""
	}
	reason, hint := joinFailed(failed)
	s.recordStep(&journal.Record{Type: recBlocked, Step: cs.ID, Reason: reason, Message: hint})
	s.emit(Event{Kind: EventBlocked, Step: cs.ID, Message: reason, Hint: hint})
	return StateBlocked
}

// failedReq is a requirement that does not hold, with its texts.
type failedReq struct{ reason, hint string }

// failedRequires evaluates every requirement of a step and returns all
// that do not hold, so the operator learns of every one at once. An
// evaluation error fails closed.
func (s *session) failedRequires(cs *cStep, env *eval.Env) ([]failedReq, error) {
	var out []failedReq
	for _, r := range cs.require {
		prog, f := r.expr, failedReq{reason: "requirement " + r.src + " is false"}
		if r.guard != "" {
			g := s.eff.guards[r.guard]
			msg, hint := g.texts(env)
			prog, f = g.check, failedReq{reason: fmt.Sprintf("guard %s: %s", r.guard, msg), hint: hint}
		}
		ok, err := prog.RunBool(env)
		if err != nil {
			return nil, fmt.Errorf("requirement %s: %w", r.src, err)
		}
		if !ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// joinFailed puts the failed requirements' reasons and hints in one line
// each.
func joinFailed(failed []failedReq) (reason, hint string) {
	var reasons, hints []string
	for _, f := range failed {
		reasons = append(reasons, f.reason)
		if f.hint != "" {
			hints = append(hints, f.hint)
		}
	}
	return strings.Join(reasons, "; "), strings.Join(hints, "; ")
}

// selectTargets returns the step's target nodes in inventory order, or a
// single nil target for a step without targets.
func (s *session) selectTargets(cs *cStep) ([]*steps.Node, error) {
	if cs.targets == nil {
		return []*steps.Node{nil}, nil
	}
	return s.eff.selectNodes(cs.targets, func(n *steps.Node) *eval.Env { return s.env(n, nil) })
}

// selectNodes picks nodes by name or role, or by an expression per node.
func (e *Effective) selectNodes(t *cTargets, env func(*steps.Node) *eval.Env) ([]*steps.Node, error) {
	var out []*steps.Node
	for i := range e.Nodes {
		n := &e.Nodes[i]
		if len(t.names) > 0 && !slices.Contains(t.names, n.Name) && !slices.Contains(t.names, n.Role) {
			continue
		}
		if t.expr != nil {
			ok, err := t.expr.RunBool(env(n))
			if err != nil {
				return nil, fmt.Errorf("targets on %s: %w", n.Name, err)
			}
			if !ok {
				continue
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// confirmStep asks before a mutating step marked confirm: "" to go on.
func (s *session) confirmStep(ctx context.Context, cs *cStep, nodes []*steps.Node) string {
	if !cs.Confirm || !cs.with.mutates() {
		return ""
	}
	if s.opts.Yes {
		s.recordStep(&journal.Record{Type: recConfirmed, Step: cs.ID, By: s.opts.by(), Reason: "confirmed in advance with --yes"})
		return ""
	}
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			names = append(names, n.Name)
		}
	}
	text := fmt.Sprintf("About to run %q (%s)", firstNonEmpty(s.title(cs), cs.ID), cs.Action)
	if len(names) > 0 {
		text += " on " + strings.Join(names, ", ")
	}
	if cs.with != nil && cs.with.node != nil {
		d := decode.New("with", &decode.Errors{})
		if v, err := cs.with.value(d, cs.with.node, s.env(nodes[0], nil)); err == nil {
			text += " with " + s.red.String(summarize(Brief(v)))
		}
	}
	op := &stepOperator{s: s, step: cs.ID}
	if _, err := op.Confirm(ctx, steps.Confirmation{Step: cs.ID, Instructions: text + "."}); err != nil {
		msg := "waiting for confirmation: " + text
		if !errors.Is(err, steps.ErrNoOperator) {
			msg = "not confirmed: " + err.Error()
		}
		s.recordStep(&journal.Record{Type: recWaiting, Step: cs.ID, Message: msg})
		s.emit(Event{Kind: EventWaiting, Step: cs.ID, Message: msg})
		return StateWaiting
	}
	return ""
}

// fanOut runs the step on its targets: the `first` ones alone and in
// order, then the rest in batches of max_parallel, stopping when failures
// exceed max_failures. Targets already done are not run again.
func (s *session) fanOut(ctx context.Context, cs *cStep, nodes []*steps.Node) string {
	waves := s.waves(cs, nodes)
	failures := 0
	for _, wave := range waves {
		results := s.runWave(ctx, cs, wave)
		for _, r := range results {
			if r == StateFailed {
				failures++
			}
		}
		for _, stop := range []string{StateInterrupted, StateUnknown, StateWaiting} {
			if slices.Contains(results, stop) {
				return stop
			}
		}
		if failures > cs.Order.MaxFailures {
			break
		}
	}
	state := s.stepRunState(cs.ID)
	s.emit(Event{Kind: EventStepFinished, Step: cs.ID, State: state})
	return state
}

// stepRunState is the step's derived state now.
func (s *session) stepRunState(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.steps[id].stepState()
}

// waves orders the targets not yet done into groups run together.
func (s *session) waves(cs *cStep, nodes []*steps.Node) [][]*steps.Node {
	var todo []*steps.Node
	s.mu.Lock()
	sr := s.st.steps[cs.ID]
	for _, n := range nodes {
		t, ok := sr.targets[nodeName(n)]
		if ok && (t.state == StateSucceeded || t.state == StateSkipped) {
			continue
		}
		todo = append(todo, n)
	}
	s.mu.Unlock()

	var waves [][]*steps.Node
	for _, f := range cs.Order.First {
		for i := 0; i < len(todo); i++ {
			if n := todo[i]; n != nil && (n.Name == f.Value || n.Role == f.Value) {
				waves = append(waves, []*steps.Node{n})
				todo = slices.Delete(todo, i, i+1)
				i--
			}
		}
	}
	size := max(cs.Order.MaxParallel, 1)
	for len(todo) > 0 {
		k := min(size, len(todo))
		waves = append(waves, todo[:k])
		todo = todo[k:]
	}
	return waves
}

func nodeName(n *steps.Node) string {
	if n == nil {
		return ""
	}
	return n.Name
}

// runWave runs targets in parallel and returns their end states.
func (s *session) runWave(ctx context.Context, cs *cStep, wave []*steps.Node) []string {
	results := make([]string, len(wave))
	var wg sync.WaitGroup
	for i, n := range wave {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.runTarget(ctx, cs, n)
		}()
	}
	wg.Wait()
	return results
}

// runTarget runs the step on one target with its retries.
func (s *session) runTarget(ctx context.Context, cs *cStep, node *steps.Node) string {
	name := nodeName(node)
	if cs.when != nil {
		ok, err := cs.when.RunBool(s.env(node, nil))
		if err != nil {
			return s.finishFailed(cs, name, 0, fmt.Errorf("when: %w", err), 0, nil)
		}
		if !ok {
			reason := "when is false: " + cs.When.Src
			s.recordStep(&journal.Record{Type: recSkipped, Step: cs.ID, Node: name, Reason: reason})
			s.emit(Event{Kind: EventSkipped, Step: cs.ID, Node: name, Message: reason})
			return StateSkipped
		}
	}
	attempts := max(cs.Retry.Attempts, 1)
	delay := cs.Retry.Delay
	for i := 0; ; i++ {
		state := s.attempt(ctx, cs, node)
		if state != StateFailed || i+1 >= attempts {
			return state
		}
		s.emit(Event{Kind: EventRetry, Step: cs.ID, Node: name, Message: fmt.Sprintf("retrying in %s", delay)})
		if !sleep(ctx, delay) {
			return StateInterrupted
		}
		delay = nextDelay(delay, cs.Retry)
	}
}

// timedOut words an attempt ended by the step's timeout, keeping what the
// action said unless it only repeats the context's error.
func timedOut(d time.Duration, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		if msg := strings.TrimSuffix(strings.TrimSuffix(err.Error(), context.DeadlineExceeded.Error()), ": "); msg == "" ||
			strings.HasSuffix(msg, "interrupted") {
			return fmt.Errorf("timed out after %s", d)
		}
	}
	return fmt.Errorf("timed out after %s: %w", d, err)
}

func nextDelay(d time.Duration, r Retry) time.Duration {
	next := time.Duration(float64(d) * max(r.Backoff, 1))
	if r.MaxDelay > 0 && next > r.MaxDelay {
		next = r.MaxDelay
	}
	return next
}

// sleep waits d, or returns false when ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// attempt makes one attempt: render the input, journal "started" (synced)
// before any side effect, run the action, check verify, compute outputs,
// journal the end.
func (s *session) attempt(ctx context.Context, cs *cStep, node *steps.Node) string {
	name := nodeName(node)
	s.mu.Lock()
	t := s.st.steps[cs.ID].target(name)
	attempt, began := t.attempts+1, t.started
	s.mu.Unlock()
	if began.IsZero() {
		began = time.Now().UTC()
	}

	input, err := s.renderInput(cs, node)
	if err != nil {
		return s.finishFailed(cs, name, attempt, err, 0, nil)
	}
	start := &journal.Record{
		Type: recStarted, Step: cs.ID, Node: name, Attempt: attempt,
		Digest: inputDigest(input), Key: fmt.Sprintf("%s/%s/%s/%d", s.meta.RunID, cs.ID, name, attempt),
	}
	if err := s.record(start); err != nil {
		return s.finishFailed(cs, name, attempt, fmt.Errorf("journal: %w", err), 0, nil)
	}
	s.emit(Event{Kind: EventStarted, Step: cs.ID, Title: s.title(cs), Node: name, Attempt: attempt})

	prog := &progress{}
	rt := s.runtime(cs, node, attempt, began, func(msg string) {
		msg = trimWho(msg, cs.ID, name)
		prog.add(msg)
		s.emit(Event{Kind: EventProgress, Step: cs.ID, Node: name, Attempt: attempt, Message: msg})
	})
	actx, cancel := stepContext(ctx, cs.Timeout)
	t0 := time.Now()
	result, err := s.invoke(actx, cs, rt, node, input)
	cancel()
	took := time.Since(t0)
	return s.finish(ctx, actx, cs, node, attempt, result, err, took, prog.lines())
}

// trimWho drops a "step node: " or "node: " prefix from a progress line:
// the engine names the step and target itself.
func trimWho(msg, step, node string) string {
	for _, p := range []string{step + " " + node + ": ", node + ": ", step + ": "} {
		if node != "" || p == step+": " {
			msg = strings.TrimPrefix(msg, p)
		}
	}
	return msg
}

// stepContext bounds an attempt by the step's timeout, with a cause that
// tells the timeout apart from the run being cancelled.
func stepContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, timeout, errStepTimeout)
}
