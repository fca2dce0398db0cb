package steps

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

// Runtime is everything an action may use of the run it belongs to. The
// engine builds one per call; fields it cannot fill are left zero, and an
// action that needs one of them reports a clear error rather than guessing.
type Runtime struct {
	// Step is the id of the step being run; Attempt counts from 1.
	Step    string
	Attempt int
	// Began is when this step (for this target) first started, kept across
	// resumes: a Check compares effects against it ("restarted since the
	// step began").
	Began time.Time

	// Node is the step's target, nil when the step has none.
	Node *Node
	// Site is the inventory and the connection settings.
	Site *Site
	// Credentials resolves credential names from the site file.
	Credentials Credentials
	// Pool holds connections shared by every step of the run.
	Pool *Pool
	// Artifacts stores files the run produces (CSRs, certificates).
	Artifacts Artifacts
	// Operator asks a person, when there is one.
	Operator Operator

	// Planning is true while the engine plans: only actions that do not
	// mutate run, and they should leave no trace they can avoid.
	Planning bool

	// Notify, when set, receives progress lines for the operator.
	Notify func(msg string)
	// Redact, when set, registers a secret value so that it never reaches
	// the journal, the state, reports or the terminal.
	Redact func(secret string)
}

// Progress reports a progress line, such as "Cisco Tomcat STARTING".
func (rt *Runtime) Progress(format string, args ...any) {
	if rt != nil && rt.Notify != nil {
		rt.Notify(fmt.Sprintf(format, args...))
	}
}

// Secret registers value as a secret (see Redact) and returns it.
func (rt *Runtime) Secret(value string) string {
	if rt != nil && rt.Redact != nil && value != "" {
		rt.Redact(value)
	}
	return value
}

// Path resolves a path written in a runbook or site: relative paths are
// taken from the site file's directory when there is one.
func (rt *Runtime) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || rt == nil || rt.Site == nil || rt.Site.Dir == "" {
		return p
	}
	return filepath.Join(rt.Site.Dir, p)
}

// Target returns the step's node or an error naming the step, for actions
// that need one.
func (rt *Runtime) Target() (*Node, error) {
	if rt == nil || rt.Node == nil {
		return nil, errors.New("this action needs a target node (set targets: on the step)")
	}
	return rt.Node, nil
}

// Node is one machine of the site's inventory.
type Node struct {
	Name string `yaml:"name" json:"name"`
	// Role is publisher, subscriber, imp or any role the runbook declares.
	Role string `yaml:"role" json:"role"`
	Host string `yaml:"host" json:"host"`
	FQDN string `yaml:"fqdn" json:"fqdn,omitempty"`
	// Ports maps a service name (ssh, https, api, ...) to its port.
	Ports map[string]int `yaml:"ports" json:"ports,omitempty"`
	// Labels are free-form, for target selection.
	Labels map[string]string `yaml:"labels" json:"labels,omitempty"`
}

// Port returns the node's port for service, or def when none is set.
func (n *Node) Port(service string, def int) int {
	if p, ok := n.Ports[service]; ok && p > 0 {
		return p
	}
	return def
}

// Address returns the host name to connect to: the host, else the FQDN.
func (n *Node) Address() string {
	if n.Host != "" {
		return n.Host
	}
	return n.FQDN
}

// Site is the site file as an action needs it.
type Site struct {
	Name string
	// Dir is the directory of the site file.
	Dir    string
	Domain string
	Nodes  []Node
	SSH    SSHSettings
}

// NodeNamed returns the node called name.
func (s *Site) NodeNamed(name string) (*Node, bool) {
	for i := range s.Nodes {
		if s.Nodes[i].Name == name {
			return &s.Nodes[i], true
		}
	}
	return nil, false
}

// SSHSettings are the site's host key and algorithm policies.
type SSHSettings struct {
	// KnownHosts is the known_hosts file (absolute); host keys are
	// verified against it.
	KnownHosts string
	// AcceptNewHostKeys adds unknown hosts to KnownHosts on first use.
	// A changed key is always an error.
	AcceptNewHostKeys bool
	// LegacyAlgorithms also offers the old key exchanges, host key types
	// and ciphers that early CUCM releases need.
	LegacyAlgorithms bool
}

// Credential is a resolved credential. Its secrets are registered for
// redaction by the engine before any action sees them.
type Credential struct {
	Username string
	Password string
	// PrivateKey is a PEM private key, for key-based SSH.
	PrivateKey []byte
}

// Credentials resolves a credential by the name the site gives it.
type Credentials interface {
	Credential(name string) (Credential, error)
}

// Artifacts stores files a run produces. Written files are durable (synced)
// before Write returns.
type Artifacts interface {
	// Write stores data as name (a file name, no directories) and returns
	// the file's path. Writing the same name again replaces the file.
	Write(name string, data []byte) (string, error)
	// Dir is the directory artifacts live in.
	Dir() string
}

// Operator is a person who can follow instructions and answer.
type Operator interface {
	// Confirm shows the request and returns the operator's inputs.
	// Without a person to ask it returns ErrNoOperator.
	Confirm(ctx context.Context, req Confirmation) (map[string]string, error)
}

// ErrOutcomeUnknown marks an error after which an action cannot tell
// whether its effect took place (a session dropped after a mutating command
// was sent); the engine then runs the action's check before any retry.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// ErrNoOperator is returned by an Operator when no person can answer now;
// the engine then pauses the run until `runbook resume --confirm`.
var ErrNoOperator = errors.New("no operator at a terminal")

// Confirmation is what a manual step asks of the operator.
type Confirmation struct {
	Step         string
	Instructions string
	Inputs       []InputRequest
}

// InputRequest is one value the operator must supply.
type InputRequest struct {
	Name        string
	Description string
	// Pattern, when set, is a regular expression the whole value must match.
	Pattern string
}
