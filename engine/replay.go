package engine

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/ucops/runbook/engine/journal"
)

// Journal record types.
const (
	recRunStarted  = "run-started"
	recResumed     = "resumed"
	recFact        = "fact"
	recCaveat      = "caveat"
	recTargets     = "targets"
	recSkipped     = "skipped"
	recBlocked     = "blocked"
	recStarted     = "started"
	recFinished    = "finished"
	recInterrupted = "interrupted"
	recWaiting     = "waiting"
	recConfirmed   = "confirmed"
	recReconciled  = "reconciled"
	recDecision    = "decision"
	recSessionEnd  = "session-ended"
)

// Operator decisions recorded in the journal.
const (
	decisionRerun    = "rerun"
	decisionMarkDone = "mark-done"
	decisionFrom     = "from"
	decisionReset    = "reset"
)

// runState is a run's state as the journal tells it. The engine applies
// every record it appends, and replay applies the same records in the same
// way, so the live state and a replayed one cannot differ.
type runState struct {
	order    []string
	steps    map[string]*stepRun
	sessions []Session
	warnings []string
	outcome  string
	started  time.Time
	updated  time.Time
	facts    map[string]json.RawMessage
}

// stepRun is one step's state.
type stepRun struct {
	id      string
	state   string // a step-level state: skipped or blocked; "" when derived from targets
	reason  string
	targets map[string]*targetRun
	tOrder  []string
	notes   []Note
	// confirmed holds an operator's confirmation not yet used.
	confirmed *journal.Record
	// asked holds the inputs (name to pattern) the step waits for.
	asked map[string]string
	// title is the title as rendered when the step ran.
	title string
	// hint is what the guard that blocked the step suggests.
	hint string
}

// targetRun is a step's state on one node ("" for a step without targets).
type targetRun struct {
	node     string
	state    string
	attempts int
	reason   string
	started  time.Time
	finished time.Time
	outputs  map[string]any
	result   json.RawMessage
	progress []string
	// inflight is the started record of an attempt with no end yet.
	inflight *journal.Record
}

func newRunState(stepIDs []string) *runState {
	st := &runState{order: stepIDs, steps: map[string]*stepRun{}, facts: map[string]json.RawMessage{}}
	for _, id := range stepIDs {
		st.steps[id] = &stepRun{id: id, targets: map[string]*targetRun{}}
	}
	return st
}

func (sr *stepRun) target(node string) *targetRun {
	t, ok := sr.targets[node]
	if !ok {
		t = &targetRun{node: node, state: StatePending}
		sr.targets[node] = t
		sr.tOrder = append(sr.tOrder, node)
	}
	return t
}

// apply changes the state by one journal record.
func (st *runState) apply(r *journal.Record) {
	if st.started.IsZero() {
		st.started = r.Time
	}
	st.updated = r.Time
	switch r.Type {
	case recRunStarted, recResumed:
		st.sessions = append(st.sessions, Session{Command: r.Message, By: r.By, Started: r.Time})
		st.outcome = StateRunning
	case recSessionEnd:
		if n := len(st.sessions); n > 0 {
			st.sessions[n-1].Ended, st.sessions[n-1].Outcome = r.Time, r.State
			st.sessions[n-1].Message = r.Message
		}
		st.outcome = r.State
	case recFact:
		st.facts[r.Step] = r.Result
	case recCaveat:
		if !slices.Contains(st.warnings, r.Message) {
			st.warnings = append(st.warnings, r.Message)
		}
	default:
		if sr, ok := st.steps[r.Step]; ok {
			st.applyStep(sr, r)
		}
	}
}

func (st *runState) applyStep(sr *stepRun, r *journal.Record) {
	switch r.Type {
	case recTargets:
		sr.state, sr.title = "", firstNonEmpty(r.Message, sr.title)
		for _, node := range r.Nodes {
			sr.target(node)
		}
	case recSkipped:
		if r.Node == "" && r.Attempt == 0 && len(sr.targets) == 0 {
			sr.state, sr.reason = StateSkipped, r.Reason
			return
		}
		t := sr.target(r.Node)
		t.state, t.reason = StateSkipped, r.Reason
	case recBlocked:
		sr.state, sr.reason, sr.hint = StateBlocked, r.Reason, r.Message
	case recStarted:
		sr.state = ""
		t := sr.target(r.Node)
		t.state, t.attempts, t.inflight, t.reason = StateRunning, r.Attempt, r, ""
		t.progress = nil
		if t.started.IsZero() {
			t.started = r.Time
		}
	case recFinished:
		t := sr.target(r.Node)
		t.state, t.reason, t.finished, t.inflight = r.State, firstNonEmpty(r.Error, r.Message), r.Time, nil
		t.progress = r.Progress
		t.result = r.Result
		t.outputs = decodeOutputs(r.Outputs)
		if r.State == StateSucceeded {
			sr.confirmed = nil
		}
	case recInterrupted:
		t := sr.target(r.Node)
		t.state, t.reason = StateUnknown, "interrupted while running: "+r.Message
	case recWaiting:
		sr.asked = r.Inputs
		if r.Attempt == 0 {
			// The step waits before it starts (confirm: true): no target
			// has begun, and none must look unfinished once it runs.
			sr.state, sr.reason = StateWaiting, r.Message
			return
		}
		sr.state = ""
		t := sr.target(r.Node)
		t.state, t.reason, t.inflight = StateWaiting, r.Message, nil
	case recConfirmed:
		sr.confirmed = r
		if sr.state == StateWaiting {
			sr.state, sr.reason = "", ""
		}
		sr.note(r, "confirmed")
	case recReconciled:
		st.reconciled(sr, r)
	case recDecision:
		st.decision(sr, r)
	}
}

