package eval

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Part is a piece of a template string: literal text, or an expression
// written as ${ expr }.
type Part struct {
	Text string
	// IsExpr tells an expression from literal text.
	IsExpr bool
	// Expr is the expression's source.
	Expr string
	// Offset counts runes from the start of the template to Expr.
	Offset int
}

// SplitTemplate splits s into literal text and ${ expr } parts. $${ writes
// a literal ${.
func SplitTemplate(s string) ([]Part, *Problem) {
	var parts []Part
	var text strings.Builder
	r := []rune(s)
	for i := 0; i < len(r); i++ {
		switch {
		case r[i] == '$' && i+2 < len(r) && r[i+1] == '$' && r[i+2] == '{':
			text.WriteString("${")
			i += 2
		case r[i] == '$' && i+1 < len(r) && r[i+1] == '{':
			end := closingBrace(r, i+2)
			if end < 0 {
				return nil, &Problem{Offset: i, Msg: `"${" is not closed by "}"`}
			}
			if text.Len() > 0 {
				parts = append(parts, Part{Text: text.String()})
				text.Reset()
			}
			parts = append(parts, Part{IsExpr: true, Expr: string(r[i+2 : end]), Offset: i + 2})
			i = end
		default:
			text.WriteRune(r[i])
		}
	}
	if text.Len() > 0 {
		parts = append(parts, Part{Text: text.String()})
	}
	return parts, nil
}

// closingBrace finds the } that ends an expression starting at i, skipping
// braces inside nested maps and string literals.
func closingBrace(r []rune, i int) int {
	depth := 0
	var quote rune
	for ; i < len(r); i++ {
		c := r[i]
		switch {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '{':
			depth++
		case c == '}' && depth == 0:
			return i
		case c == '}':
			depth--
		}
	}
	return -1
}

// Template is a compiled template string.
type Template struct {
	parts []Part
	progs []*Program
}

// CompileTemplate compiles every ${ expr } in s for scope. Problem offsets
// count from the start of s.
func CompileTemplate(s string, scope *Scope) (*Template, []Problem) {
	parts, p := SplitTemplate(s)
	if p != nil {
		return nil, []Problem{*p}
	}
	t := &Template{parts: parts, progs: make([]*Program, len(parts))}
	var problems []Problem
	for i, part := range parts {
		if !part.IsExpr {
			continue
		}
		prog, ps := Compile(part.Expr, scope, Any)
		for _, q := range ps {
			q.Offset += part.Offset
			problems = append(problems, q)
		}
		t.progs[i] = prog
	}
	if len(problems) > 0 {
		return nil, problems
	}
	return t, nil
}

// Whole returns the program when the template is exactly one expression,
// whose value is then used as it is rather than turned into text.
func (t *Template) Whole() *Program {
	if len(t.parts) == 1 && t.progs[0] != nil {
		return t.progs[0]
	}
	return nil
}

// Programs returns the template's compiled expressions.
func (t *Template) Programs() []*Program {
	var out []*Program
	for _, p := range t.progs {
		if p != nil {
			out = append(out, p)
		}
	}
	return out
}

// Render evaluates the template. A template that is one expression gives
// that expression's value; otherwise the parts are joined as text.
func (t *Template) Render(env *Env) (any, error) {
	if p := t.Whole(); p != nil {
		return p.Run(env)
	}
	var b strings.Builder
	for i, part := range t.parts {
		if t.progs[i] == nil {
			b.WriteString(part.Text)
			continue
		}
		v, err := t.progs[i].Run(env)
		if err != nil {
			return nil, err
		}
		b.WriteString(Text(v))
	}
	return b.String(), nil
}

// Text renders a value inside a string: text as it is, nothing for nil,
// lists and maps as JSON.
func Text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case fmt.Stringer:
		return v.String()
	case []any, map[string]any:
		b, err := json.Marshal(v)
		if err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v)
}
