package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/runbooks"
	"github.com/ucops/runbook/steps/builtin"
)

// app holds what every command shares: streams and global flags.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	stateDir       string
	stateDirFlag   bool // --state-dir was given on the command line
	nonInteractive bool
	noColor        bool
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr}
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "runbook",
		Short: "Validate, plan, run and resume declarative YAML runbooks",
		Long: `runbook runs operations procedures written as versioned YAML runbooks:
typed steps with guards, a plan that checks every guard against the live
system without changing it, a durable journal, and resume after any failure.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRun: func(cmd *cobra.Command, args []string) {
			a.stateDirFlag = cmd.Flags().Changed("state-dir")
		},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetIn(a.stdin)

	def := os.Getenv("RUNBOOK_STATE_DIR")
	if def == "" {
		def = ".runbook"
	}
	pf := root.PersistentFlags()
	pf.StringVar(&a.stateDir, "state-dir", def, "directory of run state (env RUNBOOK_STATE_DIR)")
	pf.BoolVar(&a.nonInteractive, "non-interactive", false, "never prompt; pause on operator steps (exit 4)")
	pf.BoolVar(&a.noColor, "no-color", false, "plain output without colours")

	root.AddCommand(
		a.validateCommand(),
		a.renderCommand(),
		a.schemaCommand(),
		a.listCommand(),
		a.runCommand(),
		a.resumeCommand(),
		a.statusCommand(),
		a.runsCommand(),
		a.planCommand(),
		a.reportCommand(),
		a.simCommand(),
		a.demoCommand(),
	)
	return root
}

// loader returns the engine's loader with every built-in action and the
// canned runbooks.
func (a *app) loader() (*engine.Loader, error) {
	reg, err := builtin.Registry()
	if err != nil {
		return nil, err
	}
	return &engine.Loader{Registry: reg, Canned: runbooks.FS()}, nil
}

// load loads a runbook and site, turning problems into exit code 2.
func (a *app) load(opts engine.LoadOptions) (*engine.Effective, error) {
	l, err := a.loader()
	if err != nil {
		return nil, err
	}
	eff, err := l.Load(opts)
	if err != nil {
		return nil, invalid(err)
	}
	return eff, nil
}
