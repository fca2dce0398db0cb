package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/journal"
)

// defaultFinallyTimeout bounds the finally steps when Options leave it 0.
const defaultFinallyTimeout = 10 * time.Minute

// Run starts a new run of a runbook for a site: it validates, pins the
// effective runbook in a new run directory, takes the site's lock, and
// executes with a durable journal. Problems with the input come back as
// *InputError before anything runs; the run's own end is the Outcome.
func Run(ctx context.Context, opts Options, lo LoadOptions) (*Outcome, error) {
	lo.RequireParams = true
	eff, err := opts.Loader.Load(lo)
	if err != nil {
		return nil, inputErr(err)
	}
	red := &Redactor{}
	if err := resolveSecretParams(eff, opts.Secrets, red); err != nil {
		return nil, inputErr(err)
	}
	creds, err := resolveCredentials(eff.Site, opts.Secrets, red)
	if err != nil {
		return nil, inputErr(err)
	}

	label := eff.Runbook.Metadata.Name
	if eff.Site != nil {
		label = eff.Site.Metadata.Name
	}
	dir, err := opts.Store.NewRun(label, time.Now())
	if err != nil {
		return nil, err
	}
	key, what := lockKey(eff)
	lock, err := opts.Store.Lock(key, what, Holder{
		RunID: dir.ID, PID: os.Getpid(), Host: hostname(), User: opts.by(), Command: "run", Since: time.Now(),
	})
	if err != nil {
		os.RemoveAll(dir.Path)
		return nil, inputErr(err)
	}
	defer lock.Release()
	if err := checkUnfinished(opts, eff, dir.ID); err != nil {
		os.RemoveAll(dir.Path)
		return nil, inputErr(err)
	}

	meta, err := pin(dir, eff, lo, opts.by(), opts.Store.lockPath(key))
	if err != nil {
		return nil, err
	}
	s := newSession(opts, eff, meta, dir, red, creds)
	return s.start(ctx, recRunStarted, "run", nil)
}

// lockKey is what a run locks, and how to name it: its site, or its
// runbook when it has no site.
func lockKey(eff *Effective) (key, what string) {
	if eff.Site != nil {
		return "site-" + eff.Site.Metadata.Name, "site " + eff.Site.Metadata.Name
	}
	return "runbook-" + eff.Runbook.Metadata.Name, "runbook " + eff.Runbook.Metadata.Name
}

// readOnly reports whether no step of the runbook changes the system.
func (e *Effective) readOnly() bool {
	for _, cs := range e.steps {
		if cs.with.mutates() {
			return false
		}
	}
	return true
}

