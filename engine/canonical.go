package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
)

// Canonical returns the canonical form of a YAML document: its values as
// JSON with sorted keys. Comments, quoting, formatting and key order do
// not change it; any change of a value does.
func Canonical(n *yaml.Node) []byte {
	var errs decode.Errors
	v := decode.Value(decode.New("", &errs), n)
	b, err := json.Marshal(v)
	if err != nil {
		// Values decoded from YAML are always representable; NaN is the
		// exception, and it is written as text instead.
		b, _ = json.Marshal(map[string]any{"unrepresentable": err.Error()})
	}
	return b
}

// Digest is the sha256 of the canonical form, written sha256:HEX.
func Digest(n *yaml.Node) string {
	sum := sha256.Sum256(Canonical(n))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// StepDigests returns the digest of every step (and finally step) of a
// runbook document, by id, and of every other top-level section (facts,
// guards, params, ...) as "section <name>", so that a resume can say what
// changed.
func StepDigests(doc *yaml.Node) map[string]string {
	out := map[string]string{}
	for id, n := range stepNodes(doc) {
		out[id] = Digest(n)
	}
	root := decode.Resolve(doc)
	if root == nil || root.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key := root.Content[i].Value
		if key != "steps" && key != "finally" {
			out[sectionPrefix+key] = Digest(root.Content[i+1])
		}
	}
	return out
}

// sectionPrefix marks the digests of sections that are not steps.
const sectionPrefix = "section "
