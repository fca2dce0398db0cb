package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
)

// Options configure run, resume and plan.
type Options struct {
	// Store is the state directory.
	Store *Store
	// Loader reads runbooks and sites.
	Loader *Loader
	// Sink receives progress events; nil drops them.
	Sink Sink
	// Operator is the person at the terminal; nil when there is none, and
	// operator steps then pause the run (exit 4).
	Operator steps.Operator
	// Secrets reads credentials and secret params.
	Secrets Secrets
	// By names who runs the command; default the OS user.
	By string
	// Yes answers confirmations of mutating steps in advance.
	Yes bool
	// FinallyTimeout bounds the finally steps (default 10m).
	FinallyTimeout time.Duration
	// New starts a run even when the site's last run has not finished.
	New bool
	// Command is how the operator invokes the CLI, for the commands the
	// engine suggests ("runbook --state-dir /x"); default "runbook".
	Command string
}

func (o *Options) command() string {
	if o.Command != "" {
		return o.Command
	}
	return "runbook"
}

func (o *Options) by() string {
	if o.By != "" {
		return o.By
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// Outcome is how a run or resume ended.
type Outcome struct {
	RunID string
	// State is succeeded, failed, blocked, waiting, unknown or interrupted.
	State string
	// Message says what happened, in one line.
	Message string
	// Next says what the operator can do next, when anything.
	Next string
}

// InputError is a problem with what the user gave (files, flags, secrets,
// decisions): nothing ran. The CLI exits 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(err error) error {
	if err == nil {
		return nil
	}
	return &InputError{Err: err}
}

// errStepTimeout is the cause of a context ended by a step's timeout, told
// apart from the run being cancelled.
var errStepTimeout = errors.New("step timeout")

// session is one invocation of run or resume working on a run directory.
type session struct {
	opts  Options
	eff   *Effective
	meta  *RunMeta
	dir   *RunDir
	j     *journal.Journal
	red   *Redactor
	creds *credentialSet
	pool  *steps.Pool
	site  *steps.Site

	mu          sync.Mutex
	st          *runState
	facts       map[string]any
	factsLoaded bool
	// asked holds what each operator step asked in this session.
	asked map[string]steps.Confirmation

	params map[string]any
	nodes  []eval.NodeValue
	runv   eval.RunValue
}

func newSession(opts Options, eff *Effective, meta *RunMeta, dir *RunDir, red *Redactor, creds *credentialSet) *session {
	s := &session{
		opts: opts, eff: eff, meta: meta, dir: dir, red: red, creds: creds,
		pool: &steps.Pool{}, facts: map[string]any{}, params: map[string]any{},
		asked: map[string]steps.Confirmation{},
	}
	for _, p := range eff.Params {
		s.params[p.Name] = p.Value
	}
	for _, n := range eff.Nodes {
		s.nodes = append(s.nodes, *nodeValue(&n))
	}
	s.site = &steps.Site{Nodes: eff.Nodes, SSH: sshSettings(eff.Site)}
	if eff.Site != nil {
		s.site.Name, s.site.Domain = eff.Site.Metadata.Name, eff.Site.Inventory.Domain
		s.site.Dir = filepath.Dir(absPath(eff.Site.File))
	}
	s.runv = eval.RunValue{ID: meta.RunID, By: opts.by(), Started: meta.Created.Format(time.RFC3339)}
	return s
}

func nodeValue(n *steps.Node) *eval.NodeValue {
	if n == nil {
		return nil
	}
	return &eval.NodeValue{Name: n.Name, Role: n.Role, Host: n.Host, FQDN: n.FQDN, Ports: n.Ports, Labels: n.Labels}
}

// stepIDs lists every step id, finally steps last.
func (e *Effective) stepIDs() []string {
	ids := make([]string, len(e.steps))
	for i, cs := range e.steps {
		ids[i] = cs.ID
	}
	return ids
}

// record appends a record to the journal (synced), applies it to the
// state and rewrites state.json. Secrets are redacted first.
func (s *session) record(r *journal.Record) error {
	s.redactRecord(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.j.Append(r); err != nil {
		return err
	}
	s.st.apply(r)
	return s.writeStateLocked()
}

func (s *session) writeStateLocked() error {
	snap := s.st.snapshot(s.meta, s.eff)
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	return s.dir.WriteAtomic(fileState, append(data, '\n'))
}

func (s *session) redactRecord(r *journal.Record) {
	r.Error, r.Message, r.Reason = s.red.String(r.Error), s.red.String(r.Message), s.red.String(r.Reason)
	for k, v := range r.Inputs {
		r.Inputs[k] = s.red.String(v)
	}
	for i, p := range r.Progress {
		r.Progress[i] = s.red.String(p)
	}
	r.Result = s.redactJSON(r.Result)
	r.Outputs = s.redactJSON(r.Outputs)
}

func (s *session) redactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return raw
	}
	out, err := json.Marshal(s.red.Value(v))
	if err != nil {
		return raw
	}
	return out
}

