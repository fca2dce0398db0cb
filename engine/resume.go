package engine

import (
	"encoding/json"
	"regexp"

	"context"
	"errors"
	"fmt"
	"github.com/ucops/runbook/engine/decode"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
)

// ResumeOptions are the operator's decisions for a resume.
type ResumeOptions struct {
	// RunID names the run; "" means the most recent.
	RunID string
	// From restarts from this step: it and every later step run again.
	From string
	// Rerun runs a step whose outcome is unknown (or failed) again.
	Rerun string
	// MarkDone records a step as done by the operator, with Reason.
	MarkDone string
	Reason   string
	// Confirm confirms an operator step, with Inputs.
	Confirm string
	Inputs  map[string]string
	// AllowDrift accepts changed runbook files when only steps that have
	// not started changed.
	AllowDrift bool
	// Params are --param values for secret params, which runs never store.
	Params []string
	// Preview, when set, is shown what --from keeps and reruns; returning
	// false cancels the resume.
	Preview func(keep, rerun []string) bool
}

// DriftError says that the runbook files changed since the run started.
type DriftError struct {
	Steps []string
	// Started are the changed steps that already ran.
	Started []string
}

func (e *DriftError) Error() string {
	msg := "the runbook changed since the run started; steps that differ: " + strings.Join(e.Steps, ", ")
	if len(e.Started) > 0 {
		return msg + "; " + strings.Join(e.Started, ", ") + " already started, so the change cannot be taken: " +
			"finish with the pinned runbook (restore the files) or start a new run"
	}
	return msg + "; resume with --allow-drift to take the changes, or restore the files"
}

// Resume continues a run: finished work is kept, failed work runs again,
// facts and guards are evaluated again, and work that was in flight when
// the engine stopped is reconciled before anything else runs.
func Resume(ctx context.Context, opts Options, ro ResumeOptions) (*Outcome, error) {
	dir, err := opts.Store.Open(ro.RunID)
	if err != nil {
		return nil, inputErr(err)
	}
	meta, err := dir.ReadMeta()
	if err != nil {
		return nil, err
	}
	eff, err := loadPinned(opts, dir, meta, ro.Params)
	if err != nil {
		return nil, err
	}
	recs, err := readJournal(dir)
	if err != nil {
		return nil, err
	}
	st := replay(eff.stepIDs(), recs)
	eff, err = checkDrift(opts, dir, meta, eff, st, ro.AllowDrift)
	if err != nil {
		return nil, err
	}
	red := &Redactor{}
	if err := resolveSecretParams(eff, opts.Secrets, red); err != nil {
		return nil, inputErr(err)
	}
	creds, err := resolveCredentials(eff.Site, opts.Secrets, red)
	if err != nil {
		return nil, inputErr(err)
	}
	key, what := lockKey(eff)
	lock, err := opts.Store.Lock(key, what, Holder{
		RunID: dir.ID, PID: os.Getpid(), Host: hostname(), User: opts.by(), Command: "resume", Since: time.Now(),
	})
	if err != nil {
		return nil, inputErr(err)
	}
	defer lock.Release()

	s := newSession(opts, eff, meta, dir, red, creds)
	s.st = st
	if err := s.checkDecisions(ro); err != nil {
		return nil, inputErr(err)
	}
	return s.start(ctx, recResumed, "resume", func(ctx context.Context) (*Outcome, error) {
		if eff.drift != "" {
			if err := s.record(&journal.Record{Type: recDecision, Message: "allow-drift", By: s.opts.by(), Reason: eff.drift}); err != nil {
				return nil, err
			}
			s.emit(Event{Kind: EventDecision, State: "allow-drift", Message: eff.drift})
		}
		if err := s.decide(ro); err != nil {
			return nil, err
		}
		return s.reconcileAll(ctx), nil
	})
}

// loadPinned loads the runbook pinned in the run directory, with the
// pinned params and inventory; the site file is read again only for its
// credentials and secret params.
func loadPinned(opts Options, dir *RunDir, meta *RunMeta, flags []string) (*Effective, error) {
	eff, err := opts.Loader.Load(LoadOptions{Runbook: dir.File(fileRunbook), Inventory: meta.Inventory})
	if err != nil {
		return nil, fmt.Errorf("pinned runbook of run %s: %w", meta.RunID, err)
	}
	if meta.SiteFile != "" {
		site, err := opts.Loader.LoadSite(meta.SiteFile)
		if err != nil {
			return nil, inputErr(fmt.Errorf("site of run %s: %w", meta.RunID, err))
		}
		eff.Site = site
	}
	if eff.Site != nil && !sameNodes(nodesOf(eff.Site), meta.Inventory) {
		eff.Warnings = append(eff.Warnings, "the site's inventory changed since the run started; "+
			"the run keeps the nodes it started with (start a new run to take the change)")
	}
	eff.Nodes = meta.Inventory
	byName := map[string]ParamState{}
	for _, p := range meta.Params {
		byName[p.Name] = p
	}
	for i := range eff.Params {
		p := &eff.Params[i]
		if stored, ok := byName[p.Name]; ok && !slices.Contains(meta.SecretParams, p.Name) {
			p.Value, p.Origin = stored.Value, stored.Origin
		}
	}
	return eff, secretParamsAgain(opts, eff, meta, flags)
}

