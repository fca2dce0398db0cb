// Package exec implements the exec action: a local command given as an
// argv list (never through a shell unless argv names one), with a working
// directory, environment, stdin and timeout. Its exit code, stdout and
// stderr (each bounded) are outputs; a non-zero exit fails the step with
// the code and the last lines of stderr. Cancelling the step kills the
// command's whole process group.
//
// A command mutates unless the runbook says `mutates: false` (then plan
// may run it); MutatesFor tells the engine which. Its check uses what the
// step declares: `creates` (a file the command makes) or `unless` (a
// read-only command whose success means the effect is in place), the same
// contract as Ansible's. Remote commands are steps/sshexec's.
package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
)

// Input is the `with` block of exec.
type Input struct {
	Argv           []string          `yaml:"argv" required:"true" doc:"the program and its arguments; no shell is involved unless argv names one"`
	Dir            string            `yaml:"dir" doc:"working directory; relative paths are taken from the site file's directory"`
	Env            map[string]string `yaml:"env" doc:"environment variables to set"`
	CleanEnv       bool              `yaml:"clean_env" doc:"start from an environment holding only PATH, instead of the engine's"`
	Stdin          string            `yaml:"stdin" doc:"text fed to the command's standard input"`
	Timeout        time.Duration     `yaml:"timeout" default:"10m" doc:"how long the command may run before its process group is killed"`
	AllowExitCodes []int             `yaml:"allow_exit_codes" doc:"exit codes besides 0 that count as success"`
	MaxOutput      int               `yaml:"max_output" default:"1048576" doc:"bytes kept of stdout and of stderr each"`
	Mutates        *bool             `yaml:"mutates" doc:"false marks a read-only command, which plan may run; default true"`
	Creates        string            `yaml:"creates" doc:"a file the command makes: the check reports done when it exists"`
	Unless         []string          `yaml:"unless" doc:"a read-only command (argv) whose exit code 0 means the effect is already in place"`
}

// Result is what exec outputs.
type Result struct {
	ExitCode        int    `json:"exit_code" doc:"the command's exit code; -1 when a signal ended it"`
	Stdout          string `json:"stdout" doc:"standard output, cut at max_output"`
	Stderr          string `json:"stderr" doc:"standard error, cut at max_output"`
	StdoutTruncated bool   `json:"stdout_truncated" doc:"stdout was longer than max_output"`
	StderrTruncated bool   `json:"stderr_truncated" doc:"stderr was longer than max_output"`
	ElapsedMS       int64  `json:"elapsed_ms" doc:"run time in milliseconds"`
}

// Output builds a Result from a finished command's captures; ssh.exec
// reports the same.
func Output(code int, stdout, stderr *Capture, took time.Duration) *Result {
	return &Result{
		ExitCode: code, Stdout: stdout.String(), Stderr: stderr.String(),
		StdoutTruncated: stdout.Truncated(), StderrTruncated: stderr.Truncated(),
		ElapsedMS: took.Milliseconds(),
	}
}

// Actions returns the exec family's actions.
func Actions() []steps.Action {
	return []steps.Action{steps.Func[Input, Result]{
		Name:       "exec",
		Doc:        "Run a local command (argv, no shell) and capture its exit code and output.",
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
	if len(in.Argv) == 0 || in.Argv[0] == "" {
		return nil, errors.New("argv is empty: name the program to run")
	}
	if in.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, in.Timeout, errTimeout)
		defer cancel()
	}
	stdout, stderr := NewCapture(in.MaxOutput), NewCapture(in.MaxOutput)
	cmd := command(ctx, rt, in, in.Argv)
	if cmd.Dir != "" {
		if _, err := os.Stat(cmd.Dir); err != nil {
			return nil, fmt.Errorf("exec %s: working directory: %w", Display(in.Argv), err)
		}
	}
	cmd.Stdin = strings.NewReader(in.Stdin)
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if msg := stopLeftover(rt); msg != "" {
		rt.Progress("%s", msg)
	}
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		recordGroup(rt, cmd)
		err = cmd.Wait()
		forgetGroup(rt)
	}
	res := Output(exitCode(cmd), stdout, stderr, time.Since(start))
	return res, explain(ctx, in, err, res, stderr)
}

