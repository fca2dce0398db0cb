package engine

import (
	"fmt"
	"go.yaml.in/yaml/v3"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

// siteNodes checks a site's inventory against the runbook's roles and fills
// in defaults: FQDN from name and domain, host from FQDN, ports from the
// inventory's.
func siteNodes(d *decode.Decoder, rb *Runbook, s *Site) []steps.Node {
	roles := rb.Inventory.Roles.Names()
	seen := map[string]bool{}
	count := map[string]int{}
	var out []steps.Node
	for _, sn := range s.Inventory.Nodes {
		nd := d.In(fmt.Sprintf("node %q", sn.Name))
		if seen[sn.Name] {
			nd.ErrorAt(sn.At.Of("name", sn.Pos), "node name %q is used twice", sn.Name)
		}
		seen[sn.Name] = true
		if len(roles) > 0 && sn.Role != "" && !slices.Contains(roles, sn.Role) {
			nd.ErrorAt(sn.At.Of("role", sn.Pos), "role %q is not one the runbook uses (%s)%s", sn.Role,
				strings.Join(roles, ", "), decode.DidYouMean(sn.Role, roles))
		}
		count[sn.Role]++
		out = append(out, nodeOf(s, sn))
	}
	for _, e := range rb.Inventory.Roles {
		n, r := count[e.Name], e.Value
		if n < r.Min {
			d.ErrorAt(s.Inventory.Pos, "inventory: the runbook needs at least %d %s node(s), the site has %d", r.Min, e.Name, n)
		}
		if r.Max != nil && n > *r.Max {
			d.ErrorAt(s.Inventory.Pos, "inventory: the runbook allows at most %d %s node(s), the site has %d", *r.Max, e.Name, n)
		}
	}
	return out
}

func nodeOf(s *Site, sn SiteNode) steps.Node {
	n := steps.Node{
		Name: sn.Name, Role: sn.Role, Host: sn.Host, FQDN: sn.FQDN,
		Ports: map[string]int{}, Labels: sn.Labels,
	}
	if n.FQDN == "" && s.Inventory.Domain != "" {
		n.FQDN = sn.Name + "." + s.Inventory.Domain
	}
	if n.Host == "" {
		n.Host = n.FQDN
	}
	for k, v := range s.Inventory.Ports {
		n.Ports[k] = v
	}
	if sn.Port != 0 {
		n.Ports["ssh"] = sn.Port
	}
	for k, v := range sn.Ports {
		n.Ports[k] = v
	}
	return n
}

// resolveParams gives every declared param its value: --param first, then
// the site, then the default. Missing required values are reported only
// when requireAll is set (a run needs them; validate alone does not).
func resolveParams(d *decode.Decoder, rb *Runbook, s *Site, flags []string, requireAll bool) []ParamValue {
	fromFlags := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			d.ErrorAt(decode.Pos{File: "--param"}, "%q: write --param name=value", f)
			continue
		}
		if _, declared := rb.Params.Get(k); !declared {
			d.ErrorAt(decode.Pos{File: "--param"}, "unknown param %q%s", k, decode.DidYouMean(k, rb.Params.Names()))
			continue
		}
		fromFlags[k] = v
	}
	if s != nil {
		sd := d.ForFile(s.File).In("params")
		for _, e := range s.Params {
			if _, declared := rb.Params.Get(e.Name); !declared {
				if s.Runbook == "" {
					// A site that pins no runbook serves several; a param
					// another runbook declares is not a mistake here.
					continue
				}
				sd.ErrorAt(e.Pos, "unknown param %q%s", e.Name, decode.DidYouMean(e.Name, rb.Params.Names()))
			}
		}
	}
	var out []ParamValue
	for i := range rb.Params {
		e := &rb.Params[i]
		out = append(out, paramFor(d, e, s, fromFlags, requireAll))
	}
	return out
}

func paramFor(d *decode.Decoder, e *Entry[Param], s *Site, flags map[string]string, requireAll bool) ParamValue {
	p := &e.Value
	pv := ParamValue{Name: e.Name, Secret: p.Secret}
	if text, ok := flags[e.Name]; ok {
		v, problem := paramFromFlag(p, text)
		if problem != "" {
			d.ErrorAt(decode.Pos{File: "--param"}, "param %q: %s", e.Name, problem)
		}
		pv.Value, pv.Origin = v, "--param"
		return pv
	}
	if s != nil {
		if n, ok := s.Params.Get(e.Name); ok {
			sd := d.ForFile(s.File).In(fmt.Sprintf("param %q", e.Name))
			if p.Secret {
				pv.Ref, pv.Origin = secretParamRef(sd, &n), sd.Pos(&n).String()
				return pv
			}
			v, problem := paramValue(p, &n)
			if problem != "" {
				sd.Errorf(&n, "%s", problem)
			}
			pv.Value, pv.Origin = v, sd.Pos(&n).String()
			return pv
		}
	}
	if def := &p.Default; def.Kind != 0 && !decode.IsNull(def) {
		pv.Value, _ = paramValue(p, def)
		pv.Origin = "default"
		return pv
	}
	if p.Required && requireAll {
		where := decode.Pos{File: "--param"}
		if s != nil {
			where = s.Pos
		}
		d.ErrorAt(where, "param %q is required: give it in the site's params or with --param %s=VALUE", e.Name, e.Name)
	}
	pv.Value, pv.Origin = zeroParam(p.Type), "unset"
	return pv
}

func zeroParam(t string) any {
	switch t {
	case "integer":
		return 0
	case "number":
		return 0.0
	case "boolean":
		return false
	case "list":
		return []any{}
	case "map":
		return map[string]any{}
	}
	return ""
}

// checkPin checks the site's runbook pin against the runbook.
func checkPin(d *decode.Decoder, rb *Runbook, s *Site) {
	if s.Runbook == "" {
		return
	}
	ref, err := ParseRef(s.Runbook)
	if err != nil {
		d.ErrorAt(s.At.Of("runbook", s.Pos), "runbook: %v", err)
		return
	}
	if ref.Name != rb.Metadata.Name {
		d.ErrorAt(s.At.Of("runbook", s.Pos), "runbook: the site is for %q, not %q", ref.Name, rb.Metadata.Name)
		return
	}
	v, err := semver.StrictNewVersion(rb.Metadata.Version)
	if err == nil && !ref.Allows(v) {
		d.ErrorAt(s.At.Of("runbook", s.Pos), "runbook: the site needs %s %s; this runbook is version %s", ref.Name, ref.Range, v)
	}
}

// secretParamRef reads where a secret param's value comes from: like a
// credential, never inline.
func secretParamRef(d *decode.Decoder, n *yaml.Node) *SecretRef {
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, "a secret param cannot be written inline: write {env: NAME}, {file: PATH} or {prompt: TEXT}")
		return nil
	}
	ref := new(SecretRef)
	d.Decode(n, ref)
	return ref
}
