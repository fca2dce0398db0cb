package engine

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// overridable reports whether a site may change a step field. A site
// cannot change a step's action, id, outputs, require or verify: those are
// the runbook's promises, and weakening a guard takes a new runbook version.
func overridable(key string) bool {
	switch key {
	case "skip", "reason", "title", "description", "with", "targets", "order",
		"when", "retry", "timeout", "on_failure", "confirm":
		return true
	}
	return false
}

// mergedKey reports whether a field is merged key by key (recursively)
// rather than replaced.
func mergedKey(key string) bool {
	return key == "with" || key == "order" || key == "retry"
}

// cloneNode deep-copies a node tree. Aliases keep pointing at the
// original anchored node, which is never changed.
func cloneNode(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, child := range n.Content {
		c.Content[i] = cloneNode(child)
	}
	return &c
}

// mapValue returns the value of key in mapping n and its key node.
func mapValue(n *yaml.Node, key string) (k, v *yaml.Node) {
	n = decode.Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// setMapValue replaces or adds key in mapping n.
func setMapValue(n *yaml.Node, key, val *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key.Value {
			n.Content[i], n.Content[i+1] = key, val
			return
		}
	}
	n.Content = append(n.Content, key, val)
}

// stepNodes indexes the step mappings of a runbook document by id.
func stepNodes(doc *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	for _, section := range []string{"steps", "finally"} {
		_, seq := mapValue(doc, section)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			continue
		}
		for _, s := range seq.Content {
			s = decode.Resolve(s)
			if _, id := mapValue(s, "id"); id != nil && id.Kind == yaml.ScalarNode {
				out[id.Value] = s
			}
		}
	}
	return out
}

// applyOverrides merges a site's overrides into a copy of a runbook
// document. Nodes that come from the site are recorded in origins, so
// errors and render point at the site file, and marked with a comment.
//
// A site that pins no runbook serves several, so an override of a step this
// runbook lacks is returned as a warning rather than reported as an error.
func applyOverrides(doc, siteDoc *yaml.Node, siteFile string, origins map[*yaml.Node]string, d *decode.Decoder) (warnings []string) {
	_, overrides := mapValue(siteDoc, "overrides")
	if overrides == nil || overrides.Kind != yaml.MappingNode {
		return nil
	}
	_, pin := mapValue(siteDoc, "runbook")
	pinned := pin != nil && pin.Value != ""
	steps := stepNodes(doc)
	ids := make([]string, 0, len(steps))
	for id := range steps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	sd := d.ForFile(siteFile)
	for _, kv := range decode.Pairs(sd, overrides) {
		step, ok := steps[kv.Key.Value]
		switch {
		case !ok && pinned:
			sd.Errorf(kv.Key, "override of unknown step %q%s", kv.Key.Value, decode.DidYouMean(kv.Key.Value, ids))
			continue
		case !ok:
			warnings = append(warnings, fmt.Sprintf("%s: override of step %q, which this runbook does not have; it is ignored%s",
				sd.Pos(kv.Key), kv.Key.Value, decode.DidYouMean(kv.Key.Value, ids)))
			continue
		}
		overrideStep(step, decode.Resolve(kv.Value), siteFile, origins, sd.In(fmt.Sprintf("override %q", kv.Key.Value)))
	}
	return warnings
}

func overrideStep(step, ov *yaml.Node, siteFile string, origins map[*yaml.Node]string, d *decode.Decoder) {
	if ov.Kind != yaml.MappingNode {
		return // the site's own decoding reports it
	}
	// Comments cannot follow values inside flow style; render in blocks.
	step.Style &^= yaml.FlowStyle
	for _, kv := range decode.Pairs(d, ov) {
		key := kv.Key.Value
		if !overridable(key) {
			continue // reported by the site's decoding, with a suggestion
		}
		markOrigin(kv.Key, siteFile, origins)
		markOrigin(kv.Value, siteFile, origins)
		blockStyle(kv.Value)
		val := decode.Resolve(kv.Value)
		_, cur := mapValue(step, key)
		if cur != nil && mergedKey(key) && isMapping(cur) && isMapping(val) {
			mergeMapping(d, cur, val, siteFile)
			continue
		}
		setMapValue(step, kv.Key, val)
		note(kv.Key, val, siteFile)
	}
}

// mergeMapping merges val into cur key by key, recursively where both
// sides hold mappings, marking every value it sets.
func mergeMapping(d *decode.Decoder, cur, val *yaml.Node, siteFile string) {
	cur.Style &^= yaml.FlowStyle
	for _, kv := range decode.Pairs(d, val) {
		_, old := mapValue(cur, kv.Key.Value)
		if old != nil && isMapping(old) && isMapping(kv.Value) {
			mergeMapping(d, decode.Resolve(old), decode.Resolve(kv.Value), siteFile)
			continue
		}
		setMapValue(cur, kv.Key, kv.Value)
		note(kv.Key, kv.Value, siteFile)
	}
}

func isMapping(n *yaml.Node) bool { return decode.Resolve(n).Kind == yaml.MappingNode }

// markOrigin records siteFile as the origin of n and everything below it.
func markOrigin(n *yaml.Node, siteFile string, origins map[*yaml.Node]string) {
	if n == nil {
		return
	}
	origins[n] = siteFile
	for _, c := range n.Content {
		markOrigin(c, siteFile, origins)
	}
}

// blockStyle turns flow style off in a subtree.
func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// note marks an overridden value with the place it came from, for render:
// after a scalar, above a list or mapping.
func note(key, val *yaml.Node, siteFile string) {
	where := fmt.Sprintf("from %s:%d", siteFile, key.Line)
	if val.Kind == yaml.ScalarNode {
		val.LineComment = where
	} else {
		key.HeadComment = where
	}
}
