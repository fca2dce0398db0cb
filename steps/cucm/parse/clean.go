package parse

import (
	"fmt"
	"regexp"
	"strings"
)

// ansi matches CSI sequences, OSC sequences and two-byte escapes.
var ansi = regexp.MustCompile(
	`\x1b(?:\[[0-9;?<=>]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])`)

// Clean returns s with ANSI escape sequences removed, backspaces applied,
// CRLF turned into LF and, on a line rewritten in place with a bare CR,
// only the text written last.
func Clean(s string) string {
	s = ansi.ReplaceAllString(s, "")
	s = applyBackspaces(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.Contains(s, "\r") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimRight(l, "\r")
		if j := strings.LastIndexByte(l, '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

func applyBackspaces(s string) string {
	if !strings.Contains(s, "\b") {
		return s
	}
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\b' {
			if n := len(out); n > 0 && out[n-1] != '\n' {
				out = out[:n-1]
			}
			continue
		}
		out = append(out, r)
	}
	return string(out)
}

// Lines returns the cleaned lines of s with trailing white space removed.
func Lines(s string) []string {
	lines := strings.Split(Clean(s), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return lines
}

// promptLine matches a CLI prompt on a line of its own: a user name and a
// colon, as in "admin:" or "ucadmin:".
var promptLine = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.@-]*:$`)

// IsPrompt reports whether line, once cleaned and trimmed, looks like a CLI
// prompt.
func IsPrompt(line string) bool {
	return promptLine.MatchString(strings.TrimSpace(Clean(line)))
}

// CLIError is a failure the CLI reported in its output.
type CLIError struct {
	// Line is the line that says the command failed.
	Line string
	// Detail is the first non-empty line after it, if any.
	Detail string
}

// Error quotes the CLI.
func (e *CLIError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("the CLI said %q", e.Line)
	}
	return fmt.Sprintf("the CLI said %q (%s)", e.Line, e.Detail)
}

var failureLines = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^executed command unsuccessfully`),
	regexp.MustCompile(`(?i)^invalid\b`),
	regexp.MustCompile(`^\d{3}:\s`), // an Informix error of run sql
	regexp.MustCompile(`(?i)\bcan be executed only on\b`),
	regexp.MustCompile(`(?i)^incomplete command`),
	regexp.MustCompile(`(?i)^syntax error`),
	regexp.MustCompile(`(?i)^command failed`),
	regexp.MustCompile(`(?i)^error(\s*:|\s+\w)`),
}

// Failure returns a *CLIError when out holds a line by which the CLI says a
// command failed, and nil otherwise.
func Failure(out string) error {
	lines := Lines(out)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		for _, re := range failureLines {
			if re.MatchString(t) {
				return &CLIError{Line: t, Detail: detail(lines, i, re == failureLines[0])}
			}
		}
	}
	return nil
}

// detail returns the line that explains failure line i: the next text
// line or, when there is none and the failure line is the generic one,
// the line before, as in "The cluster is in non-secure mode ..." followed
// by "Executed command unsuccessfully".
func detail(lines []string, i int, generic bool) string {
	if d := nextText(lines[i+1:]); d != "" || !generic {
		return d
	}
	for j := i - 1; j >= 0; j-- {
		if t := strings.TrimSpace(lines[j]); t != "" && !IsPrompt(t) && !isEcho(t) {
			return t
		}
	}
	return ""
}

func nextText(lines []string) string {
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !IsPrompt(t) {
			return t
		}
	}
	return ""
}

// unreadable is the error for output a parser does not understand; it
// quotes the start of the output so the operator sees what came back.
func unreadable(what, out string) error {
	var kept []string
	for _, l := range Lines(out) {
		if t := strings.TrimSpace(l); t != "" {
			kept = append(kept, t)
		}
		if len(kept) == 3 {
			break
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("no %s in the output (it was empty)", what)
	}
	return fmt.Errorf("no %s in the output, which began %q", what, strings.Join(kept, " | "))
}