// secretParamsAgain takes secret param values from --param or the site,
// since a run never stores them.
func secretParamsAgain(opts Options, eff *Effective, meta *RunMeta, flags []string) error {
	for _, f := range flags {
		name, _, _ := strings.Cut(f, "=")
		if !slices.Contains(meta.SecretParams, name) {
			return inputErr(fmt.Errorf("--param %s: a run keeps the params it started with; "+
				"only secret params are given again on resume (start a new run to change others)", name))
		}
	}
	if len(meta.SecretParams) == 0 {
		return nil
	}
	fresh, err := opts.Loader.Load(LoadOptions{
		Runbook: eff.Runbook.File, Site: meta.SiteFile, Params: append(slices.Clone(meta.ParamFlags), flags...),
	})
	if err != nil {
		return inputErr(fmt.Errorf("secret params: %w", err))
	}
	for i := range eff.Params {
		p := &eff.Params[i]
		if !slices.Contains(meta.SecretParams, p.Name) {
			continue
		}
		for _, f := range fresh.Params {
			if f.Name != p.Name {
				continue
			}
			if f.Origin == "unset" {
				return inputErr(fmt.Errorf("param %s is secret, so the run did not keep it: give it again with --param %s=VALUE or in the site", p.Name, p.Name))
			}
			p.Value, p.Ref, p.Origin = f.Value, f.Ref, f.Origin
		}
	}
	return nil
}

// checkDrift compares the runbook files on disk with the pinned copy. A
// change is refused unless allowed and limited to steps not yet started;
// then the new effective runbook is pinned and used.
func checkDrift(opts Options, dir *RunDir, meta *RunMeta, pinned *Effective, st *runState, allow bool) (*Effective, error) {
	current, err := opts.Loader.Load(LoadOptions{Runbook: meta.Source, Site: meta.SiteFile, Params: meta.ParamFlags})
	if err != nil {
		// The source is gone or broken: the pinned copy is what counts.
		return pinned, nil
	}
	now := StepDigests(current.Tree)
	var changed, started []string
	for id := range union(now, meta.StepDigests) {
		if now[id] == meta.StepDigests[id] {
			continue
		}
		changed = append(changed, id)
		if sr, ok := st.steps[id]; ok && (len(sr.targets) > 0 || sr.state != "") && !strings.HasPrefix(id, sectionPrefix) {
			started = append(started, id)
		}
	}
	if len(changed) == 0 {
		return pinned, nil
	}
	sort.Strings(changed)
	sort.Strings(started)
	if !allow || len(started) > 0 {
		return nil, inputErr(&DriftError{Steps: changed, Started: started})
	}
	current.Nodes, current.Params = pinned.Nodes, pinned.Params
	current.Site = pinned.Site
	current.drift = fmt.Sprintf("took the changed runbook (%s -> %s); changed: %s",
		meta.Runbook.Digest, current.Digest, strings.Join(changed, ", "))
	return current, repin(dir, meta, current)
}

func union(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// repin stores a runbook accepted with --allow-drift as the run's pin.
func repin(dir *RunDir, meta *RunMeta, eff *Effective) error {
	doc, err := marshalTree(eff)
	if err != nil {
		return err
	}
	if err := dir.WriteAtomic(fileRunbook, doc); err != nil {
		return err
	}
	meta.Runbook.Digest, meta.StepDigests = eff.Digest, StepDigests(eff.Tree)
	meta.PlanHash = planHash(meta)
	return writeMeta(dir, meta)
}

// checkDecisions checks the operator's decisions against the run's state
// before anything is journaled, so that a mistaken flag changes nothing.
func (s *session) checkDecisions(ro ResumeOptions) error {
	for _, id := range []string{ro.From, ro.Rerun, ro.MarkDone, ro.Confirm} {
		if _, ok := s.st.steps[id]; id != "" && !ok {
			return s.unknownStep(id)
		}
	}
	for _, id := range []string{ro.Rerun, ro.MarkDone, ro.Confirm} {
		if sr := s.st.steps[id]; id != "" && sr.done() {
			return fmt.Errorf("step %s is already %s; use --from %s to run it again", id, sr.stepState(), id)
		}
	}
	for flag, id := range map[string]string{"--mark-done": ro.MarkDone, "--rerun": ro.Rerun, "--from": ro.From} {
		if id != "" && strings.TrimSpace(ro.Reason) == "" {
			return fmt.Errorf("%s needs --reason: say why, for the change record", flag)
		}
	}
	if ro.Confirm != "" {
		if err := checkInputs(s.st.steps[ro.Confirm].asked, ro.Inputs); err != nil {
			return fmt.Errorf("--confirm %s: %w", ro.Confirm, err)
		}
	}
	if ro.From != "" && ro.Preview != nil {
		keep, rerun := s.fromPreview(ro.From)
		if !ro.Preview(keep, rerun) {
			return errors.New("resume --from cancelled")
		}
	}
	return nil
}

// checkInputs checks --input values against what a waiting step asked.
func checkInputs(asked, given map[string]string) error {
	if asked == nil {
		return nil
	}
	names := make([]string, 0, len(asked))
	for n := range asked {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs []error
	for n, v := range given {
		pattern, ok := asked[n]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("the step asks for no input %q%s", n, decode.DidYouMean(n, names)))
		case pattern != "" && !fullMatch(pattern, v):
			errs = append(errs, fmt.Errorf("input %s: %q does not match %s", n, v, pattern))
		}
	}
	for _, n := range names {
		if _, ok := given[n]; !ok {
			errs = append(errs, fmt.Errorf("input %s is missing: add --input %s=VALUE", n, n))
		}
	}
	return errors.Join(errs...)
}

