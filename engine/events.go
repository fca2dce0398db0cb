package engine

import "time"

// Kinds of events the engine reports while it works.
const (
	EventRunStarted    = "run-started"
	EventFact          = "fact"
	EventCaveat        = "caveat"
	EventWarning       = "warning"
	EventStepStarted   = "step-started"
	EventStarted       = "started"
	EventProgress      = "progress"
	EventRetry         = "retry"
	EventFinished      = "finished"
	EventSkipped       = "skipped"
	EventBlocked       = "blocked"
	EventWaiting       = "waiting"
	EventReconciled    = "reconciled"
	EventDecision      = "decision"
	EventStepFinished  = "step-finished"
	EventInterrupted   = "interrupted"
	EventRunFinished   = "run-finished"
	EventPlanStep      = "plan-step"
	EventPlanTarget    = "plan-target"
	EventConfirmed     = "confirmed"
	EventFinallyStarts = "finally"
)

// Event is what the engine reports to its sink: libraries never print, the
// CLI renders events for a terminal, as plain lines, or as JSON. Secrets
// are redacted before an event reaches the sink.
type Event struct {
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Run     string    `json:"run,omitempty"`
	Step    string    `json:"step,omitempty"`
	Title   string    `json:"title,omitempty"`
	Node    string    `json:"node,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	State   string    `json:"state,omitempty"`
	Message string    `json:"message,omitempty"`
	Hint    string    `json:"hint,omitempty"`
	Error   string    `json:"error,omitempty"`
	// Millis is the duration of what finished, in milliseconds.
	Millis  int64          `json:"ms,omitempty"`
	Outputs map[string]any `json:"outputs,omitempty"`
}

// Sink receives events. It must not block for long: the engine calls it
// from the goroutine doing the work.
type Sink func(Event)
