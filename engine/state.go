package engine

import "time"

// Step and run states.
const (
	StatePending     = "pending"
	StateRunning     = "running"
	StateSucceeded   = "succeeded"
	StateFailed      = "failed"
	StateSkipped     = "skipped"
	StateBlocked     = "blocked"
	StateWaiting     = "waiting"
	StateUnknown     = "unknown"
	StateInterrupted = "interrupted"
)

// State is the snapshot of a run that state.json holds. It is derived from
// the journal, which stays the truth.
type State struct {
	RunID    string       `json:"run_id" doc:"Id of the run (its directory name)."`
	Runbook  RunbookRef   `json:"runbook" doc:"The pinned runbook."`
	Site     string       `json:"site,omitempty" doc:"Name of the site."`
	State    string       `json:"state" doc:"running, succeeded, failed, blocked, waiting, unknown or interrupted."`
	PlanHash string       `json:"plan_hash" doc:"Digest of runbook, params and inventory the run started with."`
	Started  time.Time    `json:"started" doc:"When the run started."`
	Updated  time.Time    `json:"updated" doc:"When the journal last changed."`
	Sessions []Session    `json:"sessions,omitempty" doc:"Who ran or resumed the run, and when."`
	Params   []ParamState `json:"params,omitempty" doc:"Param values (secrets redacted) and origins."`
	Warnings []string     `json:"warnings,omitempty" doc:"Caveats and warnings shown to the operator."`
	Steps    []StepState  `json:"steps" doc:"Every step, in order, finally steps last."`
	// Next says what the operator can do, when the run stopped short.
	Next string `json:"next,omitempty" doc:"What the operator can do next."`
}

// RunbookRef identifies the pinned runbook of a run.
type RunbookRef struct {
	Name    string `json:"name" doc:"Runbook name."`
	Version string `json:"version" doc:"Runbook version."`
	Digest  string `json:"digest" doc:"sha256 of the effective runbook's canonical form."`
}

// Session is one invocation of run or resume.
type Session struct {
	Command string    `json:"command" doc:"run or resume."`
	By      string    `json:"by" doc:"Who started it."`
	Started time.Time `json:"started" doc:"When it started."`
	Ended   time.Time `json:"ended,omitzero" doc:"When it ended."`
	Outcome string    `json:"outcome,omitempty" doc:"How it ended."`
	Message string    `json:"message,omitempty" doc:"Why it ended so."`
}

// ParamState is a param value as recorded for a run.
type ParamState struct {
	Name   string `json:"name" doc:"Param name."`
	Value  any    `json:"value" doc:"Value (secrets redacted)."`
	Origin string `json:"origin" doc:"default, --param or the site file position."`
}

// StepState is the state of one step.
type StepState struct {
	ID       string         `json:"id" doc:"Step id."`
	Title    string         `json:"title,omitempty" doc:"Step title."`
	Action   string         `json:"action" doc:"Action name."`
	Finally  bool           `json:"finally,omitempty" doc:"A cleanup step."`
	State    string         `json:"state" doc:"pending, running, succeeded, failed, skipped, blocked, waiting or unknown."`
	Attempts int            `json:"attempts" doc:"Attempts made (the most of any target)."`
	Reason   string         `json:"reason,omitempty" doc:"Why it was skipped, blocked or failed."`
	Hint     string         `json:"hint,omitempty" doc:"What the guard that blocked it suggests."`
	Started  time.Time      `json:"started,omitzero" doc:"First start."`
	Finished time.Time      `json:"finished,omitzero" doc:"Last finish."`
	Outputs  map[string]any `json:"outputs,omitempty" doc:"Outputs (of the last target that succeeded)."`
	Progress []string       `json:"progress,omitempty" doc:"Progress lines of the last attempt, for a step without targets."`
	Targets  []TargetState  `json:"targets" doc:"Per target state; empty for a step without targets."`
	Events   []Note         `json:"events,omitempty" doc:"Operator decisions and reconciliations."`
}

// TargetState is the state of a step on one node.
type TargetState struct {
	Node     string         `json:"node" doc:"Node name."`
	State    string         `json:"state" doc:"As a step's state."`
	Attempts int            `json:"attempts" doc:"Attempts made on this node."`
	Reason   string         `json:"reason,omitempty" doc:"Why it was skipped or failed."`
	Started  time.Time      `json:"started,omitzero" doc:"First start."`
	Finished time.Time      `json:"finished,omitzero" doc:"Last finish."`
	Outputs  map[string]any `json:"outputs,omitempty" doc:"Outputs on this node."`
	Progress []string       `json:"progress,omitempty" doc:"The action's progress lines of the last attempt."`
}

// Note is an event in a step's life worth keeping in the record: an
// operator's confirmation, a decision, a reconciliation.
type Note struct {
	Time   time.Time         `json:"time" doc:"When."`
	Kind   string            `json:"kind" doc:"confirmed, rerun, marked-done, reconciled, interrupted."`
	Node   string            `json:"node,omitempty" doc:"Target, where it applies to one."`
	By     string            `json:"by,omitempty" doc:"Who."`
	Reason string            `json:"reason,omitempty" doc:"Why, or what was seen."`
	Inputs map[string]string `json:"inputs,omitempty" doc:"Operator inputs."`
}
