package cucmsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"golang.org/x/crypto/ssh"
)

// ptyRequest is the payload of an SSH "pty-req" request (RFC 4254 6.2).
type ptyRequest struct {
	Term                 string
	Cols, Rows, Wpx, Hpx uint32
	Modes                string
}

// windowChange is the payload of a "window-change" request.
type windowChange struct {
	Cols, Rows, Wpx, Hpx uint32
}

// handleChannel serves one session channel: a PTY and a shell are the only
// things it grants; exec and subsystems are refused, as on CUCM.
func (n *node) handleChannel(ctx context.Context, conn net.Conn, ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	t := newTerm(ch)
	pty, shell := false, false
	for req := range reqs {
		ok := false
		switch req.Type {
		case "pty-req":
			var p ptyRequest
			if ssh.Unmarshal(req.Payload, &p) == nil {
				t.setRows(p.Rows)
				pty, ok = true, true
			}
		case "window-change":
			var w windowChange
			if ssh.Unmarshal(req.Payload, &w) == nil {
				t.setRows(w.Rows)
				ok = true
			}
		case "env":
			ok = true
		case "shell":
			ok = pty && !shell
			if ok {
				shell = true
				ok = n.cl.spawn(func() { n.runCLI(ctx, conn, ch, t) })
			}
		}
		if req.WantReply {
			req.Reply(ok, nil)
		}
	}
}

// session is one CLI session on a node.
type session struct {
	cl     *Cluster
	n      *node
	id     int
	ctx    context.Context // done when the connection or the cluster closes
	conn   net.Conn
	t      *term
	paging bool
	out    []string // output not yet written
}

// runCLI is the CLI: start-up banner, then prompt, command, output, until
// exit or the connection ends.
func (n *node) runCLI(ctx context.Context, conn net.Conn, ch ssh.Channel, t *term) {
	defer ch.Close()
	n.cl.mu.Lock()
	n.sessions++
	s := &session{cl: n.cl, n: n, id: n.sessions, ctx: ctx, conn: conn, t: t, paging: true}
	n.cl.mu.Unlock()
	if !s.startUp() {
		return
	}
	for {
		if t.write(n.cl.cfg.Admin.Username+":") != nil {
			return
		}
		line, err := t.readLine()
		if errors.Is(err, errInterrupt) {
			continue
		}
		if err != nil {
			return
		}
		if strings.TrimSpace(line) != "" && !s.run(line) {
			break
		}
	}
	ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{0}))
}

// startUp prints the start-up banner over the configured delay.
func (s *session) startUp() bool {
	if s.t.write("Command Line Interface is starting up, please wait ...\n") != nil {
		return false
	}
	if !sleep(s.ctx.Done(), s.cl.cfg.Latency.CLIStart) {
		return false
	}
	return s.t.write(welcome) == nil
}

// welcome is the block the CLI prints once it has started.
const welcome = `
   Welcome to the Platform Command Line Interface

VMware Installation:
	2 vCPU: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz
	Disk 1: 110GB, Partitions aligned
	8192 Mbytes RAM

`

// run executes one command line; it returns false when the session ends.
func (s *session) run(line string) bool {
	f := s.cl.fire(s.n, event{"cli", line})
	if f != nil && f.Action == FaultDrop {
		s.audit(line, outcome{result: ResultDropped, detail: "drop fault"})
		abort(s.conn)
		return false
	}
	if !sleep(s.ctx.Done(), s.cl.cfg.Latency.Command) {
		return false
	}
	res := s.dispatch(line, f != nil)
	if s.flush() != nil {
		return false
	}
	s.audit(line, res)
	return !res.exit
}

// dispatch finds and runs the command of a line.
func (s *session) dispatch(line string, fail bool) outcome {
	if text, ok := s.cl.response(s.n, line); ok {
		s.println(text)
		return outcome{result: ResultOK}
	}
	cmd, c, res := lookup(line)
	if cmd == nil {
		s.println(res.detail)
		return res
	}
	if fail && !cmd.ownFail {
		s.println("Executed command unsuccessfully")
		return outcome{result: ResultFailed, detail: "fail fault"}
	}
	c.fail = fail
	return cmd.run(s, c)
}

// outcome is how a command ended, for the audit log.
type outcome struct {
	result string
	detail string
	exit   bool // the session ends
}

// done is the outcome of a command that did its work.
func done() outcome { return outcome{result: ResultOK} }

// failure is a failed outcome whose detail is err.
func failure(err error) outcome {
	return outcome{result: ResultFailed, detail: err.Error()}
}

func (s *session) audit(line string, res outcome) {
	s.cl.record(AuditEntry{
		Node: s.n.name, Channel: ChannelCLI, Session: s.id,
		Command: strings.Join(strings.Fields(line), " "),
		Result:  res.result, Detail: res.detail,
	})
}

// println queues output lines; a line may hold several.
func (s *session) println(lines ...string) {
	for _, l := range lines {
		s.out = append(s.out, strings.Split(strings.TrimSuffix(l, "\n"), "\n")...)
	}
}

func (s *session) printf(format string, args ...any) {
	s.println(fmt.Sprintf(format, args...))
}

// flush writes the queued output through the pager.
func (s *session) flush() error {
	lines := s.out
	s.out = nil
	return s.t.page(lines, s.paging)
}

// ask writes a question and reads the answer.
func (s *session) ask(question string) (string, error) {
	if err := s.flush(); err != nil {
		return "", err
	}
	if err := s.t.write(question); err != nil {
		return "", err
	}
	answer, err := s.t.readLine()
	return strings.TrimSpace(answer), err
}

// confirm asks a yes/no question until it gets an answer it knows: "yes"
// or "no" for "(yes|no)?" questions, also "y" or "n" for "(y/n):" ones.
func (s *session) confirm(question string) (bool, error) {
	short := strings.Contains(question, "(y/n)")
	for {
		a, err := s.ask(question)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(a) {
		case "yes":
			return true, nil
		case "no":
			return false, nil
		case "y":
			if short {
				return true, nil
			}
		case "n":
			if short {
				return false, nil
			}
		}
	}
}
