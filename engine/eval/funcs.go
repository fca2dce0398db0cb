package eval

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/expr-lang/expr"
)

// FunctionNames lists the helpers every expression may call, beyond
// expr-lang's built-ins (lower, upper, join, split, len, filter, map, ...).
func FunctionNames() []string {
	return []string{
		"version_compare", "version_at_least", "version_before", "version_between",
		"has_prefix", "has_suffix", "days_until",
	}
}

func functions() []expr.Option {
	return []expr.Option{
		expr.Function("version_compare", func(p ...any) (any, error) {
			return CompareVersions(p[0].(string), p[1].(string)), nil
		}, new(func(string, string) int)),
		expr.Function("version_at_least", func(p ...any) (any, error) {
			return CompareVersions(p[0].(string), p[1].(string)) >= 0, nil
		}, new(func(string, string) bool)),
		expr.Function("version_before", func(p ...any) (any, error) {
			return CompareVersions(p[0].(string), p[1].(string)) < 0, nil
		}, new(func(string, string) bool)),
		expr.Function("version_between", func(p ...any) (any, error) {
			v := p[0].(string)
			return CompareVersions(v, p[1].(string)) >= 0 && CompareVersions(v, p[2].(string)) < 0, nil
		}, new(func(string, string, string) bool)),
		expr.Function("has_prefix", func(p ...any) (any, error) {
			return strings.HasPrefix(p[0].(string), p[1].(string)), nil
		}, new(func(string, string) bool)),
		expr.Function("has_suffix", func(p ...any) (any, error) {
			return strings.HasSuffix(p[0].(string), p[1].(string)), nil
		}, new(func(string, string) bool)),
		expr.Function("days_until", daysUntil, new(func(string) float64)),
	}
}

// daysUntil returns the days from now until an RFC 3339 time, negative when
// it has passed.
func daysUntil(p ...any) (any, error) {
	t, err := time.Parse(time.RFC3339, p[0].(string))
	if err != nil {
		return nil, fmt.Errorf("days_until: %q is not an RFC 3339 time", p[0])
	}
	return time.Until(t).Hours() / 24, nil
}

// CompareVersions compares two release strings such as 14.0.1.12900-161 or
// 10.5.2, component by component and numerically; missing components count
// as zero, so 10.5.2 sorts before 10.5.2.10000-5 and after 10.5.1.
// Non-numeric components compare as text. It returns -1, 0 or +1.
func CompareVersions(a, b string) int {
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < max(len(pa), len(pb)); i++ {
		x, y := part(pa, i), part(pb, i)
		if c := comparePart(x, y); c != 0 {
			return c
		}
	}
	return 0
}

func versionParts(v string) []string {
	v = strings.TrimSpace(strings.TrimPrefix(strings.ToLower(v), "v"))
	return strings.FieldsFunc(v, func(r rune) bool { return r == '.' || r == '-' || r == '_' })
}

func part(parts []string, i int) string {
	if i < len(parts) {
		return parts[i]
	}
	return "0"
}

func comparePart(x, y string) int {
	nx, ex := strconv.ParseUint(x, 10, 64)
	ny, ey := strconv.ParseUint(y, 10, 64)
	switch {
	case ex == nil && ey == nil:
		return cmpOrdered(nx, ny)
	case ex == nil:
		return 1 // a number sorts after text such as "su1"
	case ey == nil:
		return -1
	}
	return strings.Compare(x, y)
}

func cmpOrdered[T uint64 | int](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
