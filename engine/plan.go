package engine

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/ucops/runbook/engine/eval"
	"github.com/ucops/runbook/steps"
)

// Plan decisions.
const (
	PlanRun     = "run"
	PlanSkip    = "skip"
	PlanBlocked = "blocked"
	PlanDone    = "done"
	PlanLater   = "decided at run time"
	PlanUnknown = "unknown"
)

// PlanResult is what a plan found: facts, caveats, and for every step and
// target whether it would run, be skipped or be blocked, and why.
type PlanResult struct {
	Runbook  RunbookRef   `json:"runbook"`
	Site     string       `json:"site,omitempty"`
	Offline  bool         `json:"offline"`
	Facts    []PlanFact   `json:"facts"`
	Caveats  []string     `json:"caveats,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
	Steps    []PlanStep   `json:"steps"`
	Blocked  bool         `json:"blocked"`
	Params   []ParamState `json:"params"`
}

// PlanFact is a fact as the plan read it.
type PlanFact struct {
	ID    string `json:"id"`
	Value any    `json:"value,omitempty"`
	Error string `json:"error,omitempty"`
}

// PlanStep is one step of a plan.
type PlanStep struct {
	ID       string       `json:"id"`
	Title    string       `json:"title,omitempty"`
	Action   string       `json:"action"`
	Mutates  bool         `json:"mutates"`
	Finally  bool         `json:"finally,omitempty"`
	Decision string       `json:"decision"`
	Reason   string       `json:"reason,omitempty"`
	Hint     string       `json:"hint,omitempty"`
	Targets  []PlanTarget `json:"targets,omitempty"`
}

// PlanTarget is one target of a planned step.
type PlanTarget struct {
	Node     string `json:"node"`
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
}

// Plan reads the facts live (read-only actions only), evaluates every
// guard, `when` and target selection, and reports per step and target
// what a run would do. It never runs an action that changes the system:
// steps' actions are never run, only the checks of those that have one.
// Offline, nothing is contacted and what depends on facts is unknown.
func Plan(ctx context.Context, opts Options, lo LoadOptions, offline bool) (*PlanResult, error) {
	lo.RequireParams = true
	eff, err := opts.Loader.Load(lo)
	if err != nil {
		return nil, inputErr(err)
	}
	red := &Redactor{}
	creds := &credentialSet{m: map[string]steps.Credential{}}
	if !offline {
		if err := resolveSecretParams(eff, opts.Secrets, red); err != nil {
			return nil, inputErr(err)
		}
		if creds, err = resolveCredentials(eff.Site, opts.Secrets, red); err != nil {
			return nil, inputErr(err)
		}
	}
	meta := &RunMeta{RunID: "plan", Runbook: RunbookRef{
		Name: eff.Runbook.Metadata.Name, Version: eff.Runbook.Metadata.Version, Digest: eff.Digest,
	}}
	// Checks and facts may write artifacts; a plan keeps none.
	tmp, err := os.MkdirTemp("", "runbook-plan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	s := newSession(opts, eff, meta, &RunDir{ID: "plan", Path: tmp}, red, creds)
	s.runv.Planning = true
	s.st = newRunState(eff.stepIDs())
	defer s.pool.Close()

	p := &PlanResult{Runbook: meta.Runbook, Offline: offline, Warnings: eff.Warnings}
	if eff.Site != nil {
		p.Site = eff.Site.Metadata.Name
	}
	for _, pv := range eff.Params {
		v := pv.Value
		if pv.Secret {
			v = redacted
		}
		p.Params = append(p.Params, ParamState{Name: pv.Name, Value: v, Origin: pv.Origin})
	}
	missing := s.planFacts(ctx, p, offline)
	p.Caveats = s.planCaveats(missing)
	for _, cs := range eff.steps {
		ps := s.planStep(ctx, cs, missing, offline)
		p.Blocked = p.Blocked || ps.Decision == PlanBlocked
		p.Steps = append(p.Steps, ps)
	}
	return p, nil
}

// missingFacts names the facts a plan could not read.
type missingFacts map[string]bool

// blocks reports whether p reads a fact that could not be read, and which.
func (m missingFacts) blocks(p *eval.Program) string {
	if p == nil {
		return ""
	}
	for _, f := range p.Refs.Facts {
		if m[f] {
			return f
		}
	}
	return ""
}

// planFacts reads the facts and returns those it could not read. Facts run
// only read-only actions: the loader checks it, and each rendered input is
// checked again before it runs.
func (s *session) planFacts(ctx context.Context, p *PlanResult, offline bool) missingFacts {
	missing := missingFacts{}
	for _, f := range s.eff.facts {
		if offline {
			p.Facts = append(p.Facts, PlanFact{ID: f.ID, Error: "not read (offline)"})
			missing[f.ID] = true
			continue
		}
		v, err := s.fact(ctx, f)
		if err != nil {
			p.Facts = append(p.Facts, PlanFact{ID: f.ID, Error: s.red.String(err.Error())})
			missing[f.ID] = true
			continue
		}
		s.facts[f.ID] = v
		p.Facts = append(p.Facts, PlanFact{ID: f.ID, Value: s.red.Value(v)})
	}
	return missing
}

func (s *session) planCaveats(missing missingFacts) []string {
	var out []string
	env := s.env(nil, nil)
	for _, c := range s.eff.caveats {
		if missing.blocks(c.when) != "" {
			continue
		}
		if ok, err := c.when.RunBool(env); err == nil && ok {
			message, _ := c.texts(env)
			out = append(out, c.ID+": "+message)
		}
	}
	return out
}

// planStep decides what a run would do with one step.
func (s *session) planStep(ctx context.Context, cs *cStep, missing missingFacts, offline bool) PlanStep {
	ps := PlanStep{ID: cs.ID, Title: s.title(cs), Action: cs.Action, Finally: cs.finally}
	if cs.action != nil {
		ps.Mutates = cs.with.mutates()
	}
	if cs.Skip {
		ps.Decision, ps.Reason = PlanSkip, "skipped by the site: "+cs.Reason
		return ps
	}
	if d, reason, hint := s.planRequires(cs, missing); d != "" {
		ps.Decision, ps.Reason, ps.Hint = d, reason, hint
		return ps
	}
	if cs.targets != nil && readsSteps(cs.targets.expr) {
		ps.Decision, ps.Reason = PlanLater, "targets read earlier steps' results"
		return ps
	}
	if cs.targets != nil && missing.blocks(cs.targets.expr) != "" {
		ps.Decision, ps.Reason = PlanUnknown, "targets need fact "+missing.blocks(cs.targets.expr)+", which could not be read"
		return ps
	}
	nodes, err := s.selectTargets(cs)
	if err != nil {
		ps.Decision, ps.Reason = PlanUnknown, err.Error()
		return ps
	}
	if len(nodes) == 0 {
		ps.Decision, ps.Reason = PlanSkip, "no target: the selection matched no node"
		return ps
	}
	for _, n := range nodes {
		pt := s.planTarget(ctx, cs, n, missing, offline)
		if n == nil {
			ps.Decision, ps.Reason = pt.Decision, pt.Reason
			return ps
		}
		ps.Targets = append(ps.Targets, pt)
	}
	ps.Decision = summarizeTargets(ps.Targets)
	return ps
}

// planRequires evaluates the step's guards: "" when they hold. Every
// guard that does not hold is named, not only the first.
func (s *session) planRequires(cs *cStep, missing missingFacts) (decision, reason, hint string) {
	for _, r := range cs.require {
		prog := r.expr
		if r.guard != "" {
			prog = s.eff.guards[r.guard].check
		}
		switch {
		case readsSteps(prog):
			return PlanLater, "requirement " + r.src + " reads earlier steps' results", ""
		case missing.blocks(prog) != "":
			return PlanUnknown, fmt.Sprintf("requirement %s needs fact %s, which could not be read", r.src, missing.blocks(prog)), ""
		}
	}
	failed, err := s.failedRequires(cs, s.env(nil, nil))
	if err != nil {
		return PlanBlocked, err.Error() + " (cannot be evaluated)", ""
	}
	if len(failed) == 0 {
		return "", "", ""
	}
	reason, hint = joinFailed(failed)
	return PlanBlocked, reason, hint
}

// planTarget decides one target: when, then whether the effect is already
// in place according to the action's check.
func (s *session) planTarget(ctx context.Context, cs *cStep, node *steps.Node, missing missingFacts, offline bool) PlanTarget {
	pt := PlanTarget{Node: nodeName(node), Decision: PlanRun}
	if cs.when != nil {
		switch {
		case readsSteps(cs.when):
			return PlanTarget{Node: pt.Node, Decision: PlanLater, Reason: "when reads earlier steps' results: " + cs.When.Src}
		case missing.blocks(cs.when) != "":
			return PlanTarget{Node: pt.Node, Decision: PlanUnknown, Reason: "when needs fact " + missing.blocks(cs.when) + ", which could not be read"}
		}
		ok, err := cs.when.RunBool(s.env(node, nil))
		if err != nil {
			return PlanTarget{Node: pt.Node, Decision: PlanUnknown, Reason: "when: " + err.Error()}
		}
		if !ok {
			return PlanTarget{Node: pt.Node, Decision: PlanSkip, Reason: "when is false: " + cs.When.Src}
		}
	}
	if offline {
		return pt
	}
	if ch, ok := cs.action.(steps.Checker); ok && cs.with.mutates() {
		// Only a check that finds the work done changes the plan; what
		// the others say is left for the run.
		if reason := s.planCheck(ctx, cs, ch, node); strings.HasPrefix(reason, "already done") {
			pt.Decision, pt.Reason = PlanDone, reason
		}
	}
	return pt
}

// planCheck runs a mutating action's check, which only reads.
func (s *session) planCheck(ctx context.Context, cs *cStep, ch steps.Checker, node *steps.Node) string {
	if slices.ContainsFunc(cs.programs(), readsSteps) {
		return "its input reads earlier steps' results"
	}
	input, err := s.renderInput(cs, node)
	if err != nil {
		return "input: " + err.Error()
	}
	rt := s.runtime(cs, node, 0, s.meta.Created, nil)
	rt.Planning = true
	cctx, cancel := context.WithTimeout(ctx, defaultFactTimeout)
	defer cancel()
	chk, err := ch.Check(cctx, rt, input)
	switch {
	case err != nil:
		return s.red.String("check: " + err.Error())
	case chk.State == steps.Done:
		return s.red.String("already done: " + chk.Detail)
	}
	return s.red.String(chk.Detail)
}

func summarizeTargets(ts []PlanTarget) string {
	count := map[string]int{}
	for _, t := range ts {
		count[t.Decision]++
	}
	for _, d := range []string{PlanBlocked, PlanUnknown, PlanLater, PlanRun} {
		if count[d] > 0 {
			return d
		}
	}
	if count[PlanDone] > 0 {
		return PlanDone
	}
	return PlanSkip
}

func readsSteps(p *eval.Program) bool { return p != nil && len(p.Refs.Steps) > 0 }
