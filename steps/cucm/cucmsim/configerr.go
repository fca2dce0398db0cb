package cucmsim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// ConfigError is one problem in a simulator config. Line and Column are
// 1-based and zero when the config was built in Go.
type ConfigError struct {
	File         string
	Line, Column int
	Msg          string
}

// Error renders the problem compiler style: "sim.yaml:9:7: message".
func (e *ConfigError) Error() string {
	file := e.File
	if file == "" {
		file = "config"
	}
	if e.Line == 0 {
		return file + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d:%d: %s", file, e.Line, e.Column, e.Msg)
}

// ConfigErrors is every problem found in one config, sorted by position.
type ConfigErrors []*ConfigError

// Error renders one problem per line.
func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// sorted orders the problems by position, then text.
func (es ConfigErrors) sorted() ConfigErrors {
	slices.SortStableFunc(es, func(a, b *ConfigError) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column), cmp.Compare(a.Msg, b.Msg))
	})
	return es
}

// position is where a value was read from.
type position struct {
	line, col int
}

// problems collects config errors against the positions of one config.
type problems struct {
	file string
	pos  map[string]position
	bad  map[string]bool // paths that failed to decode: no further problems
	errs ConfigErrors
}

// at records a problem at the value found under path (a key such as
// "nodes[1].address"), unless that value already failed to decode.
// Without a recorded position the problem has none.
func (p *problems) at(path, format string, args ...any) {
	for q := path; ; q = parent(q) {
		if p.bad[q] {
			return
		}
		if q == "" {
			break
		}
	}
	p.add(path, fmt.Sprintf(format, args...))
}

// add records a problem at path unconditionally. A value that is missing
// has no position of its own: the problem points at the closest enclosing
// value that has one.
func (p *problems) add(path, msg string) {
	pos, ok := p.pos[path]
	for q := path; !ok && q != ""; {
		q = parent(q)
		pos, ok = p.pos[q]
	}
	p.errs = append(p.errs, &ConfigError{
		File: p.file, Line: pos.line, Column: pos.col, Msg: msg,
	})
}

// err returns the sorted problems, or nil when there are none.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	return p.errs.sorted()
}

// parent strips the last key or index of a path: "nodes[1].address" ->
// "nodes[1]" -> "nodes" -> "".
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// suggest returns ` (did you mean "x"?)` for the closest candidate, or ""
// when nothing is close.
func suggest(got string, candidates []string) string {
	best, bestDist := "", max(1, len(got)/3)+1
	for _, c := range candidates {
		d := distance(strings.ToLower(got), strings.ToLower(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