// emit sends an event to the sink, redacted.
func (s *session) emit(e Event) {
	if s.opts.Sink == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Run = s.meta.RunID
	e.Message, e.Error, e.Hint = s.red.String(e.Message), s.red.String(e.Error), s.red.String(e.Hint)
	if e.Outputs != nil {
		e.Outputs, _ = s.red.Value(e.Outputs).(map[string]any)
	}
	s.opts.Sink(e)
}

// env returns the expression environment for a target, with result.
func (s *session) env(node *steps.Node, result any) *eval.Env {
	s.mu.Lock()
	view := s.stepsView()
	facts := make(map[string]any, len(s.facts))
	for k, v := range s.facts {
		facts[k] = v
	}
	s.mu.Unlock()
	return &eval.Env{
		Params: s.params, Site: eval.SiteValue{Name: s.site.Name, Domain: s.site.Domain},
		Nodes: s.nodes, Node: nodeValue(node), Facts: facts, Steps: view, Result: result, Run: s.runv,
	}
}

// stepsView is steps.<id> for expressions. The caller holds s.mu.
func (s *session) stepsView() map[string]any {
	out := make(map[string]any, len(s.st.steps))
	for id, sr := range s.st.steps {
		targets := map[string]any{}
		var outputs map[string]any
		attempts := 0
		for _, node := range sr.tOrder {
			t := sr.targets[node]
			attempts = max(attempts, t.attempts)
			if t.state == StateSucceeded && t.outputs != nil {
				outputs = t.outputs
			}
			if node != "" {
				targets[node] = map[string]any{"state": t.state, "attempts": t.attempts, "outputs": t.outputs}
			}
		}
		out[id] = map[string]any{"state": sr.stepState(), "attempts": attempts, "outputs": outputs, "targets": targets}
	}
	return out
}

// runtime builds what an action sees.
func (s *session) runtime(cs *cStep, node *steps.Node, attempt int, began time.Time, notify func(string)) *steps.Runtime {
	return &steps.Runtime{
		Step: cs.ID, Attempt: attempt, Began: began, Node: node, Site: s.site,
		Credentials: s.creds, Pool: s.pool, Artifacts: &artifacts{dir: s.dir.File(dirArtifacts)},
		Operator: &stepOperator{s: s, step: cs.ID}, Notify: notify, Redact: s.red.Add,
	}
}

// stepOperator answers a step's questions: from a confirmation given with
// resume --confirm, else from the person at the terminal, else not at all
// (the run then waits).
type stepOperator struct {
	s    *session
	step string
}

func (o *stepOperator) Confirm(ctx context.Context, req steps.Confirmation) (map[string]string, error) {
	o.s.mu.Lock()
	rec := o.s.st.steps[o.step].confirmed
	o.s.mu.Unlock()
	if rec != nil {
		inputs := map[string]string{}
		for k, v := range rec.Inputs {
			inputs[k] = v
		}
		return inputs, nil
	}
	o.s.mu.Lock()
	o.s.asked[o.step] = req
	o.s.mu.Unlock()
	if o.s.opts.Operator == nil {
		return nil, steps.ErrNoOperator
	}
	inputs, err := o.s.opts.Operator.Confirm(ctx, req)
	if err != nil {
		return nil, err
	}
	err = o.s.record(&journal.Record{Type: recConfirmed, Step: o.step, By: o.s.opts.by(), Inputs: inputs})
	return inputs, err
}
