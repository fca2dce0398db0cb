// Package main is the runbook command: it validates, plans, runs and
// resumes declarative YAML runbooks, such as the canned CUCM certificate
// procedures.
//
// This package only parses flags and renders; the engine package does the
// work and reports through an event sink.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes of the CLI contract.
const (
	exitOK          = 0
	exitFailed      = 1
	exitInvalid     = 2
	exitBlocked     = 3
	exitWaiting     = 4
	exitUnknown     = 5
	exitInterrupted = 130
)

// exitError carries the exit code for an error, and whether its message
// has already been printed.
type exitError struct {
	code    int
	err     error
	printed bool
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// invalid marks err as invalid input (exit 2).
func invalid(err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: exitInvalid, err: err}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// A closed pipe on stdout (runbook run | head) must not kill a run half
	// way: writes then fail and are ignored, the work goes on.
	signal.Ignore(syscall.SIGPIPE)
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the CLI with args and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	cmd := app.rootCommand()
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if !ee.printed && ee.err != nil {
			fmt.Fprintln(stderr, ee.err)
		}
		return ee.code
	}
	// Errors cobra makes itself are usage errors.
	fmt.Fprintln(stderr, "runbook:", err)
	return exitInvalid
}
