package cli

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/ucops/runbook/steps/cucm/parse"
)

// Answer is the reply to a question a command is expected to ask.
type Answer struct {
	// Question is a piece of the question's text, matched without regard
	// to case, such as "Proceed with regeneration".
	Question string
	// Reply is typed after it, followed by Enter.
	Reply string
}

// Paste returns the reply to "Paste the Certificate and Hit Enter": the
// PEM text line by line, then an empty line that ends the paste.
func Paste(pemText string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(pemText), "\n") {
		b.WriteString(strings.TrimSpace(l))
		b.WriteByte('\n')
	}
	return b.String()
}

// Run types cmd, answers the questions it asks with answers (each at most
// once), and returns what it printed up to the next prompt, cleaned of
// escape codes, without the echoed command and the prompt.
//
// A question no answer matches is answered "no" and reported as
// *QuestionError once the command ends. A session that ends is reported as
// *DroppedError. When ctx ends first the session is closed, since the
// command's outcome is unknown, and Run returns what was printed so far.
func (s *Session) Run(ctx context.Context, cmd string, answers ...Answer) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.out.ended(); err != nil {
		return "", &DroppedError{Node: s.cfg.Node, Command: cmd, Err: err}
	}
	if s.closed.Load() {
		return "", &DroppedError{Node: s.cfg.Node, Command: cmd, Err: errClosed}
	}
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()

	r := &run{s: s, cmd: cmd, start: s.out.mark(), answers: answers,
		used: make([]bool, len(answers))}
	if err := r.send(cmd); err != nil {
		return "", err
	}
	return r.wait(ctx)
}

// run is one command in progress.
type run struct {
	s       *Session
	cmd     string
	start   int // output position where the command began
	answers []Answer
	used    []bool
	pos     int // cleaned text already answered
	asked   *QuestionError
	sent    bool
	noEcho  bool // the prompt came back without the command's echo
}

func (r *run) send(text string) error {
	if _, err := io.WriteString(r.s.stdin, text+"\n"); err != nil {
		return &DroppedError{Node: r.s.cfg.Node, Command: r.cmd, Sent: r.sent, Err: err}
	}
	r.sent = true
	return nil
}

// wait reads until the prompt, answering questions on the way.
func (r *run) wait(ctx context.Context) (string, error) {
	for {
		text := parse.Clean(r.s.out.since(r.start))
		out, done, quiet := r.finished(text)
		if done {
			return r.result(out)
		}
		replied, err := r.reply(text)
		if err != nil {
			return "", err
		}
		if replied {
			continue
		}
		if quiet == 0 && r.looksAsked(text) {
			quiet = r.s.cfg.quiet()
		}
		switch r.s.out.wait(ctx, quiet) {
		case gotEnd:
			return r.dropped(ctx, text)
		case gotCancel:
			return r.partial(text), fmt.Errorf("%q on %s: %w", r.cmd, r.s.cfg.Node, context.Cause(ctx))
		case gotTimeout:
			if err := r.timedOut(text); err != nil {
				return "", err
			}
		}
	}
}

// finished reports whether text ends with the prompt after the echoed
// command, and returns the output between them. With the prompt but no
// echo it asks for a quiet period first (for a CLI that does not echo).
func (r *run) finished(text string) (string, bool, time.Duration) {
	tail := lastLine(text)
	if strings.TrimSpace(tail) != r.s.prompt {
		return "", false, 0
	}
	body := text[:len(text)-len(tail)]
	if r.noEcho {
		return strings.Trim(body, "\n"), true, 0
	}
	i := strings.Index(body, r.cmd)
	if i < 0 {
		return "", false, r.s.cfg.quiet()
	}
	body = body[i+len(r.cmd):]
	if nl := strings.IndexByte(body, '\n'); nl >= 0 {
		body = body[nl+1:]
	}
	return strings.TrimRight(body, "\n"), true, 0
}

// partial returns what the command printed so far, without its echo.
func (r *run) partial(text string) string {
	if i := strings.Index(text, r.cmd); i >= 0 && !r.noEcho {
		text = text[i+len(r.cmd):]
		if nl := strings.IndexByte(text, '\n'); nl >= 0 {
			text = text[nl+1:]
		}
	}
	return strings.TrimRight(text, "\n")
}

func (r *run) result(out string) (string, error) {
	if r.asked != nil {
		r.asked.Output = out
		return out, r.asked
	}
	return out, nil
}

// reply answers an expected question or a pager found in text since the
// last reply.
func (r *run) reply(text string) (bool, error) {
	fresh := strings.ToLower(text[min(r.pos, len(text)):])
	for i, a := range r.answers {
		if r.used[i] || !strings.Contains(fresh, strings.ToLower(a.Question)) {
			continue
		}
		r.used[i], r.pos = true, len(text)
		return true, r.send(a.Reply)
	}
	if pager.MatchString(lastLine(fresh)) {
		r.pos = len(text)
		_, err := io.WriteString(r.s.stdin, " ")
		return true, err
	}
	return false, nil
}

var (
	pager    = regexp.MustCompile(`(?i)(--\s*more\s*--|press\s+<?enter>?\s+for\s+1\s+line)`)
	question = regexp.MustCompile(`(?i)(?:\(\s*(?:yes\s*\|\s*no|y\s*/\s*n|yes\s*/\s*no)\s*\)|` +
		`\[y/n\]|\?|continue|hit\s+enter)\s*:?\s*$`)
	yesNo = regexp.MustCompile(`(?i)y\s*/\s*n|\[y/n\]`)
)

// looksAsked reports whether the last line printed since the last reply
// reads as a question.
func (r *run) looksAsked(text string) bool {
	return r.question(text) != ""
}

func (r *run) question(text string) string {
	fresh := strings.TrimRight(text[min(r.pos, len(text)):], " \n")
	if fresh == "" {
		return ""
	}
	line := strings.TrimSpace(lastLine(fresh))
	if question.MatchString(line) && !parse.IsPrompt(line) {
		return line
	}
	return ""
}

// timedOut handles output that went quiet: at a question no answer
// matched, the driver answers no; at a prompt without the echo, the
// command is done (finished sees it on the next pass).
func (r *run) timedOut(text string) error {
	q := r.question(text)
	if q == "" {
		if strings.TrimSpace(lastLine(text)) == r.s.prompt {
			r.noEcho = true
		}
		return nil
	}
	r.asked = &QuestionError{Node: r.s.cfg.Node, Command: r.cmd, Question: q}
	r.pos = len(text)
	if yesNo.MatchString(q) {
		return r.send("n")
	}
	return r.send("no")
}

func (r *run) dropped(ctx context.Context, text string) (string, error) {
	if ctx.Err() != nil {
		return "", fmt.Errorf("%q on %s: %w", r.cmd, r.s.cfg.Node, context.Cause(ctx))
	}
	return "", &DroppedError{Node: r.s.cfg.Node, Command: r.cmd, Sent: true,
		Output: text, Err: r.s.out.ended()}
}
