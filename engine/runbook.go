package engine

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// APIVersion is the only apiVersion this engine reads.
const APIVersion = "runbook/v1"

// Runbook is a versioned procedure: typed params, the inventory it needs,
// read-only facts, named guards, caveats, steps and cleanup steps.
type Runbook struct {
	Pos decode.Pos `yaml:"-"`
	// File is the path the runbook was read from.
	File string `yaml:"-"`

	APIVersion string     `yaml:"apiVersion" required:"true" enum:"runbook/v1" doc:"Always runbook/v1."`
	Kind       string     `yaml:"kind" required:"true" enum:"Runbook" doc:"Always Runbook."`
	Metadata   Metadata   `yaml:"metadata" required:"true" doc:"Name, version and description of the runbook."`
	Params     Map[Param] `yaml:"params" doc:"Typed inputs; their values come from the site file or --param."`
	Inventory  Inventory  `yaml:"inventory" doc:"What the site's inventory must provide."`
	Facts      []Fact     `yaml:"facts" doc:"Read-only probes run by plan, run and resume before any step; their results are facts.<id>."`
	Guards     Map[Guard] `yaml:"guards" doc:"Named preconditions that steps require."`
	Caveats    []Caveat   `yaml:"caveats" doc:"Known defects or risks, shown as warnings when their condition holds."`
	Steps      []Step     `yaml:"steps" required:"true" doc:"The procedure, in order."`
	Finally    []Step     `yaml:"finally" doc:"Cleanup steps that always run after the steps, on a fresh context."`
}

// Metadata names and describes a runbook.
type Metadata struct {
	Pos         decode.Pos `yaml:"-"`
	Name        string     `yaml:"name" required:"true" doc:"Lower-case letters, digits and dashes; canned runbooks are run by this name."`
	Version     string     `yaml:"version" required:"true" doc:"Semantic version (1.2.0); sites pin runbooks by range."`
	Title       string     `yaml:"title" doc:"One line saying what the runbook does."`
	Description string     `yaml:"description" doc:"Longer description, shown by render and in reports."`
	References  []string   `yaml:"references" doc:"Documents the procedure follows (URLs, bug ids)."`
}

// Param is a typed input of a runbook.
type Param struct {
	At          decode.Positions `yaml:"-"`
	Pos         decode.Pos       `yaml:"-"`
	Type        string           `yaml:"type" default:"string" enum:"string,integer,number,boolean,list,map" doc:"Value type."`
	Description string           `yaml:"description" doc:"What the param means, for site authors."`
	Default     yaml.Node        `yaml:"default" doc:"Value used when the site gives none."`
	Enum        yaml.Node        `yaml:"enum" doc:"The only values allowed."`
	Required    bool             `yaml:"required" doc:"The site must give a value (no default applies)."`
	Pattern     string           `yaml:"pattern" doc:"Regular expression a string value must match as a whole."`
	Secret      bool             `yaml:"secret" doc:"The value is redacted from the journal, state, reports and terminal."`
}

// Inventory is what a runbook needs from the site's inventory.
type Inventory struct {
	Roles Map[Role] `yaml:"roles" doc:"Node roles the runbook uses, with how many nodes each needs."`
}

// Role is a node role the runbook uses.
type Role struct {
	At          decode.Positions `yaml:"-"`
	Pos         decode.Pos       `yaml:"-"`
	Min         int              `yaml:"min" doc:"Fewest nodes of this role the site must list (default 0)."`
	Max         *int             `yaml:"max" doc:"Most nodes of this role allowed (default: no limit)."`
	Description string           `yaml:"description" doc:"What nodes of this role are."`
}

// Fact is a read-only probe whose result expressions read as facts.<id>.
type Fact struct {
	At          decode.Positions `yaml:"-"`
	Pos         decode.Pos       `yaml:"-"`
	ID          string           `yaml:"id" required:"true" doc:"Name of the fact in expressions: facts.<id>."`
	Description string           `yaml:"description" doc:"What the fact tells."`
	Action      string           `yaml:"action" required:"true" doc:"A read-only action."`
	With        yaml.Node        `yaml:"with" doc:"The action's input; strings may hold ${ expr }."`
	Target      *Name            `yaml:"target" doc:"One node, by role or name: the first node of that role, or the node so named."`
	Targets     *Targets         `yaml:"targets" doc:"Several nodes: facts.<id> is then a map from node name to result."`
	Timeout     time.Duration    `yaml:"timeout" doc:"Longest the probe may take (default 2m)."`
}

// Guard is a named precondition.
type Guard struct {
	At      decode.Positions `yaml:"-"`
	Pos     decode.Pos       `yaml:"-"`
	Check   Expr             `yaml:"check" required:"true" doc:"Expression that must be true."`
	Message string           `yaml:"message" required:"true" doc:"What is wrong when the check is false."`
	Hint    string           `yaml:"hint" doc:"What the operator can do about it."`
}

