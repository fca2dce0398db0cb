package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ucops/runbook/engine"
)

// renderer turns engine events into output: JSON lines for machines,
// timestamped lines otherwise, and on a terminal a status line with a
// spinner for the work in progress.
type renderer struct {
	mu      sync.Mutex
	w       io.Writer
	json    bool
	tty     bool
	color   bool
	running map[string]runningTarget
	status  bool // a status line is on screen
	stop    chan struct{}
	done    chan struct{}
	// reportHint is how to call report for this state directory.
	reportHint string
}

type runningTarget struct {
	label   string
	attempt int
	since   time.Time
}

func newRenderer(w io.Writer, asJSON, tty, color bool) *renderer {
	r := &renderer{w: w, json: asJSON, tty: tty && !asJSON, color: color && tty && !asJSON,
		running: map[string]runningTarget{}}
	if r.tty {
		r.stop, r.done = make(chan struct{}), make(chan struct{})
		go r.spin()
	}
	return r
}

// Close stops the spinner and clears its line.
func (r *renderer) Close() {
	if r.stop == nil {
		return
	}
	close(r.stop)
	<-r.done
	r.mu.Lock()
	r.clearStatus()
	r.mu.Unlock()
}

// Event renders one event; it is the engine's sink.
func (r *renderer) Event(e engine.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.json {
		b, _ := json.Marshal(e)
		fmt.Fprintf(r.w, "%s\n", b)
		return
	}
	r.track(e)
	line := r.line(e)
	if line == "" {
		return
	}
	r.clearStatus()
	fmt.Fprintf(r.w, "%s %s\n", e.Time.Local().Format("15:04:05"), line)
}

func (r *renderer) track(e engine.Event) {
	key := e.Step + "/" + e.Node
	switch e.Kind {
	case engine.EventStarted:
		label := e.Step
		if e.Node != "" {
			label += " " + e.Node
		}
		r.running[key] = runningTarget{label: label, attempt: e.Attempt, since: e.Time}
	case engine.EventFinished, engine.EventInterrupted, engine.EventWaiting:
		delete(r.running, key)
	}
}

// line is the text of an event, or "" for events shown only in the
// status line.
func (r *renderer) line(e engine.Event) string {
	who := e.Step
	if e.Node != "" {
		who += " " + e.Node
	}
	switch e.Kind {
	case engine.EventRunStarted:
		return fmt.Sprintf("%s: %s", e.Run, e.Message)
	case engine.EventFact:
		if e.Error != "" {
			return r.paint(red, fmt.Sprintf("fact %s: %s", e.Step, e.Error))
		}
		return fmt.Sprintf("fact %s = %s", e.Step, e.Message)
	case engine.EventCaveat:
		return r.paint(yellow, fmt.Sprintf("caveat %s: %s", e.Step, withHint(e.Message, e.Hint)))
	case engine.EventWarning:
		return r.paint(yellow, fmt.Sprintf("warning %s: %s", who, firstOf(e.Error, e.Message)))
	case engine.EventStepStarted:
		return r.paint(bold, "== "+e.Step+titleSuffix(e.Title))
	case engine.EventStarted:
		return fmt.Sprintf("%s: started (attempt %d)", who, e.Attempt)
	case engine.EventProgress:
		return fmt.Sprintf("%s: %s", who, e.Message)
	case engine.EventRetry:
		return r.paint(yellow, fmt.Sprintf("%s: %s", who, e.Message))
	case engine.EventFinished:
		return r.finished(who, e)
	case engine.EventSkipped:
		return fmt.Sprintf("%s: skipped (%s)", who, e.Message)
	case engine.EventBlocked:
		return r.paint(red, fmt.Sprintf("%s: blocked: %s", who, withHint(e.Message, e.Hint)))
	case engine.EventWaiting:
		return r.paint(yellow, fmt.Sprintf("%s: %s", who, e.Message))
	case engine.EventReconciled, engine.EventDecision, engine.EventConfirmed:
		line := fmt.Sprintf("%s: %s", strings.TrimSpace(who), e.State)
		if e.Message != "" {
			line += ": " + e.Message
		}
		return line
	case engine.EventInterrupted:
		return r.paint(yellow, fmt.Sprintf("%s: %s", who, e.Message))
	case engine.EventRunFinished:
		return r.finishedRun(e)
	}
	return ""
}

func (r *renderer) finished(who string, e engine.Event) string {
	took := time.Duration(e.Millis) * time.Millisecond
	if e.State != engine.StateSucceeded {
		return r.paint(red, fmt.Sprintf("%s: %s after %s: %s", who, e.State, took.Round(time.Millisecond), e.Error))
	}
	line := fmt.Sprintf("%s: succeeded in %s", who, took.Round(time.Millisecond))
	if len(e.Outputs) > 0 {
		line += " " + compact(e.Outputs)
	}
	return r.paint(green, line)
}

func (r *renderer) finishedRun(e engine.Event) string {
	color := green
	if e.State != engine.StateSucceeded {
		color = red
	}
	line := r.paint(color, fmt.Sprintf("run %s: %s", e.State, e.Message))
	if e.Hint != "" {
		line += "\n         next: " + e.Hint
	}
	if r.reportHint != "" {
		line += "\n         change record: " + r.reportHint + " " + e.Run + " --format html"
	}
	return line
}

// compact renders outputs on one line, long values shortened.
func compact(m map[string]any) string {
	b, _ := json.Marshal(engine.Brief(m))
	s := string(b)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}

func withHint(msg, hint string) string {
	if hint == "" {
		return msg
	}
	return msg + " (hint: " + hint + ")"
}

func titleSuffix(t string) string {
	if t == "" {
		return ""
	}
	return ": " + t
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ANSI colours, used only on a terminal without --no-color.
const (
	red    = "31"
	green  = "32"
	yellow = "33"
	bold   = "1"
)

func (r *renderer) paint(code, s string) string {
	if !r.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// spin redraws the status line while work runs.
func (r *renderer) spin() {
	defer close(r.done)
	frames := []string{"|", "/", "-", "\\"}
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-r.stop:
			return
		case <-t.C:
		}
		r.mu.Lock()
		r.drawStatus(frames[i%len(frames)])
		r.mu.Unlock()
	}
}

func (r *renderer) drawStatus(frame string) {
	if len(r.running) == 0 {
		r.clearStatus()
		return
	}
	var parts []string
	for _, t := range r.running {
		parts = append(parts, fmt.Sprintf("%s (attempt %d, %s)", t.label, t.attempt, time.Since(t.since).Round(time.Second)))
	}
	sort.Strings(parts)
	line := frame + " " + strings.Join(parts, "; ")
	if len(line) > 100 {
		line = line[:97] + "..."
	}
	fmt.Fprintf(r.w, "\r\x1b[K%s", line)
	r.status = true
}

func (r *renderer) clearStatus() {
	if r.status {
		fmt.Fprint(r.w, "\r\x1b[K")
		r.status = false
	}
}
