// Package sshexec implements ssh.exec: one command on an ordinary SSH
// host (an exec channel, as OpenSSH serves), with the host key verified
// against the site's known_hosts and a key or password from a site
// credential. Exit code, stdout and stderr are outputs; a non-zero exit
// fails the step unless allowed. Connections are kept in the run's pool
// and reused.
//
// CUCM's CLI has no exec channel; its PTY driver is steps/cucm, which can
// share this package's host key policy (HostKeys). Local commands are
// steps/exec's; ssh.exec captures output with its Capture.
package sshexec

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/exec"
)

// Input is the `with` block of ssh.exec.
type Input struct {
	Host           string        `yaml:"host" doc:"host to connect to; default the target node's address"`
	Port           int           `yaml:"port" doc:"SSH port; default the node's ssh port, else 22"`
	Credential     string        `yaml:"credential" required:"true" doc:"name of the site credential: user name and password or private key"`
	Command        string        `yaml:"command" required:"true" doc:"the command line, run by the remote user's shell"`
	Stdin          string        `yaml:"stdin" doc:"text fed to the command's standard input"`
	Timeout        time.Duration `yaml:"timeout" default:"5m" doc:"how long the command may run before it is killed"`
	AllowExitCodes []int         `yaml:"allow_exit_codes" doc:"exit codes besides 0 that count as success"`
	MaxOutput      int           `yaml:"max_output" default:"1048576" doc:"bytes kept of stdout and of stderr each"`
	Mutates        *bool         `yaml:"mutates" doc:"false marks a read-only command, which plan may run; default true"`
	Unless         string        `yaml:"unless" doc:"a read-only remote command whose exit code 0 means the effect is already in place"`
}

// Result is what ssh.exec outputs.
type Result struct {
	exec.Result
	Address string `json:"address" doc:"host:port connected to"`
	User    string `json:"user" doc:"the user logged in as"`
}

// Actions returns the ssh family's actions.
func Actions() []steps.Action {
	return []steps.Action{steps.Func[Input, Result]{
		Name:       "ssh.exec",
		Doc:        "Run a command on an SSH host and capture its exit code and output.",
		Mutates:    true,
		Run:        run,
		Check:      check,
		MutatesFor: mutates,
	}.Action()}
}

// mutates reports whether the command changes anything: true
// unless the runbook wrote `mutates: false`.
func mutates(in *Input) bool {
	return in.Mutates == nil || *in.Mutates
}

var errTimeout = errors.New("timed out")

func run(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	t, err := resolve(rt, in)
	if err != nil {
		return nil, err
	}
	if in.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, in.Timeout, errTimeout)
		defer cancel()
	}
	client, err := t.connect(ctx, rt)
	if err != nil {
		return nil, err
	}
	stdout, stderr := exec.NewCapture(in.MaxOutput), exec.NewCapture(in.MaxOutput)
	start := time.Now()
	code, err := t.execute(ctx, rt, client, in.Command, in.Stdin, stdout, stderr)
	res := &Result{Result: *exec.Output(code, stdout, stderr, time.Since(start)), Address: t.addr, User: t.user}
	if err != nil {
		return res, t.explain(ctx, in, err)
	}
	if code != 0 && !slices.Contains(in.AllowExitCodes, code) {
		return res, t.exitError(in.Command, code, stderr)
	}
	return res, nil
}

// target is where and as whom a command runs.
type target struct {
	addr string
	user string
	cfg  *ssh.ClientConfig
}

func resolve(rt *steps.Runtime, in *Input) (*target, error) {
	host, port := in.Host, in.Port
	if rt.Node != nil {
		host = cmp.Or(host, rt.Node.Address())
		port = cmp.Or(port, rt.Node.Port("ssh", 22))
	}
	if host == "" {
		return nil, errors.New("no host: set host, or give the step a target node")
	}
	addr := net.JoinHostPort(host, strconv.Itoa(cmp.Or(port, 22)))
	if rt.Credentials == nil {
		return nil, fmt.Errorf("credential %q: this run has no credentials", in.Credential)
	}
	cred, err := rt.Credentials.Credential(in.Credential)
	if err != nil {
		return nil, fmt.Errorf("credential %q: %w", in.Credential, err)
	}
	auth, err := authMethods(cred)
	if err != nil {
		return nil, fmt.Errorf("credential %q: %w", in.Credential, err)
	}
	var set steps.SSHSettings
	if rt.Site != nil {
		set = rt.Site.SSH
	}
	hostKeys, algos, err := HostKeys(set, addr)
	if err != nil {
		return nil, fmt.Errorf("ssh %s: %w", addr, err)
	}
	cfg := &ssh.ClientConfig{User: cred.Username, Auth: auth, HostKeyCallback: hostKeys,
		HostKeyAlgorithms: algos, Timeout: handshakeTimeout}
	if set.LegacyAlgorithms {
		Legacy(cfg)
	}
	return &target{addr: addr, user: cred.Username, cfg: cfg}, nil
}

