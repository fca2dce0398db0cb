package cucmsim

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// LoadConfig reads a simulator config file and checks it; see ParseConfig.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseConfig(path, data)
}

// ParseConfig decodes and checks a simulator config; name is the file name
// used in error positions. Unknown keys are errors. On failure the error is
// a ConfigErrors listing every problem, sorted, compiler style.
func ParseConfig(name string, data []byte) (*Config, error) {
	d := &decoder{problems: problems{file: name, pos: map[string]position{}}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, d.syntax(err)
	}
	if len(doc.Content) == 0 {
		d.at("", "empty config: want release, domain, admin and nodes")
		return nil, d.err()
	}
	cfg := &Config{PhonesTrustTVS: true, file: name, pos: d.pos}
	d.pos[""] = position{doc.Content[0].Line, doc.Content[0].Column}
	d.config(doc.Content[0], cfg)
	cfg.check(&d.problems)
	if err := d.err(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// decoder turns yaml nodes into a Config, recording value positions and
// collecting problems rather than stopping at the first.
type decoder struct {
	problems
}

// field is one known key of a mapping and how to decode its value.
type field struct {
	key    string
	decode func(path string, n *yaml.Node)
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns a yaml syntax error into a positioned ConfigError.
func (d *decoder) syntax(err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.pos["yaml"] = position{line, 1}
		msg = m[2]
	}
	d.at("yaml", "%s", strings.TrimPrefix(msg, "yaml: "))
	return d.err()
}

// fail records a decoding problem at n and marks path as bad.
func (d *decoder) fail(path string, n *yaml.Node, format string, args ...any) {
	d.pos[path] = position{n.Line, n.Column}
	d.add(path, prefixed(path, fmt.Sprintf(format, args...)))
	if d.bad == nil {
		d.bad = map[string]bool{}
	}
	d.bad[path] = true
}

// prefixed puts the path in front of a message, when there is one.
func prefixed(path, msg string) string {
	if path == "" {
		return msg
	}
	return path + ": " + msg
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// mapping decodes a mapping by its known fields; unknown and repeated keys
// are problems.
func (d *decoder) mapping(path string, n *yaml.Node, fields []field) {
	if n.Kind != yaml.MappingNode {
		d.fail(path, n, "want a mapping, got %s", describe(n))
		return
	}
	known := make([]string, len(fields))
	for i, f := range fields {
		known[i] = f.key
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		idx := indexOf(known, k.Value)
		switch {
		case idx < 0:
			d.fail(p, k, "unknown key %q%s", k.Value, suggest(k.Value, known))
		case seen[k.Value]:
			d.fail(p, k, "key %q repeated", k.Value)
		default:
			seen[k.Value] = true
			d.pos[p] = position{v.Line, v.Column}
			fields[idx].decode(p, v)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// sequence calls item for every element of a sequence.
func (d *decoder) sequence(path string, n *yaml.Node, item func(string, *yaml.Node)) {
	if n.Kind != yaml.SequenceNode {
		d.fail(path, n, "want a list, got %s", describe(n))
		return
	}
	for i, c := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.pos[p] = position{c.Line, c.Column}
		item(p, c)
	}
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

// scalar returns the text of a scalar node, or false after a problem.
func (d *decoder) scalar(path string, n *yaml.Node) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.fail(path, n, "want a single value, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) str(dst *string) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		if v, ok := d.scalar(path, n); ok {
			*dst = v
		}
	}
}

func (d *decoder) integer(dst *int) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		v, ok := d.scalar(path, n)
		if !ok {
			return
		}
		i, err := strconv.Atoi(v)
		if err != nil {
			d.fail(path, n, "want a whole number, got %q", v)
			return
		}
		*dst = i
	}
}

func (d *decoder) optInt(dst **int) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		var i int
		d.integer(&i)(path, n)
		*dst = &i
	}
}

func (d *decoder) boolean(dst *bool) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		v, ok := d.scalar(path, n)
		if !ok {
			return
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			d.fail(path, n, "want true or false, got %q", v)
			return
		}
		*dst = b
	}
}

func (d *decoder) duration(dst *time.Duration) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		v, ok := d.scalar(path, n)
		if !ok {
			return
		}
		if v == "0" {
			*dst = 0
			return
		}
		t, err := time.ParseDuration(v)
		if err != nil || t < 0 {
			d.fail(path, n, "want a duration such as 1s or 500ms, got %q", v)
			return
		}
		*dst = t
	}
}

func (d *decoder) enabled(dst *bool) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		v, ok := d.scalar(path, n)
		if !ok {
			return
		}
		switch strings.ToLower(v) {
		case "enabled", "true":
			*dst = true
		case "disabled", "false":
			*dst = false
		default:
			d.fail(path, n, `want "enabled" or "disabled", got %q`, v)
		}
	}
}

// times reads a fault's times: a number, or "always" (-1).
func (d *decoder) times(dst *int) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.EqualFold(n.Value, "always") {
			*dst = -1
			return
		}
		d.integer(dst)(path, n)
	}
}

func (d *decoder) strings(dst *[]string) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		d.sequence(path, n, func(p string, c *yaml.Node) {
			if v, ok := d.scalar(p, c); ok {
				*dst = append(*dst, v)
			}
		})
	}
}

// stringMap reads a mapping of names to single values, keeping key
// positions under path[key].
func (d *decoder) stringMap(dst *map[string]string) func(string, *yaml.Node) {
	return func(path string, n *yaml.Node) {
		if n.Kind != yaml.MappingNode {
			d.fail(path, n, "want a mapping, got %s", describe(n))
			return
		}
		*dst = map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := fmt.Sprintf("%s[%s]", path, k.Value)
			d.pos[p] = position{k.Line, k.Column}
			if s, ok := d.scalar(p, v); ok {
				(*dst)[k.Value] = s
			}
		}
	}
}