func fullMatch(pattern, v string) bool {
	re, err := regexp.Compile(`^(?:` + pattern + `)$`)
	return err == nil && re.MatchString(v)
}

// decide journals the operator's decisions, already checked.
func (s *session) decide(ro ResumeOptions) error {
	by := s.opts.by()
	var recs []*journal.Record
	if ro.From != "" {
		recs = append(recs, &journal.Record{Type: recDecision, Step: ro.From, Message: decisionFrom, By: by, Reason: ro.Reason})
	}
	if ro.Rerun != "" {
		recs = append(recs, &journal.Record{Type: recDecision, Step: ro.Rerun, Message: decisionRerun, By: by, Reason: ro.Reason})
	}
	if ro.MarkDone != "" {
		recs = append(recs, &journal.Record{Type: recDecision, Step: ro.MarkDone, Message: decisionMarkDone, By: by, Reason: ro.Reason})
	}
	if ro.Confirm != "" {
		recs = append(recs, &journal.Record{Type: recConfirmed, Step: ro.Confirm, By: by, Inputs: ro.Inputs})
	}
	for _, r := range recs {
		if err := s.record(r); err != nil {
			return err
		}
		s.emit(Event{Kind: EventDecision, Step: r.Step, State: firstNonEmpty(r.Message, r.Type), Message: r.Reason})
	}
	return nil
}

func (s *session) unknownStep(id string) error {
	return fmt.Errorf("no step %q in run %s", id, s.meta.RunID)
}

// fromPreview lists the steps --from keeps and those it runs again.
func (s *session) fromPreview(from string) (keep, rerun []string) {
	ids := s.eff.stepIDs()
	i := slices.Index(ids, from)
	for _, id := range ids[:i] {
		keep = append(keep, fmt.Sprintf("%s (%s)", id, s.st.steps[id].stepState()))
	}
	for _, id := range ids[i:] {
		rerun = append(rerun, fmt.Sprintf("%s (%s)", id, s.st.steps[id].stepState()))
	}
	return keep, rerun
}

// reconcileAll settles every target that was in flight when the engine
// stopped. It returns an outcome only when the run must stop (exit 5).
func (s *session) reconcileAll(ctx context.Context) *Outcome {
	if err := s.loadFacts(ctx); err != nil {
		if ctx.Err() != nil {
			return &Outcome{State: StateInterrupted, Message: "interrupted while reading facts"}
		}
		return &Outcome{State: StateFailed, Message: err.Error()}
	}
	for _, cs := range s.eff.steps {
		for _, node := range s.inflight(cs.ID) {
			if state := s.reconcile(ctx, cs, node); state == StateUnknown {
				return s.stopped(cs, StateUnknown)
			}
		}
	}
	return nil
}

// inflight lists a step's targets whose outcome is unknown.
func (s *session) inflight(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.st.steps[id]
	var out []string
	for _, node := range sr.tOrder {
		t := sr.targets[node]
		if t.inflight != nil || t.state == StateUnknown || t.state == StateRunning {
			out = append(out, node)
		}
	}
	return out
}

// nodeNamed returns the inventory node called name; nil for "".
func (s *session) nodeNamed(name string) *steps.Node {
	for i := range s.eff.Nodes {
		if s.eff.Nodes[i].Name == name {
			return &s.eff.Nodes[i]
		}
	}
	return nil
}

// nodesOf returns a site's nodes with defaults filled in.
func nodesOf(s *Site) []steps.Node {
	out := make([]steps.Node, len(s.Inventory.Nodes))
	for i, sn := range s.Inventory.Nodes {
		out[i] = nodeOf(s, sn)
	}
	return out
}

func sameNodes(a, b []steps.Node) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
