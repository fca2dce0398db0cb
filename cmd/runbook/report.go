package main

import (
	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
)

func (a *app) reportCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "report RUN [--format md|json|html]",
		Short: "Print a run's change record",
		Long: `Report prints the change record of a run: runbook name, version and digest,
site, who ran and resumed it and when, every step and target with state,
attempts, timings, outputs and evidence, operator confirmations and
decisions with their reasons, and the artifacts with their digests. The
HTML form is one self-contained file.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeRun,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			r, err := engine.BuildReport(a.store(), l, first(args))
			if err != nil {
				return a.outcome(nil, err)
			}
			return a.outcome(&engine.Outcome{State: engine.StateSucceeded}, r.Write(a.stdout, format))
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md, json or html")
	return cmd
}
