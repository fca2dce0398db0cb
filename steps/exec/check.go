package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"

	"github.com/ucops/runbook/steps"
)

// check is exec's check: `creates` exists, or `unless` succeeds. Without
// either nothing can tell whether an arbitrary command already ran.
func check(ctx context.Context, rt *steps.Runtime, in *Input) (steps.Check, error) {
	if msg := stopLeftover(rt); msg != "" {
		rt.Progress("%s", msg)
	}
	switch {
	case in.Mutates != nil && !*in.Mutates:
		return steps.Check{State: steps.NotDone, Detail: ReadOnlyDetail}, nil
	case in.Creates != "":
		return checkCreates(rt.Path(in.Creates))
	case len(in.Unless) > 0:
		return checkUnless(ctx, rt, in)
	}
	return steps.Check{State: steps.Unknown, Detail: fmt.Sprintf("nothing tells whether %s "+
		"already ran: give the step creates: or unless:, or a verify expression",
		Display(in.Argv))}, nil
}

// ReadOnlyDetail is the check's word on a command marked `mutates: false`.
const ReadOnlyDetail = "read-only command: running it again is safe"

func checkCreates(path string) (steps.Check, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return steps.Check{State: steps.Done, Detail: path + " exists"}, nil
	case errors.Is(err, fs.ErrNotExist):
		return steps.Check{State: steps.NotDone, Detail: path + " does not exist"}, nil
	}
	return steps.Check{State: steps.Unknown, Detail: err.Error()}, err
}

func checkUnless(ctx context.Context, rt *steps.Runtime, in *Input) (steps.Check, error) {
	if in.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, in.Timeout)
		defer cancel()
	}
	cmd := command(ctx, rt, in, in.Unless)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return steps.Check{State: steps.Done, Detail: Display(in.Unless) + " succeeded"}, nil
	case errors.As(err, &ee) && ctx.Err() == nil:
		return steps.Check{State: steps.NotDone, Detail: fmt.Sprintf("%s: %s", Display(in.Unless),
			ee.ProcessState)}, nil
	}
	return steps.Check{State: steps.Unknown, Detail: err.Error()},
		fmt.Errorf("unless %s: %w", Display(in.Unless), unwrapExec(err))
}
