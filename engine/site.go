package engine

import (
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// Site describes one installation: its inventory, where its credentials
// come from, its param values and its changes to a runbook's steps.
type Site struct {
	At  decode.Positions `yaml:"-"`
	Pos decode.Pos       `yaml:"-"`
	// File is the path the site was read from.
	File string `yaml:"-"`

	APIVersion  string         `yaml:"apiVersion" required:"true" enum:"runbook/v1" doc:"Always runbook/v1."`
	Kind        string         `yaml:"kind" required:"true" enum:"Site" doc:"Always Site."`
	Metadata    SiteMetadata   `yaml:"metadata" required:"true" doc:"Name of the site."`
	Runbook     string         `yaml:"runbook" doc:"The runbook this site is for, optionally pinned by semver range: name@^1.2."`
	Inventory   SiteInventory  `yaml:"inventory" required:"true" doc:"The nodes of the site."`
	Credentials Credentials    `yaml:"credentials" doc:"Where credentials come from (env, file or prompt; never inline) and host key policy."`
	Params      Map[yaml.Node] `yaml:"params" doc:"Values for the runbook's params."`
	Overrides   Map[Override]  `yaml:"overrides" doc:"Per-step changes, by step id."`
}

// SiteMetadata names a site.
type SiteMetadata struct {
	Pos         decode.Pos `yaml:"-"`
	Name        string     `yaml:"name" required:"true" doc:"Name of the site; one run per site at a time."`
	Description string     `yaml:"description" doc:"What the site is."`
}

// SiteInventory lists the nodes of a site.
type SiteInventory struct {
	Pos    decode.Pos     `yaml:"-"`
	Domain string         `yaml:"domain" doc:"DNS domain of the nodes."`
	Ports  map[string]int `yaml:"ports" doc:"Default ports by service (ssh, https, api) for every node."`
	Nodes  []SiteNode     `yaml:"nodes" required:"true" doc:"The nodes."`
}

// SiteNode is one node of a site's inventory.
type SiteNode struct {
	At     decode.Positions  `yaml:"-"`
	Pos    decode.Pos        `yaml:"-"`
	Name   string            `yaml:"name" required:"true" doc:"Unique node name, as steps and reports show it."`
	Role   string            `yaml:"role" required:"true" doc:"A role the runbook declares (publisher, subscriber, imp, ...)."`
	Host   string            `yaml:"host" doc:"Address to connect to (IP or name); default the FQDN."`
	Port   int               `yaml:"port" doc:"SSH port (default 22); same as ports.ssh."`
	Ports  map[string]int    `yaml:"ports" doc:"Ports by service (ssh, https, api), overriding the inventory's."`
	FQDN   string            `yaml:"fqdn" doc:"Fully qualified name; default name.domain."`
	Labels map[string]string `yaml:"labels" doc:"Free-form labels for target selection."`
}

// Credentials are the site's credential references and SSH host key policy.
type Credentials struct {
	Pos decode.Pos
	// KnownHosts is the known_hosts file, relative to the site file.
	KnownHosts string
	// AcceptNewHostKeys adds unknown host keys on first use.
	AcceptNewHostKeys bool
	// LegacyAlgorithms offers old SSH algorithms for early releases.
	LegacyAlgorithms bool
	// Entries are the named credentials, such as os_admin.
	Entries Map[Credential]
}

// Keys of the credentials mapping that are settings rather than credentials.
const (
	keyKnownHosts = "known_hosts"
	keyAcceptNew  = "accept_new_host_keys"
	keyLegacy     = "legacy_algorithms"
)

// DecodeYAML reads the settings keys and the named credentials.
func (c *Credentials) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	c.Pos = d.Pos(n)
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "want a mapping, got %s", decode.Describe(n))
		return
	}
	for _, kv := range decode.Pairs(d, n) {
		switch kv.Key.Value {
		case keyKnownHosts:
			d.Decode(kv.Value, &c.KnownHosts)
		case keyAcceptNew:
			d.Decode(kv.Value, &c.AcceptNewHostKeys)
		case keyLegacy:
			d.Decode(kv.Value, &c.LegacyAlgorithms)
		default:
			var cred Credential
			d.In(fmt.Sprintf("credential %q", kv.Key.Value)).Decode(kv.Value, &cred)
			c.Entries = append(c.Entries, Entry[Credential]{Name: kv.Key.Value, Pos: d.Pos(kv.Key), Value: cred})
		}
	}
}

