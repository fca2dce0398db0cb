package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
)

// defaultFactTimeout bounds a fact whose runbook sets no timeout.
const defaultFactTimeout = 2 * time.Minute

// runFacts runs every fact (read-only) and keeps the results for
// expressions. The first fact that fails stops the run: guards over an
// unknown fact cannot be trusted.
func (s *session) runFacts(ctx context.Context, journaled bool) error {
	for _, f := range s.eff.facts {
		v, err := s.fact(ctx, f)
		if err != nil {
			s.emit(Event{Kind: EventFact, Step: f.ID, State: StateFailed, Error: err.Error()})
			return fmt.Errorf("fact %s: %w", f.ID, err)
		}
		s.mu.Lock()
		s.facts[f.ID] = v
		s.mu.Unlock()
		raw, _ := json.Marshal(v)
		if journaled {
			if err := s.record(&journal.Record{Type: recFact, Step: f.ID, Result: raw}); err != nil {
				return err
			}
		}
		s.emit(Event{Kind: EventFact, Step: f.ID, State: StateSucceeded, Message: summarize(raw)})
	}
	return nil
}

// loadFacts runs the facts once per session.
func (s *session) loadFacts(ctx context.Context) error {
	if s.factsLoaded {
		return nil
	}
	if err := s.runFacts(ctx, true); err != nil {
		return err
	}
	s.factsLoaded = true
	return nil
}

// fact runs one fact on its target or targets.
func (s *session) fact(ctx context.Context, f *cFact) (any, error) {
	nodes, err := s.factNodes(f)
	if err != nil {
		return nil, err
	}
	if f.Targets == nil {
		return s.factOn(ctx, f, nodes[0])
	}
	out := map[string]any{}
	for _, n := range nodes {
		v, err := s.factOn(ctx, f, n)
		if err != nil {
			return nil, fmt.Errorf("on %s: %w", n.Name, err)
		}
		out[n.Name] = v
	}
	return out, nil
}

func (s *session) factNodes(f *cFact) ([]*steps.Node, error) {
	switch {
	case f.Targets != nil:
		return s.eff.selectNodes(f.targets, func(n *steps.Node) *eval.Env { return s.env(n, nil) })
	case f.Target != nil:
		for i := range s.eff.Nodes {
			if n := &s.eff.Nodes[i]; n.Name == f.Target.Value || n.Role == f.Target.Value {
				return []*steps.Node{n}, nil
			}
		}
		return nil, fmt.Errorf("no node is %s", f.Target.Value)
	}
	return []*steps.Node{nil}, nil
}

func (s *session) factOn(ctx context.Context, f *cFact, node *steps.Node) (any, error) {
	input, err := f.with.render(s.env(node, nil))
	if err != nil {
		return nil, fmt.Errorf("with: %w", err)
	}
	if steps.MutatesWith(f.action, input) {
		return nil, fmt.Errorf("with this input %s changes the system; facts must be read-only", f.Action)
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = defaultFactTimeout
	}
	fctx, cancel := context.WithTimeoutCause(ctx, timeout, errStepTimeout)
	defer cancel()
	rt := &steps.Runtime{
		Step: f.ID, Attempt: 1, Node: node, Site: s.site, Credentials: s.creds, Pool: s.pool,
		Artifacts: &artifacts{dir: s.dir.File(dirArtifacts)}, Planning: s.planning(), Redact: s.red.Add,
	}
	result, err := safeRun(fctx, f.action, rt, input)
	if err != nil {
		return nil, err
	}
	return eval.Plain(result)
}

func (s *session) planning() bool { return s.j == nil }

// summarize renders a value on one line for a progress line, shortened.
func summarize(v any) string {
	raw, ok := v.([]byte)
	if !ok {
		raw, _ = json.Marshal(v)
	}
	const max = 160
	if len(raw) > max {
		return string(raw[:max-3]) + "..."
	}
	return string(raw)
}

// Brief replaces long strings in plain data by a short description, so a
// certificate shows as "PEM CERTIFICATE (1234 bytes)".
func Brief(v any) any {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "-----BEGIN ") {
			kind, _, _ := strings.Cut(strings.TrimPrefix(v, "-----BEGIN "), "-----")
			return fmt.Sprintf("PEM %s (%d bytes)", kind, len(v))
		}
		if len(v) > 80 {
			return v[:60] + fmt.Sprintf("... (%d bytes)", len(v))
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = Brief(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = Brief(x)
		}
		return out
	}
	return v
}

// caveats evaluates the runbook's caveats and reports those that apply.
func (s *session) caveats(journaled bool) {
	env := s.env(nil, nil)
	for _, c := range s.eff.caveats {
		ok, err := c.when.RunBool(env)
		if err != nil || !ok {
			continue
		}
		message, hint := c.texts(env)
		msg := c.ID + ": " + message
		if hint != "" {
			msg += " (" + hint + ")"
		}
		if journaled {
			s.recordStep(&journal.Record{Type: recCaveat, Step: c.ID, Message: msg})
		}
		s.emit(Event{Kind: EventCaveat, Step: c.ID, Message: message, Hint: hint})
	}
}
