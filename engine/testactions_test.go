package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
)

// The actions of the engine's own tests: small, but typed like real ones.

type restartIn struct {
	Service string        `yaml:"service" required:"true" doc:"Service to restart."`
	Wait    bool          `yaml:"wait" default:"true" doc:"Wait for STARTED."`
	Count   int           `yaml:"count" doc:"How many times."`
	Within  time.Duration `yaml:"within" doc:"Deadline."`
	Mode    string        `yaml:"mode" enum:"soft,hard" doc:"How."`
}

type restartOut struct {
	State       string  `json:"state" doc:"Service state."`
	TookSeconds float64 `json:"took_seconds" doc:"Time taken."`
}

type statusIn struct {
	Services []string `yaml:"services" doc:"Services, all when empty."`
}

type service struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

type statusOut struct {
	Enabled  bool      `json:"enabled"`
	Version  string    `json:"version"`
	Services []service `json:"services"`
}

func testRegistry() *steps.Registry {
	reg, err := steps.NewRegistry(
		steps.Func[restartIn, restartOut]{
			Name: "test.restart", Doc: "Restart a service.", Mutates: true,
			Run: func(ctx context.Context, rt *steps.Runtime, in *restartIn) (*restartOut, error) {
				return &restartOut{State: "STARTED"}, nil
			},
		}.Action(),
		steps.Func[statusIn, statusOut]{
			Name: "test.status", Doc: "Read status.",
			Run: func(ctx context.Context, rt *steps.Runtime, in *statusIn) (*statusOut, error) {
				return &statusOut{Version: "14.0.1.12900-161"}, nil
			},
		}.Action(),
	)
	if err != nil {
		panic(err)
	}
	return reg
}

// appendIn is the input of test.append: a line written to a ledger file,
// the side effect whose count the crash tests check.
type appendIn struct {
	Ledger string        `yaml:"ledger" required:"true"`
	Line   string        `yaml:"line" required:"true"`
	Delay  time.Duration `yaml:"delay"`
	// FailUnless fails the action while this file does not exist.
	FailUnless string `yaml:"fail_unless"`
	// Block waits until the context ends, for tests that kill the engine
	// in the middle of an action.
	Block bool `yaml:"block"`
	// Echo is returned in the result, error and progress, for redaction
	// tests.
	Echo string `yaml:"echo"`
	// EchoCredential appends a credential's password to Echo, as a
	// careless action might.
	EchoCredential string `yaml:"echo_credential"`
	// Lost makes the first attempt end as if the session dropped after
	// the command was sent: "after" once the line is written, "before"
	// without writing it.
	Lost string `yaml:"lost"`
}

type appendOut struct {
	Line  string `json:"line"`
	Echo  string `json:"echo"`
	Count int    `json:"count"`
}

func appendRun(ctx context.Context, rt *steps.Runtime, in *appendIn) (*appendOut, error) {
	if in.EchoCredential != "" {
		c, err := rt.Credentials.Credential(in.EchoCredential)
		if err != nil {
			return nil, err
		}
		in.Echo += " " + c.Password
	}
	if in.Echo != "" {
		rt.Progress("echo %s", in.Echo)
	}
	if in.FailUnless != "" {
		if _, err := os.Stat(in.FailUnless); err != nil {
			return nil, fmt.Errorf("%s is missing (echo %s)", in.FailUnless, in.Echo)
		}
	}
	if in.Block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if in.Lost == "before" && rt.Attempt == 1 {
		return nil, fmt.Errorf("session dropped: %w", steps.ErrOutcomeUnknown)
	}
	if !sleepCtx(ctx, in.Delay) {
		return nil, ctx.Err()
	}
	f, err := os.OpenFile(in.Ledger, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(in.Line + "\n"); err != nil {
		return nil, err
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	if !sleepCtx(ctx, in.Delay) {
		return nil, ctx.Err()
	}
	if in.Lost == "after" && rt.Attempt == 1 {
		return nil, fmt.Errorf("session dropped: %w", steps.ErrOutcomeUnknown)
	}
	return &appendOut{Line: in.Line, Echo: in.Echo, Count: ledgerCount(in.Ledger, in.Line)}, nil
}

func appendCheck(ctx context.Context, rt *steps.Runtime, in *appendIn) (steps.Check, error) {
	if ledgerCount(in.Ledger, in.Line) > 0 {
		return steps.Check{State: steps.Done, Detail: "the line is in the ledger",
			Result: &appendOut{Line: in.Line, Count: ledgerCount(in.Ledger, in.Line)}}, nil
	}
	return steps.Check{State: steps.NotDone, Detail: "the line is not in the ledger"}, nil
}

func ledgerCount(path, line string) int {
	data, _ := os.ReadFile(path)
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		if l == line {
			n++
		}
	}
	return n
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// execRegistry is testRegistry plus the side-effect actions.
func execRegistry() *steps.Registry {
	actions := []steps.Action{
		steps.Func[appendIn, appendOut]{Name: "test.append", Doc: "Append a line.", Mutates: true,
			Run: appendRun, Check: appendCheck}.Action(),
		steps.Func[appendIn, appendOut]{Name: "test.append_nocheck", Doc: "Append a line, no check.", Mutates: true,
			Run: appendRun}.Action(),
		steps.Func[statusIn, statusOut]{Name: "test.status", Doc: "Read status.",
			Run: func(ctx context.Context, rt *steps.Runtime, in *statusIn) (*statusOut, error) {
				enabled := os.Getenv("TEST_SSO_ENABLED") == "1"
				return &statusOut{Enabled: enabled, Version: "14.0.1.12900-161"}, nil
			}}.Action(),
		operatorAction(),
	}
	reg, err := steps.NewRegistry(actions...)
	if err != nil {
		panic(err)
	}
	return reg
}

type askIn struct {
	Instructions string `yaml:"instructions" required:"true"`
	Input        string `yaml:"input"`
	Pattern      string `yaml:"pattern"`
}

// operatorAction asks the operator, like the manual action.
func operatorAction() steps.Action {
	return steps.Func[askIn, map[string]string]{
		Name: "test.ask", Doc: "Ask the operator.", Mutates: true,
		Run: func(ctx context.Context, rt *steps.Runtime, in *askIn) (*map[string]string, error) {
			req := steps.Confirmation{Step: rt.Step, Instructions: in.Instructions}
			if in.Input != "" {
				req.Inputs = []steps.InputRequest{{Name: in.Input, Pattern: in.Pattern}}
			}
			got, err := rt.Operator.Confirm(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", in.Instructions, err)
			}
			return &got, nil
		},
	}.Action()
}