// Credential says where one credential's parts come from.
type Credential struct {
	Pos         decode.Pos `yaml:"-"`
	Description string     `yaml:"description" doc:"What the credential is for."`
	Username    string     `yaml:"username" doc:"User name (not secret; may be written inline)."`
	Password    *SecretRef `yaml:"password" doc:"Where the password comes from: {env: NAME}, {file: PATH} or {prompt: TEXT}."`
	PrivateKey  *SecretRef `yaml:"private_key" doc:"Where a PEM private key comes from, for key-based SSH."`
}

// SecretRef says where a secret comes from. Secrets are never written in
// a site file.
type SecretRef struct {
	Pos decode.Pos `yaml:"-"`
	// Env names an environment variable.
	Env string `yaml:"env" doc:"Environment variable holding the secret."`
	// File is a file holding the secret (trailing newline removed).
	File string `yaml:"file" doc:"File holding the secret, relative to the site file."`
	// Prompt asks on the terminal with this text.
	Prompt string `yaml:"prompt" doc:"Ask on the terminal with this text."`
}

// DecodeYAML refuses inline secrets without repeating them.
func (s *SecretRef) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && !decode.IsNull(n) {
		d.Errorf(n, "inline secrets are not allowed: write {env: NAME}, {file: PATH} or {prompt: TEXT}")
		return
	}
	type plain SecretRef
	d.Decode(n, (*plain)(s))
	set := 0
	for _, v := range []string{s.Env, s.File, s.Prompt} {
		if v != "" {
			set++
		}
	}
	if set != 1 && n.Kind == yaml.MappingNode {
		d.Errorf(n, "give exactly one of env, file or prompt")
	}
}

// Override changes one step of the runbook for this site.
type Override struct {
	At          decode.Positions `yaml:"-"`
	Pos         decode.Pos       `yaml:"-"`
	Skip        bool             `yaml:"skip" doc:"Do not run the step; needs a reason."`
	Reason      string           `yaml:"reason" doc:"Why the step is skipped or changed; shown in plans and reports."`
	Title       string           `yaml:"title" doc:"Replaces the step's title."`
	Description string           `yaml:"description" doc:"Replaces the step's description."`
	With        yaml.Node        `yaml:"with" doc:"Input fields to change; merged key by key into the step's with."`
	Targets     *Targets         `yaml:"targets" doc:"Replaces the step's targets."`
	Order       yaml.Node        `yaml:"order" doc:"Order fields to change (first, max_parallel, max_failures)."`
	When        Expr             `yaml:"when" doc:"Replaces the step's when."`
	Retry       yaml.Node        `yaml:"retry" doc:"Retry fields to change (attempts, delay, backoff, max_delay)."`
	Timeout     time.Duration    `yaml:"timeout" doc:"Replaces the step's timeout."`
	OnFailure   string           `yaml:"on_failure" enum:"stop,continue" doc:"Replaces the step's on_failure."`
	Confirm     *bool            `yaml:"confirm" doc:"Replaces the step's confirm."`
}

// DecodeYAML decodes an override, explaining why some step fields cannot
// be overridden instead of calling them unknown.
func (o *Override) DecodeYAML(d *decode.Decoder, n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		kept := *n
		kept.Content = nil
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			switch k.Value {
			case "id", "action", "outputs", "require", "verify", "idempotent":
				d.Errorf(k, "a site cannot change a step's %s: it is part of what the runbook promises; "+
					"copy the runbook under a new name or version instead", k.Value)
				continue
			}
			kept.Content = append(kept.Content, k, n.Content[i+1])
		}
		n = &kept
	}
	type plain Override
	d.Decode(n, (*plain)(o))
}
