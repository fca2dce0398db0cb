package engine

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// redacted replaces secrets wherever they would be written.
const redacted = "[redacted]"

// Redactor replaces secret values by [redacted] in everything the engine
// writes or reports: journal, state, report, events. It works on values,
// never on serialized bytes, so it cannot break the files' structure.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
}

// Add registers a secret value.
// The quoted and escaped forms are registered too, since messages often
// quote what they print (Go's %q, JSON, shell quoting).
func (r *Redactor) Add(secret string) {
	if secret == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, form := range secretForms(secret) {
		if !slices.Contains(r.secrets, form) {
			r.secrets = append(r.secrets, form)
		}
	}
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
}

// secretForms returns a secret as written and as it appears once escaped.
func secretForms(secret string) []string {
	forms := []string{secret}
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	q := strconv.Quote(secret)
	add(q[1 : len(q)-1])
	if b, err := json.Marshal(secret); err == nil {
		add(string(b[1 : len(b)-1]))
	}
	add(strings.ReplaceAll(secret, `'`, `'\''`))
	return forms
}

// String returns s with every secret replaced.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, secret := range r.secrets {
		if !strings.Contains(s, secret) {
			continue
		}
		if len(secret) >= shortSecret {
			s = strings.ReplaceAll(s, secret, redacted)
			continue
		}
		s = replaceWords(s, secret)
	}
	return s
}

// shortSecret is the length under which a secret is replaced only where it
// stands as a word of its own: a one-letter password must not turn "fix"
// into "fi[redacted]", yet "password x" still hides it.
const shortSecret = 6

// replaceWords replaces secret where no letter or digit touches it.
func replaceWords(s, secret string) string {
	var b strings.Builder
	last := byte(' ') // the byte written last, as if the text began after a space
	for {
		i := strings.Index(s, secret)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		if i > 0 {
			last = s[i-1]
		}
		end := i + len(secret)
		b.WriteString(s[:i])
		if !isWordByte(last) && (end == len(s) || !isWordByte(s[end])) {
			b.WriteString(redacted)
		} else {
			b.WriteString(secret)
		}
		last, s = secret[len(secret)-1], s[end:]
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Value returns a copy of plain data (maps, slices, strings, numbers) with
// every string redacted, keys included.
func (r *Redactor) Value(v any) any {
	switch v := v.(type) {
	case string:
		return r.String(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[r.String(k)] = r.Value(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = r.Value(x)
		}
		return out
	case map[string]string:
		out := make(map[string]string, len(v))
		for k, x := range v {
			out[r.String(k)] = r.String(x)
		}
		return out
	case []string:
		out := make([]string, len(v))
		for i, x := range v {
			out[i] = r.String(x)
		}
		return out
	}
	return v
}
