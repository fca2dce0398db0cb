package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// harness runs runbooks of the engine's own tests in a temporary
// directory with a real state directory and ledger file.
type harness struct {
	t      *testing.T
	dir    string
	store  *Store
	loader *Loader
	env    map[string]string

	mu     sync.Mutex
	events []Event
}

const testSite = `apiVersion: runbook/v1
kind: Site
metadata: {name: lab}
inventory:
  domain: lab.example.com
  nodes:
    - {name: pub, role: publisher}
    - {name: sub1, role: subscriber}
    - {name: sub2, role: subscriber}
credentials:
  os_admin: {username: admin, password: {env: TEST_PASSWORD}}
`

const runbookHead = `apiVersion: runbook/v1
kind: Runbook
metadata: {name: exec-test, version: 1.0.0}
inventory:
  roles: {publisher: {min: 1, max: 1}, subscriber: {}}
`

func newHarness(t *testing.T, runbook string) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{
		t: t, dir: dir, store: &Store{Dir: filepath.Join(dir, "state")},
		loader: &Loader{Registry: execRegistry()},
		env:    map[string]string{"TEST_PASSWORD": "pw-Very-Secret-42"},
	}
	h.write("runbook.yaml", runbookHead+strings.ReplaceAll(runbook, "LEDGER", h.path("ledger")))
	h.write("site.yaml", testSite)
	return h
}

func (h *harness) path(name string) string { return filepath.Join(h.dir, name) }