func (st *runState) reconciled(sr *stepRun, r *journal.Record) {
	t := sr.target(r.Node)
	t.reason = r.Message
	sr.note(r, "reconciled")
	switch r.State {
	case StateSucceeded:
		t.state, t.finished, t.inflight = StateSucceeded, r.Time, nil
		t.result = r.Result
		t.outputs = decodeOutputs(r.Outputs)
	case StateUnknown:
		t.state = StateUnknown // still for the operator to decide
	default:
		t.state, t.inflight = StatePending, nil
	}
}

// unsettled reports whether the target's outcome is not known: it was in
// flight when the engine stopped and nothing has settled it since.
func (t *targetRun) unsettled() bool {
	return t.inflight != nil || t.state == StateUnknown || t.state == StateRunning
}

func (st *runState) decision(sr *stepRun, r *journal.Record) {
	sr.note(r, r.Message)
	switch r.Message {
	case decisionRerun:
		sr.state = ""
		for _, t := range sr.targets {
			if t.state != StateSucceeded && t.state != StateSkipped {
				t.state, t.inflight = StatePending, nil
			}
		}
	case decisionMarkDone:
		sr.state = ""
		// When work was in flight, only that work is marked done: targets
		// that never started still run. Otherwise every target not done is.
		inflight := slices.ContainsFunc(sr.tOrder, func(n string) bool { return sr.targets[n].unsettled() })
		for _, t := range sr.targets {
			if t.state == StateSucceeded || t.state == StateSkipped || (inflight && !t.unsettled()) {
				continue
			}
			t.state, t.inflight, t.reason = StateSucceeded, nil, "marked done: "+r.Reason
			t.finished = r.Time
		}
		if len(sr.targets) == 0 {
			t := sr.target("")
			t.state, t.reason, t.finished = StateSucceeded, "marked done: "+r.Reason, r.Time
		}
	case decisionReset:
		sr.state, sr.reason = "", ""
		for _, t := range sr.targets {
			t.state, t.inflight = StatePending, nil
		}
	case decisionFrom:
		from := slices.Index(st.order, r.Step)
		for _, id := range st.order[max(from, 0):] {
			s := st.steps[id]
			s.state, s.reason = "", ""
			for _, t := range s.targets {
				t.state, t.inflight = StatePending, nil
			}
		}
	}
}

func (sr *stepRun) note(r *journal.Record, kind string) {
	sr.notes = append(sr.notes, Note{
		Time: r.Time, Kind: kind, Node: r.Node, By: r.By, Reason: firstNonEmpty(r.Reason, r.Error),
		Inputs: r.Inputs,
	})
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func decodeOutputs(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// stepState derives a step's state from its targets.
func (sr *stepRun) stepState() string {
	if sr.state != "" {
		return sr.state
	}
	if len(sr.targets) == 0 {
		return StatePending
	}
	count := map[string]int{}
	for _, t := range sr.targets {
		count[t.state]++
	}
	for _, s := range []string{StateRunning, StateUnknown, StateWaiting, StateFailed, StatePending} {
		if count[s] > 0 {
			return s
		}
	}
	if count[StateSucceeded] > 0 {
		return StateSucceeded
	}
	return StateSkipped
}

// done reports whether a step needs no more work: succeeded or skipped.
func (sr *stepRun) done() bool {
	s := sr.stepState()
	return s == StateSucceeded || s == StateSkipped
}

// replay builds the state of a run from its journal.
func replay(stepIDs []string, recs []journal.Record) *runState {
	st := newRunState(stepIDs)
	for i := range recs {
		st.apply(&recs[i])
	}
	return st
}

// snapshot turns the state into what state.json and status show.
func (st *runState) snapshot(meta *RunMeta, eff *Effective) State {
	s := State{
		RunID: meta.RunID, Runbook: meta.Runbook, Site: meta.SiteName,
		State: st.outcome, PlanHash: meta.PlanHash, Started: st.started, Updated: st.updated,
		Sessions: st.sessions, Params: meta.Params, Warnings: st.warnings,
	}
	if s.State == "" {
		s.State = StatePending
	}
	for _, cs := range eff.steps {
		sr := st.steps[cs.ID]
		ss := StepState{
			ID: cs.ID, Title: firstNonEmpty(sr.title, cs.Title), Action: cs.Action, Finally: cs.finally,
			Hint:  sr.hint,
			State: sr.stepState(), Reason: sr.reason, Events: sr.notes, Targets: []TargetState{},
		}
		for _, node := range sr.tOrder {
			t := sr.targets[node]
			ss.Attempts = max(ss.Attempts, t.attempts)
			ss.Started = earliest(ss.Started, t.started)
			if t.finished.After(ss.Finished) {
				ss.Finished = t.finished
			}
			if t.state == StateSucceeded && t.outputs != nil {
				ss.Outputs = t.outputs
			}
			if ss.Reason == "" && t.state != StateSucceeded && t.state != StateSkipped && t.reason != "" {
				ss.Reason = t.reason
				if node != "" && !strings.Contains(t.reason, node) {
					ss.Reason = node + ": " + t.reason
				}
			}
			if node == "" {
				ss.Progress = t.progress
				continue // a step without targets shows no target list
			}
			ss.Targets = append(ss.Targets, TargetState{
				Node: node, State: t.state, Attempts: t.attempts, Reason: t.reason,
				Started: t.started, Finished: t.finished, Outputs: t.outputs, Progress: t.progress,
			})
		}
		s.Steps = append(s.Steps, ss)
	}
	return s
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