// Caveat is a known defect or risk that applies under a condition.
type Caveat struct {
	At      decode.Positions `yaml:"-"`
	Pos     decode.Pos       `yaml:"-"`
	ID      string           `yaml:"id" required:"true" doc:"Short name, such as a bug id (CSCus47235)."`
	When    Expr             `yaml:"when" required:"true" doc:"Expression over params and facts; the caveat applies when true."`
	Message string           `yaml:"message" required:"true" doc:"What the operator should know."`
	Hint    string           `yaml:"hint" doc:"What to do about it."`
}

// Step is one typed action of the procedure.
type Step struct {
	At          decode.Positions `yaml:"-"`
	Pos         decode.Pos       `yaml:"-"`
	ID          string           `yaml:"id" required:"true" doc:"Unique id: lower-case letters, digits, dashes and underscores."`
	Title       string           `yaml:"title" doc:"One line for the operator."`
	Description string           `yaml:"description" doc:"What the step does and why."`
	Action      string           `yaml:"action" required:"true" doc:"The typed action to run."`
	With        yaml.Node        `yaml:"with" doc:"The action's input; strings may hold ${ expr }."`
	Targets     *Targets         `yaml:"targets" doc:"Nodes to run on: an expression over node, or a list of roles and node names."`
	Order       Order            `yaml:"order" doc:"Fan-out order over the targets."`
	When        Expr             `yaml:"when" doc:"Run only when true; otherwise the step (or target) is skipped."`
	Require     Names            `yaml:"require" doc:"Guards (by name) or expressions that must hold; false blocks the run."`
	Retry       Retry            `yaml:"retry" doc:"Retries of a failed attempt; a number is the attempts."`
	Timeout     time.Duration    `yaml:"timeout" doc:"Longest one attempt may take."`
	Verify      Exprs            `yaml:"verify" doc:"Expressions over result that must hold after the action."`
	Outputs     Map[Expr]        `yaml:"outputs" doc:"Named values later steps read as steps.<id>.outputs.<name>."`
	Idempotent  bool             `yaml:"idempotent" doc:"Running the action again is harmless; resume may rerun it after a crash."`
	OnFailure   string           `yaml:"on_failure" default:"stop" enum:"stop,continue" doc:"stop the run, or continue with the next step."`
	Confirm     bool             `yaml:"confirm" doc:"Ask the operator before running (skipped with --yes)."`
	Critical    bool             `yaml:"critical" doc:"The runbook's safety depends on this step: a site cannot skip it."`
	Skip        bool             `yaml:"skip" doc:"Do not run this step (normally set by a site override); needs a reason."`
	Reason      string           `yaml:"reason" doc:"Why the step is skipped."`
}

// Order is the fan-out order of a step over its targets.
type Order struct {
	Pos         decode.Pos `yaml:"-"`
	First       Names      `yaml:"first" doc:"Roles or node names that run alone and first, in this order."`
	MaxParallel int        `yaml:"max_parallel" default:"1" doc:"Targets run at once after the first ones."`
	MaxFailures int        `yaml:"max_failures" doc:"Failed targets tolerated before the step stops (default 0)."`
}

// Retry says how often and how fast a failed attempt is retried.
type Retry struct {
	Pos      decode.Pos    `yaml:"-"`
	Attempts int           `yaml:"attempts" default:"1" doc:"Attempts in all, the first included."`
	Delay    time.Duration `yaml:"delay" doc:"Wait before the second attempt."`
	Backoff  float64       `yaml:"backoff" default:"1" doc:"Factor the delay grows by after each attempt."`
	MaxDelay time.Duration `yaml:"max_delay" doc:"Longest wait between attempts."`
}

// DecodeYAML accepts a number of attempts or the full mapping.
func (r *Retry) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!int" {
		n = &yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Column: n.Column, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "attempts", Line: n.Line, Column: n.Column}, n,
		}}
	}
	type plain Retry
	d.Decode(n, (*plain)(r))
}

// Targets selects nodes: an expression evaluated per node, or a list of
// roles and node names.
type Targets struct {
	Pos   decode.Pos
	Expr  Expr
	Names Names
}

// DecodeYAML reads an expression (a string) or a list of names.
func (t *Targets) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	t.Pos = d.Pos(n)
	switch n.Kind {
	case yaml.ScalarNode:
		t.Expr.DecodeYAML(d, n)
	case yaml.SequenceNode:
		t.Names.DecodeYAML(d, n)
	default:
		d.Errorf(n, "want an expression over node or a list of roles and node names, got %s", decode.Describe(n))
	}
}