func (h *harness) write(name, data string) {
	h.t.Helper()
	if err := os.WriteFile(h.path(name), []byte(data), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) opts() Options {
	return Options{
		Store: h.store, Loader: h.loader, By: "tester",
		Secrets: Secrets{Getenv: func(k string) string { return h.env[k] }},
		Sink: func(e Event) {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
		},
	}
}

func (h *harness) load() LoadOptions {
	return LoadOptions{Runbook: h.path("runbook.yaml"), Site: h.path("site.yaml")}
}

func (h *harness) run(params ...string) *Outcome {
	h.t.Helper()
	lo := h.load()
	lo.Params = params
	out, err := Run(context.Background(), h.opts(), lo)
	if err != nil {
		h.t.Fatalf("run: %v", err)
	}
	return out
}

func (h *harness) resume(ro ResumeOptions) *Outcome {
	h.t.Helper()
	out, err := Resume(context.Background(), h.opts(), ro)
	if err != nil {
		h.t.Fatalf("resume: %v", err)
	}
	return out
}

// ledger returns the side effects, in order.
func (h *harness) ledger() []string {
	data, _ := os.ReadFile(h.path("ledger"))
	return strings.Fields(string(data))
}

func (h *harness) status() *State {
	h.t.Helper()
	st, err := Status(h.store, h.loader, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func stepOf(st *State, id string) StepState {
	for _, s := range st.Steps {
		if s.ID == id {
			return s
		}
	}
	return StepState{}
}

func wantState(t *testing.T, out *Outcome, state string) {
	t.Helper()
	if out.State != state {
		t.Fatalf("outcome %s (%s), want %s", out.State, out.Message, state)
	}
}

func TestResumeRunsOnlyWhatDidNotSucceed(t *testing.T) {
	h := newHarness(t, `
steps:
  - {id: a, action: test.append, with: {ledger: LEDGER, line: a}}
  - id: b
    action: test.append
    targets: [publisher, subscriber]
    with: {ledger: LEDGER, line: "b-${ node.name }", fail_unless: "${ node.name == 'sub2' ? '`+"MARK"+`' : '' }"}
  - {id: c, action: test.append, with: {ledger: LEDGER, line: c}}
`)
	h.write("runbook.yaml", strings.ReplaceAll(readText(t, h.path("runbook.yaml")), "MARK", h.path("mark")))
	out := h.run()
	wantState(t, out, StateFailed)
	if got := h.ledger(); !slices.Equal(got, []string{"a", "b-pub", "b-sub1"}) {
		t.Fatalf("ledger after failure: %v", got)
	}
	st := h.status()
	if b := stepOf(st, "b"); b.State != StateFailed || b.Targets[2].State != StateFailed || b.Targets[0].State != StateSucceeded {
		t.Fatalf("step b: %+v", b)
	}

	h.write("mark", "")
	out = h.resume(ResumeOptions{})
	wantState(t, out, StateSucceeded)
	if got := h.ledger(); !slices.Equal(got, []string{"a", "b-pub", "b-sub1", "b-sub2", "c"}) {
		t.Fatalf("ledger after resume: %v", got)
	}
	if b := stepOf(h.status(), "b"); b.Targets[2].Attempts != 2 || b.Targets[0].Attempts != 1 {
		t.Fatalf("attempts: %+v", b.Targets)
	}
}

func readText(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFanOutOrder(t *testing.T) {
	h := newHarness(t, `
steps:
  - id: restart
    action: test.append
    targets: [publisher, subscriber]
    order: {first: publisher, max_parallel: 2}
    with: {ledger: LEDGER, line: "${ node.name }", delay: 20ms}
`)
	wantState(t, h.run(), StateSucceeded)
	got := h.ledger()
	if len(got) != 3 || got[0] != "pub" {
		t.Fatalf("publisher must run first and alone: %v", got)
	}
}

func TestMaxFailuresStopsTheStep(t *testing.T) {
	h := newHarness(t, `
steps:
  - id: restart
    action: test.append
    targets: [subscriber, publisher]
    order: {first: sub1, max_failures: 0}
    with: {ledger: LEDGER, line: "${ node.name }", fail_unless: "${ node.name == 'sub1' ? '/nonexistent' : '' }"}
`)
	wantState(t, h.run(), StateFailed)
	if got := h.ledger(); len(got) != 0 {
		t.Fatalf("targets after the failure ran: %v", got)
	}
	st := stepOf(h.status(), "restart")
	states := map[string]string{}
	for _, tg := range st.Targets {
		states[tg.Node] = tg.State
	}
	want := map[string]string{"pub": StatePending, "sub1": StateFailed, "sub2": StatePending}
	if len(states) != 3 || states["pub"] != want["pub"] || states["sub1"] != want["sub1"] || states["sub2"] != want["sub2"] {
		t.Fatalf("targets: %v, want %v", states, want)
	}
}

func TestRetryThenSucceed(t *testing.T) {
	h := newHarness(t, `
steps:
  - id: flaky
    action: test.append
    retry: {attempts: 3, delay: 1ms}
    with: {ledger: LEDGER, line: x, fail_unless: LEDGER}
`)
	// The ledger exists only after a first write, so create it during the
	// second attempt's wait by a parallel step would be racy; instead the
	// first run fails all three attempts, and a resume succeeds.
	wantState(t, h.run(), StateFailed)
	if a := stepOf(h.status(), "flaky").Attempts; a != 3 {
		t.Fatalf("attempts = %d, want 3", a)
	}
	h.write("ledger", "")
	wantState(t, h.resume(ResumeOptions{}), StateSucceeded)
	if a := stepOf(h.status(), "flaky").Attempts; a != 4 {
		t.Fatalf("attempts = %d, want 4", a)
	}
}

func TestGuardBlocksThenResumes(t *testing.T) {
	h := newHarness(t, `
facts:
  - {id: sso, action: test.status, target: publisher}
guards:
  sso_disabled:
    check: facts.sso.enabled == false
    message: SSO is enabled
    hint: run utils sso disable
steps:
  - {id: before, action: test.append, with: {ledger: LEDGER, line: before}}
  - {id: change, action: test.append, require: [sso_disabled], with: {ledger: LEDGER, line: change}}
`)
	h.t.Setenv("TEST_SSO_ENABLED", "1")
	out := h.run()
	wantState(t, out, StateBlocked)
	if !strings.Contains(out.Message, "guard sso_disabled: SSO is enabled") {
		t.Fatalf("message: %s", out.Message)
	}
	if got := h.ledger(); !slices.Equal(got, []string{"before"}) {
		t.Fatalf("ledger: %v", got)
	}
	h.t.Setenv("TEST_SSO_ENABLED", "0")
	wantState(t, h.resume(ResumeOptions{}), StateSucceeded)
	if got := h.ledger(); !slices.Equal(got, []string{"before", "change"}) {
		t.Fatalf("ledger: %v", got)
	}
}

func TestOperatorStepWaitsAndConfirms(t *testing.T) {
	h := newHarness(t, `
steps:
  - id: hand-off
    action: test.ask
    with: {instructions: "Download the CSR", input: serial, pattern: "[0-9]+"}
    outputs: {serial: result.serial}
  - {id: after, action: test.append, with: {ledger: LEDGER, line: "s-${ steps['hand-off'].outputs.serial }"}}
`)
	out := h.run()
	wantState(t, out, StateWaiting)
	if !strings.Contains(out.Next, "--confirm hand-off") {
		t.Fatalf("next: %s", out.Next)
	}
	out = h.resume(ResumeOptions{Confirm: "hand-off", Inputs: map[string]string{"serial": "42"}})
	wantState(t, out, StateSucceeded)
	if got := h.ledger(); !slices.Equal(got, []string{"s-42"}) {
		t.Fatalf("ledger: %v", got)
	}
	notes := stepOf(h.status(), "hand-off").Events
	if len(notes) != 1 || notes[0].Kind != "confirmed" || notes[0].By != "tester" || notes[0].Inputs["serial"] != "42" {
		t.Fatalf("confirmation not recorded: %+v", notes)
	}
}

func TestLockRefusesSecondRun(t *testing.T) {
	h := newHarness(t, `
steps:
  - {id: a, action: test.append, with: {ledger: LEDGER, line: a}}
`)
	lock, err := h.store.Lock("site-lab", "site lab", Holder{RunID: "other-run", PID: 4242, Host: "jump", User: "alice", Command: "run"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), h.opts(), h.load())
	var le *LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "locked by run other-run (run, pid 4242 on jump, user alice") {
		t.Fatalf("err = %v", err)
	}
	lock.Release()
	wantState(t, h.run(), StateSucceeded)
}

func TestDriftRefused(t *testing.T) {
	rb := `
steps:
  - {id: a, action: test.append, with: {ledger: LEDGER, line: a}}
  - {id: b, action: test.append, with: {ledger: LEDGER, line: b, fail_unless: MARK}}
  - {id: c, action: test.append, with: {ledger: LEDGER, line: c}}
`
	h := newHarness(t, strings.ReplaceAll(rb, "MARK", "/nonexistent/mark"))
	wantState(t, h.run(), StateFailed)
	original := readText(t, h.path("runbook.yaml"))

	// A change to a step that ran is refused, even with --allow-drift.
	h.write("runbook.yaml", strings.Replace(original, "line: a}", "line: a2}", 1))
	_, err := Resume(context.Background(), h.opts(), ResumeOptions{AllowDrift: true})
	var de *DriftError
	if !errors.As(err, &de) || !slices.Equal(de.Started, []string{"a"}) {
		t.Fatalf("err = %v", err)
	}

	// A change to a step not yet started needs --allow-drift.
	h.write("runbook.yaml", strings.Replace(original, "line: c}", "line: c2}", 1))
	_, err = Resume(context.Background(), h.opts(), ResumeOptions{})
	if !errors.As(err, &de) || !slices.Equal(de.Steps, []string{"c"}) || len(de.Started) != 0 {
		t.Fatalf("err = %v", err)
	}
	h.write("mark", "")
	changed := strings.Replace(original, "/nonexistent/mark", h.path("mark"), 1)
	h.write("runbook.yaml", strings.Replace(changed, "line: c}", "line: c2}", 1))
	_, err = Resume(context.Background(), h.opts(), ResumeOptions{AllowDrift: true})
	if !errors.As(err, &de) || !slices.Contains(de.Started, "b") {
		t.Fatalf("changing the failed step b must be refused: %v", err)
	}
	h.write("runbook.yaml", strings.Replace(original, "line: c}", "line: c2}", 1))
	wantState(t, h.resume(ResumeOptions{AllowDrift: true}), StateFailed)
	if got := h.ledger(); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("ledger: %v", got)
	}
}

func TestUnknownNeedsOperatorDecision(t *testing.T) {
	h := newHarness(t, `
steps:
  - {id: upload, action: test.append_nocheck, with: {ledger: LEDGER, line: up, block: true}}
  - {id: after, action: test.append, with: {ledger: LEDGER, line: after}}
`)
	h.crashDuring("upload")

	out := h.resume(ResumeOptions{})
	wantState(t, out, StateUnknown)
	if !strings.Contains(out.Next, "--rerun upload") || !strings.Contains(out.Next, "--mark-done upload") {
		t.Fatalf("next: %s", out.Next)
	}
	if _, err := Resume(context.Background(), h.opts(), ResumeOptions{MarkDone: "upload"}); err == nil ||
		!strings.Contains(err.Error(), "--mark-done needs --reason") {
		t.Fatalf("mark-done without reason: %v", err)
	}
	out = h.resume(ResumeOptions{MarkDone: "upload", Reason: "checked on the GUI: uploaded"})
	wantState(t, out, StateSucceeded)
	if got := h.ledger(); !slices.Equal(got, []string{"after"}) {
		t.Fatalf("ledger: %v", got)
	}
	notes := stepOf(h.status(), "upload").Events
	if len(notes) == 0 || notes[len(notes)-1].Kind != decisionMarkDone || notes[len(notes)-1].By != "tester" {
		t.Fatalf("decision not recorded: %+v", notes)
	}
}

func TestCaveatAndGuardTextsRendered(t *testing.T) {
	h := newHarness(t, `
facts:
  - {id: sso, action: test.status, target: publisher}
caveats:
  - id: old
    when: "true"
    message: release ${ facts.sso.version } is old
guards:
  off: {check: facts.sso.enabled == false, message: "SSO on ${ facts.sso.version }", hint: "see ${ len(nodes) } nodes"}
steps:
  - {id: a, action: test.append, require: [off], with: {ledger: LEDGER, line: a}}
`)
	h.t.Setenv("TEST_SSO_ENABLED", "1")
	out := h.run()
	wantState(t, out, StateBlocked)
	if !strings.Contains(out.Message, "guard off: SSO on 14.0.1.12900-161") {
		t.Errorf("guard message: %s", out.Message)
	}
	var caveat, hint string
	for _, e := range h.events {
		switch e.Kind {
		case EventCaveat:
			caveat = e.Message
		case EventBlocked:
			hint = e.Hint
		}
	}
	if caveat != "release 14.0.1.12900-161 is old" || hint != "see 3 nodes" {
		t.Errorf("caveat %q, hint %q", caveat, hint)
	}
}

// TestOutcomeUnknownIsChecked: an action that cannot tell whether its
// command took effect is checked before anything runs again.
func TestOutcomeUnknownIsChecked(t *testing.T) {
	tests := []struct {
		name, action, lost string
		state              string
		ledger             []string
	}{
		{"took effect", "test.append", "after", StateSucceeded, []string{"x"}},
		{"did not", "test.append", "before", StateSucceeded, []string{"x"}},
		{"nothing can tell", "test.append_nocheck", "after", StateUnknown, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, `
steps:
  - {id: up, action: `+tt.action+`, retry: 3, with: {ledger: LEDGER, line: x, lost: `+tt.lost+`}}
`)
			wantState(t, h.run(), tt.state)
			if got := h.ledger(); !slices.Equal(got, tt.ledger) {
				t.Fatalf("ledger %v, want %v", got, tt.ledger)
			}
		})
	}
}

