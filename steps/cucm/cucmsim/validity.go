package cucmsim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// parseValidity reads a certificate lifetime: a whole number of days
// ("30d") or a Go duration ("720h"). It must be positive.
func parseValidity(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		n, err = strconv.Atoi(days)
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 30d or 720h, got %q", s)
	}
	return d, nil
}

// validity decodes a certificate lifetime.
func (d *decoder) validity(dst *time.Duration) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		v, ok := d.scalar(path, n)
		if !ok {
			return
		}
		t, err := parseValidity(v)
		if err != nil {
			d.fail(path, n, "%v", err)
			return
		}
		*dst = t
	}
}

// validityMap decodes a mapping of units to lifetimes, keeping key
// positions under path[unit].
func (d *decoder) validityMap(dst *map[string]time.Duration) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			d.fail(path, n, "want a mapping of units to durations, got %s", describe(n))
			return
		}
		*dst = map[string]time.Duration{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := fmt.Sprintf("%s[%s]", path, k.Value)
			d.pos[p] = position{k.Line, k.Column}
			var t time.Duration
			d.validity(&t)(p, v)
			if t > 0 {
				(*dst)[k.Value] = t
			}
		}
	}
}

// checkValidity checks the cluster's self-signed lifetime.
func (c *Config) checkValidity(p *problems) {
	if c.SelfSignedValidity < 0 {
		p.at("self_signed_validity", "self_signed_validity %s: want a positive duration such as 30d",
			c.SelfSignedValidity)
	}
}

// checkNodeValidity checks a node's lifetimes: units of its product,
// positive durations.
func checkNodeValidity(p *problems, path string, n *NodeConfig) {
	units := ownUnits(nodeIsCUCM(n))
	keys := make([]string, 0, len(n.SelfSignedValidity))
	for k := range n.SelfSignedValidity {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, unit := range keys {
		vp := fmt.Sprintf("%s.self_signed_validity[%s]", path, unit)
		if !slices.Contains(units, unit) {
			p.at(vp, "%s: self_signed_validity: unknown unit %q; units: %s%s", path, unit,
				strings.Join(units, ", "), suggest(unit, units))
		}
		if v := n.SelfSignedValidity[unit]; v <= 0 {
			p.at(vp, "%s: self_signed_validity[%s] %s: want a positive duration such as 30d",
				path, unit, v)
		}
	}
}

// validity is how long a self-signed certificate n makes for unit lasts:
// the node's setting for the unit, else the cluster's, else 5 years.
func (c *Cluster) validity(n *node, unit string) time.Duration {
	if v := n.conf.SelfSignedValidity[unit]; v > 0 {
		return v
	}
	if v := c.cfg.SelfSignedValidity; v > 0 {
		return v
	}
	return selfSignedValidity
}