// checkUnfinished refuses a new run that changes the system while the
// site's last such run in this state directory has not finished: starting
// afresh would do finished steps again, or interleave two changes.
// Read-only runs (an audit) are neither refused nor in the way.
// Options.New overrides.
func checkUnfinished(opts Options, eff *Effective, self string) error {
	if opts.New || eff.readOnly() {
		return nil
	}
	ids, err := opts.Store.RunIDs()
	if err != nil {
		return err
	}
	key, what := lockKey(eff)
	for i := len(ids) - 1; i >= 0; i-- {
		if ids[i] == self {
			continue
		}
		dir := &RunDir{ID: ids[i], Path: opts.Store.runPath(ids[i])}
		meta, err := dir.ReadMeta()
		if err != nil || meta.LockFile != opts.Store.lockPath(key) || meta.ReadOnly {
			continue // another site, or a run that changes nothing
		}
		st, _, err := replayRun(opts.Loader, dir)
		if err != nil || st.State == StateSucceeded {
			return nil
		}
		return fmt.Errorf("%s has an unfinished run %s (%s): resume it with %s resume %s, or start a new run anyway with run --new",
			what, meta.RunID, st.State, opts.command(), meta.RunID)
	}
	return nil
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// pin writes the effective runbook and run.json into the run directory.
func pin(dir *RunDir, eff *Effective, lo LoadOptions, by, lockFile string) (*RunMeta, error) {
	doc, err := marshalTree(eff)
	if err != nil {
		return nil, err
	}
	if err := dir.WriteAtomic(fileRunbook, doc); err != nil {
		return nil, err
	}
	meta := &RunMeta{
		RunID: dir.ID, Created: time.Now().UTC(), By: by,
		Runbook: RunbookRef{Name: eff.Runbook.Metadata.Name, Version: eff.Runbook.Metadata.Version, Digest: eff.Digest},
		Source:  sourceRef(lo.Runbook), ParamFlags: publicFlags(lo.Params, eff), Inventory: eff.Nodes,
		StepDigests: StepDigests(eff.Tree), LockFile: lockFile, ReadOnly: eff.readOnly(),
	}
	if eff.Site != nil {
		meta.SiteFile, meta.SiteName = absPath(eff.Site.File), eff.Site.Metadata.Name
	}
	for _, p := range eff.Params {
		if p.Secret {
			meta.SecretParams = append(meta.SecretParams, p.Name)
			meta.Params = append(meta.Params, ParamState{Name: p.Name, Value: redacted, Origin: p.Origin})
			continue
		}
		meta.Params = append(meta.Params, ParamState{Name: p.Name, Value: p.Value, Origin: p.Origin})
	}
	meta.PlanHash = planHash(meta)
	return meta, writeMeta(dir, meta)
}

// marshalTree renders the effective runbook for pinning.
func marshalTree(eff *Effective) ([]byte, error) {
	doc, err := yaml.Marshal(eff.Tree)
	if err != nil {
		return nil, fmt.Errorf("pin runbook: %w", err)
	}
	return doc, nil
}

// publicFlags keeps the --param values of params that are not secret: a
// run never stores a secret, resume asks for it again.
func publicFlags(flags []string, eff *Effective) []string {
	var out []string
	for _, f := range flags {
		name, _, _ := strings.Cut(f, "=")
		if p, ok := eff.Runbook.Params.Get(name); ok && p.Secret {
			continue
		}
		out = append(out, f)
	}
	return out
}

func writeMeta(dir *RunDir, meta *RunMeta) error {
	data, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	return dir.WriteAtomic(fileMeta, append(data, '\n'))
}

// sourceRef keeps a path argument as an absolute path, so resume finds it
// from any directory; canned names stay as given.
func sourceRef(ref string) string {
	if _, err := os.Stat(ref); err == nil {
		return absPath(ref)
	}
	return ref
}

// planHash digests what a run was planned with: the runbook digest, the
// param values (secrets by name only) and the inventory.
func planHash(m *RunMeta) string {
	b, _ := json.Marshal(struct {
		Digest    string
		Params    []ParamState
		Inventory any
	}{m.Runbook.Digest, m.Params, m.Inventory})
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// start opens the journal, records the session's start, runs prepare
// (resume decisions) and executes.
func (s *session) start(ctx context.Context, typ, command string, prepare func(context.Context) (*Outcome, error)) (*Outcome, error) {
	j, recs, err := journal.Open(s.dir.File(fileJournal), nil)
	if err != nil {
		return nil, err
	}
	s.j = j
	defer j.Close()
	defer s.pool.Close()
	s.st = replay(s.eff.stepIDs(), recs)
	if err := s.record(&journal.Record{Type: typ, Message: command, By: s.opts.by()}); err != nil {
		return nil, err
	}
	s.emit(Event{Kind: EventRunStarted, Message: fmt.Sprintf("%s %s %s", command, s.meta.Runbook.Name, s.meta.Runbook.Version)})
	for _, w := range s.eff.Warnings {
		s.recordStep(&journal.Record{Type: recCaveat, Message: "warning: " + w})
		s.emit(Event{Kind: EventWarning, Message: w})
	}
	if prepare != nil {
		out, err := prepare(ctx)
		if err != nil || out != nil {
			return s.end(out, err)
		}
	}
	return s.end(s.execute(ctx), nil)
}

// end records how the session ended.
func (s *session) end(out *Outcome, err error) (*Outcome, error) {
	if out == nil {
		return nil, err
	}
	out.RunID = s.meta.RunID
	if out.Next == "" {
		out.Next = s.next(out.State)
	}
	rec := &journal.Record{Type: recSessionEnd, State: out.State, Message: out.Message}
	if rerr := s.record(rec); rerr != nil && err == nil {
		err = rerr
	}
	s.emit(Event{Kind: EventRunFinished, State: out.State, Message: out.Message, Hint: out.Next})
	return out, err
}

// next says what the operator can do after a session ended in state.
func (s *session) next(state string) string {
	id := s.meta.RunID
	switch state {
	case StateFailed:
		return fmt.Sprintf("fix the cause, then: %s resume %s", s.opts.command(), id)
	case StateBlocked:
		return fmt.Sprintf("clear the guard's condition, then: %s resume %s", s.opts.command(), id)
	case StateInterrupted:
		return fmt.Sprintf("%s resume %s", s.opts.command(), id)
	}
	return ""
}

// execute runs the facts, the caveats, the steps not yet done, and at the
// end the finally steps.
func (s *session) execute(ctx context.Context) *Outcome {
	if err := s.loadFacts(ctx); err != nil {
		if ctx.Err() != nil {
			return &Outcome{State: StateInterrupted, Message: "interrupted while reading facts"}
		}
		return &Outcome{State: StateFailed, Message: err.Error()}
	}
	s.caveats(true)
	out := s.mainSteps(ctx)
	switch out.State {
	case StateSucceeded, StateFailed, StateBlocked:
		s.finally(ctx, out)
	}
	return out
}

// mainSteps runs the steps in order until one stops the run.
func (s *session) mainSteps(ctx context.Context) *Outcome {
	out := &Outcome{State: StateSucceeded, Message: "every step succeeded" + s.siteSkips()}
	for _, cs := range s.eff.steps {
		if cs.finally {
			continue
		}
		s.mu.Lock()
		done := s.st.steps[cs.ID].done()
		s.mu.Unlock()
		if done {
			continue
		}
		if ctx.Err() != nil {
			return &Outcome{State: StateInterrupted, Message: "interrupted before step " + cs.ID}
		}
		state := s.runStep(ctx, cs)
		switch state {
		case StateSucceeded, StateSkipped:
			continue
		case StateFailed:
			if cs.OnFailure == "continue" {
				out = &Outcome{State: StateFailed, Message: fmt.Sprintf("step %s failed; the run went on (on_failure: continue)", cs.ID)}
				continue
			}
		}
		return s.stopped(cs, state)
	}
	return out
}

// siteSkips lists the steps the site skips, for the outcome: a run that
// skipped steps did not do everything the runbook describes.
func (s *session) siteSkips() string {
	var skipped []string
	for _, cs := range s.eff.steps {
		if cs.Skip {
			skipped = append(skipped, fmt.Sprintf("%s (%s)", cs.ID, cs.Reason))
		}
	}
	if len(skipped) == 0 {
		return ""
	}
	return "; the site skipped " + strings.Join(skipped, ", ")
}

// stopped describes a run stopped by a step.
func (s *session) stopped(cs *cStep, state string) *Outcome {
	s.mu.Lock()
	snap := s.st.snapshot(s.meta, s.eff)
	s.mu.Unlock()
	reason := ""
	for _, st := range snap.Steps {
		if st.ID == cs.ID {
			reason = st.Reason
		}
	}
	out := &Outcome{State: state, Message: fmt.Sprintf("step %s %s", cs.ID, state)}
	if reason != "" {
		out.Message += ": " + reason
	}
	switch state {
	case StateWaiting:
		out.Next = fmt.Sprintf("do what the step asks, then: %s resume %s --confirm %s%s", s.opts.command(), s.meta.RunID, cs.ID, s.inputHint(cs.ID))
	case StateUnknown:
		out.Next = fmt.Sprintf("check the system, then: %[3]s resume %[1]s --rerun %[2]s --reason \"...\" (it did not happen) "+
			"or %[3]s resume %[1]s --mark-done %[2]s --reason \"...\" (it happened)", s.meta.RunID, cs.ID, s.opts.command())
	}
	return out
}

// inputHint spells the --input flags a waiting step needs.
func (s *session) inputHint(step string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	asked := s.st.steps[step].asked
	names := make([]string, 0, len(asked))
	for n := range asked {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, " --input %s=VALUE", n)
	}
	return b.String()
}

// finally runs the cleanup steps on a fresh context, bounded in time, even
// when the run failed or was blocked.
func (s *session) finally(ctx context.Context, out *Outcome) {
	timeout := s.opts.FinallyTimeout
	if timeout <= 0 {
		timeout = defaultFinallyTimeout
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	for _, cs := range s.eff.steps {
		if !cs.finally {
			continue
		}
		s.resetFinally(cs)
		state := s.runStep(fctx, cs)
		if state != StateSucceeded && state != StateSkipped && out.State == StateSucceeded {
			out.State, out.Message = StateFailed, fmt.Sprintf("finally step %s %s", cs.ID, state)
		}
	}
}

// resetFinally lets a finally step that ran in an earlier session run
// again: cleanup belongs to every session's end.
func (s *session) resetFinally(cs *cStep) {
	s.mu.Lock()
	done := s.st.steps[cs.ID].done()
	s.mu.Unlock()
	if done {
		s.recordStep(&journal.Record{Type: recDecision, Step: cs.ID, Message: decisionReset, Reason: "finally steps run at the end of every session", By: s.opts.by()})
	}
}