// TestConfirmStepRunsOnceConfirmed: a mutating step marked confirm waits
// without an operator, and once confirmed runs and the run goes on.
func TestConfirmStepRunsOnceConfirmed(t *testing.T) {
	h := newHarness(t, `
steps:
  - {id: change, action: test.append, confirm: true, targets: [publisher], with: {ledger: LEDGER, line: c}}
  - {id: after, action: test.append, with: {ledger: LEDGER, line: a}}
`)
	out := h.run()
	wantState(t, out, StateWaiting)
	if !strings.HasSuffix(out.Next, "--confirm change") {
		t.Errorf("next: %s", out.Next)
	}
	wantState(t, h.resume(ResumeOptions{Confirm: "change"}), StateSucceeded)
	if got := h.ledger(); !slices.Equal(got, []string{"c", "a"}) {
		t.Fatalf("ledger %v", got)
	}
}

// TestUnfinishedRunRefusesAnotherChange: while a run that changes the site
// has not finished, a new change to the site is refused (any runbook), a
// read-only runbook is not, and --new overrides.
func TestUnfinishedRunRefusesAnotherChange(t *testing.T) {
	h := newHarness(t, `
steps:
  - {id: a, action: test.append, with: {ledger: LEDGER, line: a, fail_unless: /nonexistent}}
`)
	wantState(t, h.run(), StateFailed)

	h.write("other.yaml", runbookHead+strings.ReplaceAll(`
steps:
  - {id: b, action: test.append, with: {ledger: LEDGER, line: b}}
`, "LEDGER", h.path("ledger")))
	h.write("readonly.yaml", strings.Replace(runbookHead, "exec-test", "audit-test", 1)+`
steps:
  - {id: look, action: assert, with: {that: "true"}}
`)
	lo := h.load()
	lo.Runbook = h.path("other.yaml")
	_, err := Run(context.Background(), h.opts(), lo)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "site lab has an unfinished run") {
		t.Fatalf("err = %v", err)
	}
	lo.Runbook = h.path("readonly.yaml")
	if out, err := Run(context.Background(), h.opts(), lo); err != nil || out.State != StateSucceeded {
		t.Fatalf("a read-only run: %v %v", out, err)
	}
	opts := h.opts()
	opts.New = true
	lo.Runbook = h.path("other.yaml")
	if out, err := Run(context.Background(), opts, lo); err != nil || out.State != StateSucceeded {
		t.Fatalf("--new: %v %v", out, err)
	}
}
