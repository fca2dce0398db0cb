package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"

	"golang.org/x/term"

	"github.com/ucops/runbook/steps"
)

// terminalOperator asks the person at the terminal: it shows a step's
// instructions, reads each input until it matches its pattern, and asks
// for a final yes.
type terminalOperator struct {
	mu  sync.Mutex
	in  *bufio.Reader
	out io.Writer
}

// errDeclined is returned when the operator does not answer yes: the run
// then waits, as it does without a terminal.
var errDeclined = fmt.Errorf("the operator did not confirm: %w", steps.ErrNoOperator)

func (o *terminalOperator) Confirm(ctx context.Context, req steps.Confirmation) (map[string]string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.out, "\n--- operator step %s ---\n%s\n", req.Step, strings.TrimSpace(req.Instructions))
	inputs := map[string]string{}
	for _, in := range req.Inputs {
		v, err := o.ask(in)
		if err != nil {
			return nil, err
		}
		inputs[in.Name] = v
	}
	fmt.Fprint(o.out, "Type yes to confirm, anything else to stop here: ")
	line, err := o.readLine()
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(line, "yes") {
		return nil, errDeclined
	}
	return inputs, nil
}

func (o *terminalOperator) ask(in steps.InputRequest) (string, error) {
	var re *regexp.Regexp
	if in.Pattern != "" {
		re = regexp.MustCompile(`^(?:` + in.Pattern + `)$`)
	}
	for {
		fmt.Fprintf(o.out, "%s (%s): ", in.Name, in.Description)
		v, err := o.readLine()
		if err != nil {
			return "", err
		}
		if re == nil || re.MatchString(v) {
			return v, nil
		}
		fmt.Fprintf(o.out, "%q does not match %s; try again\n", v, in.Pattern)
	}
}

func (o *terminalOperator) readLine() (string, error) {
	line, err := o.in.ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read answer: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// interactive reports whether a person can be asked: stdin and stdout are
// terminals and --non-interactive was not given.
func (a *app) interactive() bool {
	if a.nonInteractive {
		return false
	}
	in, ok1 := a.stdin.(*os.File)
	out, ok2 := a.stdout.(*os.File)
	return ok1 && ok2 && term.IsTerminal(int(in.Fd())) && term.IsTerminal(int(out.Fd()))
}

// promptSecret reads a secret from the terminal without echo.
func (a *app) promptSecret(label string) (string, error) {
	in := a.stdin.(*os.File)
	fmt.Fprintf(a.stderr, "%s: ", label)
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return "", fmt.Errorf("read secret: %w", err)
	}
	return string(b), nil
}
