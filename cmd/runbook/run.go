package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
)

// execFlags are the flags run and resume share.
type execFlags struct {
	params []string
	yes    bool
	json   bool
	by     string
	new    bool
}

func (f *execFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&f.params, "param", nil, "param value name=value (repeatable)")
	cmd.Flags().BoolVar(&f.yes, "yes", false, "confirm mutating steps marked confirm in advance")
	cmd.Flags().BoolVar(&f.json, "json", false, "print one JSON event per line")
	cmd.Flags().StringVar(&f.by, "by", "", "who runs it, for the record (default the OS user)")
}

// options builds the engine's options and the renderer for a command.
func (a *app) options(f *execFlags) (engine.Options, *renderer, error) {
	l, err := a.loader()
	if err != nil {
		return engine.Options{}, nil, err
	}
	tty := a.interactive()
	r := newRenderer(a.stdout, f.json, tty, !a.noColor)
	r.reportHint = a.commandPrefix() + " report"
	opts := engine.Options{
		Store: a.store(), Loader: l, Sink: r.Event, By: f.by, Yes: f.yes, New: f.new,
		Command: a.commandPrefix(),
	}
	if tty {
		opts.Operator = &terminalOperator{in: bufio.NewReader(a.stdin), out: a.stdout}
		opts.Secrets.Prompt = a.promptSecret
	}
	return opts, r, nil
}

func (a *app) runCommand() *cobra.Command {
	var f execFlags
	var site string
	cmd := &cobra.Command{
		Use:   "run RUNBOOK [--site SITE] [--param k=v]... [--yes] [--json]",
		Short: "Run a runbook for a site, with a durable journal",
		Long: `Run validates the runbook and site, pins the effective runbook in a new run
directory under the state directory, takes the site's lock, reads the facts,
and runs the steps. Every action is journaled (and synced) before and after
it runs, so the run can be resumed after any failure or crash.

Exit codes: 0 done, 1 a step failed (resumable), 2 invalid input, 3 blocked
by a guard, 4 waiting for an operator, 5 outcome unknown, 130 interrupted.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeRunbook,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, r, err := a.options(&f)
			if err != nil {
				return err
			}
			out, err := engine.Run(cmd.Context(), opts, engine.LoadOptions{Runbook: first(args), Site: site, Params: f.params})
			r.Close()
			return a.outcome(out, err)
		},
	}
	cmd.Flags().StringVar(&site, "site", "", "site file")
	cmd.Flags().BoolVar(&f.new, "new", false, "start a new run even though the site's last run has not finished")
	f.register(cmd)
	return cmd
}

func (a *app) resumeCommand() *cobra.Command {
	var f execFlags
	var ro engine.ResumeOptions
	var inputs []string
	cmd := &cobra.Command{
		Use:   "resume [RUN] [--from STEP] [--rerun STEP] [--mark-done STEP --reason R] [--confirm STEP [--input k=v]] [--allow-drift]",
		Short: "Continue a run after a failure, a crash, a block or an operator step",
		Long: `Resume continues a run (default: the most recent). Succeeded and skipped work
is never repeated; failed work runs again; facts and guards are evaluated
again. Work that was in flight when the engine stopped is reconciled first:
the action's own check or the step's verify tells whether it happened; when
nothing can tell, resume stops with exit 5 and you decide with --rerun STEP
or --mark-done STEP --reason "...". Decisions are journaled with who and why.

The run uses the runbook pinned when it started. If the files on disk changed,
resume names the differing steps and refuses, unless --allow-drift and only
steps that have not started changed.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeRun,
		RunE: func(cmd *cobra.Command, args []string) error {
			ro.RunID, ro.Params = first(args), f.params
			var err error
			if ro.Inputs, err = parseInputs(inputs); err != nil {
				return invalid(err)
			}
			if len(inputs) > 0 && ro.Confirm == "" {
				return invalid(errors.New("--input goes with --confirm STEP"))
			}
			opts, r, err := a.options(&f)
			if err != nil {
				return err
			}
			ro.Preview = a.preview(f.yes)
			out, err := engine.Resume(cmd.Context(), opts, ro)
			r.Close()
			return a.outcome(out, err)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&ro.From, "from", "", "run this step and every later step again")
	fl.StringVar(&ro.Rerun, "rerun", "", "run a step whose outcome is unknown again")
	fl.StringVar(&ro.MarkDone, "mark-done", "", "record a step as done (needs --reason)")
	fl.StringVar(&ro.Reason, "reason", "", "why, for --mark-done, --rerun and --from")
	fl.StringVar(&ro.Confirm, "confirm", "", "confirm an operator step")
	fl.StringArrayVar(&inputs, "input", nil, "an operator step's input name=value (repeatable)")
	fl.BoolVar(&ro.AllowDrift, "allow-drift", false, "take changed runbook files when only steps not yet started changed")
	f.register(cmd)
	return cmd
}

func parseInputs(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--input %q: write name=value", kv)
		}
		out[k] = v
	}
	return out, nil
}

// preview shows what --from keeps and reruns, and asks unless --yes.
func (a *app) preview(yes bool) func(keep, rerun []string) bool {
	return func(keep, rerun []string) bool {
		fmt.Fprintln(a.stdout, "Kept as they are:")
		for _, s := range keep {
			fmt.Fprintln(a.stdout, "  "+s)
		}
		fmt.Fprintln(a.stdout, "Run again:")
		for _, s := range rerun {
			fmt.Fprintln(a.stdout, "  "+s)
		}
		if yes {
			return true
		}
		if !a.interactive() {
			fmt.Fprintln(a.stderr, "resume --from needs --yes when there is no terminal to ask")
			return false
		}
		fmt.Fprint(a.stdout, "Go on? Type yes: ")
		line, _ := bufio.NewReader(a.stdin).ReadString('\n')
		return strings.TrimSpace(line) == "yes"
	}
}

// store is the state directory, with site locks in a directory every user
// of the machine shares (env RUNBOOK_LOCK_DIR, default the system temporary
// directory), so one run per site holds across state directories.
func (a *app) store() *engine.Store {
	lockDir := os.Getenv("RUNBOOK_LOCK_DIR")
	if lockDir == "" {
		lockDir = filepath.Join(os.TempDir(), "runbook-locks")
	}
	return &engine.Store{Dir: a.stateDir, LockDir: lockDir}
}

// commandPrefix is how to call runbook again with the same state
// directory, for the commands the engine suggests.
func (a *app) commandPrefix() string {
	if a.stateDirFlag {
		return "runbook --state-dir " + shellQuote(a.stateDir)
	}
	return "runbook"
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// outcome maps the engine's result onto the exit codes.
func (a *app) outcome(out *engine.Outcome, err error) error {
	if err != nil {
		var ie *engine.InputError
		if errors.As(err, &ie) {
			return invalid(err)
		}
		return &exitError{code: exitFailed, err: err}
	}
	codes := map[string]int{
		engine.StateSucceeded: exitOK, engine.StateFailed: exitFailed, engine.StateBlocked: exitBlocked,
		engine.StateWaiting: exitWaiting, engine.StateUnknown: exitUnknown, engine.StateInterrupted: exitInterrupted,
	}
	code, ok := codes[out.State]
	if !ok {
		code = exitFailed
	}
	if code == exitOK {
		return nil
	}
	return &exitError{code: code, printed: true}
}