// command prepares argv with the input's directory and environment, in a
// process group of its own that is killed when ctx ends.
func command(ctx context.Context, rt *steps.Runtime, in *Input, argv []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = rt.Path(in.Dir)
	cmd.Env = environ(in)
	cmd.WaitDelay = 2 * time.Second // grandchildren holding the pipes
	killGroup(cmd)
	return cmd
}

func environ(in *Input) []string {
	env := os.Environ()
	if in.CleanEnv {
		env = []string{"PATH=" + os.Getenv("PATH")}
	}
	keys := make([]string, 0, len(in.Env))
	for k := range in.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env = append(env, k+"="+in.Env[k])
	}
	return env
}

func exitCode(cmd *exec.Cmd) int {
	if cmd.ProcessState == nil {
		return -1
	}
	return cmd.ProcessState.ExitCode()
}

// explain turns the outcome into the step's error, nil on success.
func explain(ctx context.Context, in *Input, err error, res *Result, stderr *Capture) error {
	name := "exec " + Display(in.Argv)
	switch {
	case errors.Is(context.Cause(ctx), errTimeout):
		return fmt.Errorf("%s: timed out after %s; its process group was killed", name, in.Timeout)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: interrupted: %w", name, ctx.Err())
	case err == nil:
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("%s: %w", name, unwrapExec(err))
	}
	if res.ExitCode >= 0 && slices.Contains(in.AllowExitCodes, res.ExitCode) {
		return nil
	}
	what := "exit code " + strconv.Itoa(res.ExitCode)
	if res.ExitCode < 0 {
		what = ee.ProcessState.String()
	}
	if tail := stderr.LastLines(3); tail != "" {
		return fmt.Errorf("%s: %s: %s", name, what, tail)
	}
	return fmt.Errorf("%s: %s", name, what)
}

// unwrapExec drops exec's own `exec: "x": ` prefix style into ours.
func unwrapExec(err error) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

// Display renders argv for messages: arguments with spaces or quotes are
// quoted, so what is shown can be pasted into a shell.
func Display(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n\"'\\$`") {
			a = strconv.Quote(a)
		}
		parts[i] = a
	}
	return strings.Join(parts, " ")
}

// Capture is an io.Writer that keeps the first limit bytes written, and
// the last few KiB for error messages. steps/sshexec captures remote
// output with it too.
type Capture struct {
	limit     int
	head      bytes.Buffer
	tail      []byte
	truncated bool
}

const tailSize = 4096

// NewCapture returns a Capture keeping limit bytes (1 MiB when limit is
// not positive).
func NewCapture(limit int) *Capture {
	if limit <= 0 {
		limit = 1 << 20
	}
	return &Capture{limit: limit}
}

// Write keeps what fits and never fails.
func (c *Capture) Write(p []byte) (int, error) {
	room := c.limit - c.head.Len()
	c.head.Write(p[:min(max(room, 0), len(p))])
	c.truncated = c.truncated || len(p) > room
	c.tail = append(c.tail, p...)
	if len(c.tail) > tailSize {
		c.tail = append(c.tail[:0:0], c.tail[len(c.tail)-tailSize:]...)
	}
	return len(p), nil
}

// String returns what was kept.
func (c *Capture) String() string { return c.head.String() }

// Truncated reports whether more was written than kept.
func (c *Capture) Truncated() bool { return c.truncated }

// LastLines returns the last n non-empty lines written, joined by " / ".
func (c *Capture) LastLines(n int) string {
	var lines []string
	for _, l := range strings.Split(string(c.tail), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], " / ")
}