func (t *target) poolKey() string { return "ssh-exec/" + t.user + "@" + t.addr }

func (t *target) name() string { return "ssh " + t.user + "@" + t.addr }

// connect returns the pooled client for the target, dialling when there
// is none.
func (t *target) connect(ctx context.Context, rt *steps.Runtime) (*ssh.Client, error) {
	open := func(ctx context.Context) (io.Closer, error) { return dial(ctx, t.addr, t.cfg) }
	var c io.Closer
	var err error
	if rt.Pool != nil {
		c, err = rt.Pool.Get(ctx, t.poolKey(), open)
	} else {
		c, err = open(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.name(), err)
	}
	return c.(*ssh.Client), nil
}

// release closes a client that is not pooled, and drops a broken pooled
// one so the next step dials afresh.
func (t *target) release(rt *steps.Runtime, c *ssh.Client, broken bool) {
	switch {
	case rt.Pool == nil:
		c.Close()
	case broken:
		rt.Pool.Forget(t.poolKey(), c)
	}
}

// execute runs command in a new session; it returns the exit code, or an
// error when there is none (lost connection, cancellation).
func (t *target) execute(ctx context.Context, rt *steps.Runtime, c *ssh.Client,
	command, stdin string, stdout, stderr io.Writer) (int, error) {
	sess, err := c.NewSession()
	if err != nil {
		t.release(rt, c, true)
		return -1, err
	}
	defer sess.Close()
	sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), stdout, stderr
	if err := sess.Start(command); err != nil {
		t.release(rt, c, true)
		return -1, err
	}
	done := make(chan error, 1)
	go func() { done <- sess.Wait() }()
	select {
	case err = <-done:
	case <-ctx.Done():
		// Ask the server to kill the command, then drop the connection:
		// sshd may wait for the command before it closes the channel.
		sess.Signal(ssh.SIGKILL)
		t.release(rt, c, true)
		<-done
		return -1, ctx.Err()
	}
	code, err := exitStatus(err)
	t.release(rt, c, err != nil)
	return code, err
}

func exitStatus(err error) (int, error) {
	var ee *ssh.ExitError
	var missing *ssh.ExitMissingError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if ee.Signal() != "" {
			return -1, fmt.Errorf("killed by signal %s", ee.Signal())
		}
		return ee.ExitStatus(), nil
	case errors.As(err, &missing):
		return -1, errors.New("the server sent no exit status")
	}
	return -1, fmt.Errorf("connection lost: %w", err)
}

func (t *target) explain(ctx context.Context, in *Input, err error) error {
	switch {
	case errors.Is(context.Cause(ctx), errTimeout):
		return fmt.Errorf("%s: %q: timed out after %s; the command was killed",
			t.name(), in.Command, in.Timeout)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %q: interrupted: %w", t.name(), in.Command, ctx.Err())
	}
	return fmt.Errorf("%s: %q: %w", t.name(), in.Command, err)
}

func (t *target) exitError(command string, code int, stderr *exec.Capture) error {
	if tail := stderr.LastLines(3); tail != "" {
		return fmt.Errorf("%s: %q: exit code %d: %s", t.name(), command, code, tail)
	}
	return fmt.Errorf("%s: %q: exit code %d", t.name(), command, code)
}

// check is ssh.exec's check: `unless` exits 0. Without it nothing can
// tell whether an arbitrary command already ran.
func check(ctx context.Context, rt *steps.Runtime, in *Input) (steps.Check, error) {
	switch {
	case in.Mutates != nil && !*in.Mutates:
		return verdict(steps.NotDone, exec.ReadOnlyDetail), nil
	case in.Unless == "":
		return verdict(steps.Unknown, fmt.Sprintf("nothing tells whether %q already ran: "+
			"give the step unless:, or a verify expression", in.Command)), nil
	}
	t, err := resolve(rt, in)
	if err != nil {
		return verdict(steps.Unknown, err.Error()), err
	}
	client, err := t.connect(ctx, rt)
	if err != nil {
		return verdict(steps.Unknown, err.Error()), err
	}
	code, err := t.execute(ctx, rt, client, in.Unless, "", io.Discard, io.Discard)
	switch {
	case err != nil:
		return verdict(steps.Unknown, err.Error()), fmt.Errorf("%s: unless: %w", t.name(), err)
	case code == 0:
		return verdict(steps.Done, fmt.Sprintf("%q exited 0 on %s", in.Unless, t.addr)), nil
	}
	return verdict(steps.NotDone, fmt.Sprintf("%q exited %d on %s", in.Unless, code, t.addr)), nil
}

func verdict(s steps.CheckState, detail string) steps.Check {
	return steps.Check{State: s, Detail: detail}
}
