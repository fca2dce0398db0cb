package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps/cucm/parse"
)

// Session is one logged-in CLI shell on one node. Its methods are safe for
// concurrent use; commands run one at a time.
type Session struct {
	cfg    Config
	client *ssh.Client
	shell  *ssh.Session
	stdin  io.Writer
	out    *output

	prompt string
	banner string

	mu        sync.Mutex // held while a command runs
	closeOnce sync.Once
	closed    atomic.Bool
}

// Prompt returns the prompt the CLI prints, such as "admin:".
func (s *Session) Prompt() string { return s.prompt }

// Banner returns what the CLI printed before its first prompt.
func (s *Session) Banner() string { return s.banner }

// Node returns the node name the session was opened for.
func (s *Session) Node() string { return s.cfg.Node }

// Close ends the session. It is safe to call more than once.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.shell.Close()
		s.client.Close()
	})
	return nil
}

// Alive reports whether the session is still open.
func (s *Session) Alive() bool { return !s.closed.Load() && s.out.ended() == nil }

// start opens the PTY and shell and waits for the first prompt.
func start(ctx context.Context, cfg *Config, client *ssh.Client) (*Session, error) {
	shell, err := client.NewSession()
	if err != nil {
		return nil, fmt.Errorf("open a session on %s: %w", cfg.Node, err)
	}
	s := &Session{cfg: *cfg, client: client, shell: shell, out: newOutput()}
	if err := s.openShell(); err != nil {
		s.Close()
		return nil, fmt.Errorf("open a shell on %s: %w", cfg.Node, err)
	}
	if err := s.waitPrompt(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if every := cmpDuration(cfg.KeepAlive, 30*time.Second); cfg.KeepAlive >= 0 {
		go s.keepAlive(every)
	}
	return s, nil
}

// openShell requests a wide PTY (so that lines do not wrap) and a shell.
func (s *Session) openShell() error {
	modes := ssh.TerminalModes{ssh.ECHO: 1, ssh.TTY_OP_ISPEED: 38400, ssh.TTY_OP_OSPEED: 38400}
	if err := s.shell.RequestPty("vt100", 48, 512, modes); err != nil {
		return err
	}
	stdin, err := s.shell.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := s.shell.StdoutPipe()
	if err != nil {
		return err
	}
	s.stdin = stdin
	if err := s.shell.Shell(); err != nil {
		return err
	}
	go s.out.pump(stdout)
	return nil
}

// waitPrompt waits for the first prompt: the user name and a colon at
// once, or any "name:" at the end of the output once it has gone quiet.
func (s *Session) waitPrompt(ctx context.Context) error {
	limit := s.cfg.startTimeout()
	ctx, cancel := context.WithTimeoutCause(ctx, limit, errStartTimeout)
	defer cancel()
	for {
		text := parse.Clean(s.out.since(0))
		tail := strings.TrimSpace(lastLine(text))
		var d time.Duration
		switch {
		case tail == s.cfg.User+":":
			return s.started(text, tail)
		case parse.IsPrompt(tail):
			d = 500 * time.Millisecond
		}
		switch s.out.wait(ctx, d) {
		case gotTimeout:
			return s.started(text, tail)
		case gotEnd:
			return &DroppedError{Node: s.cfg.Node, Err: fmt.Errorf("during start-up: %w", s.out.ended())}
		case gotCancel:
			return s.startFailed(ctx, limit, text)
		}
	}
}

var errStartTimeout = errors.New("start-up timeout")

func (s *Session) started(text, prompt string) error {
	s.prompt = prompt
	s.banner = strings.TrimSpace(strings.TrimSuffix(strings.TrimRight(text, " "), prompt))
	return nil
}

func (s *Session) startFailed(ctx context.Context, limit time.Duration, text string) error {
	if context.Cause(ctx) != errStartTimeout {
		return fmt.Errorf("wait for the CLI prompt on %s: %w", s.cfg.Node, context.Cause(ctx))
	}
	text = strings.TrimSpace(text)
	if len(text) > 300 {
		text = "..." + text[len(text)-300:]
	}
	return &StartError{Node: s.cfg.Node, Waited: limit.String(), Output: text}
}

func lastLine(text string) string {
	return text[strings.LastIndexByte(text, '\n')+1:]
}

// keepAlive pings the server between commands and closes the session when
// it stops answering, so that the next command reports a drop at once.
func (s *Session) keepAlive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.out.done:
			return
		case <-t.C:
		}
		if !s.ping(every) {
			s.Close()
			return
		}
	}
}

func (s *Session) ping(limit time.Duration) bool {
	answered := make(chan error, 1)
	go func() {
		_, _, err := s.client.SendRequest("keepalive@openssh.com", true, nil)
		answered <- err
	}()
	select {
	case err := <-answered:
		return err == nil
	case <-time.After(limit):
		return false
	}
}
