package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
)

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [RUN] [--json]",
		Short: "Show the state of a run (default the most recent)",
		Long: `Status replays the run's journal and shows every step and target with its
state and attempts. --json prints run_id, runbook {name, version, digest},
state and steps [{id, state, attempts, targets [{node, state, attempts}]}].`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeRun,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			st, err := engine.Status(a.store(), l, first(args))
			if err != nil {
				return a.outcome(nil, err)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			a.printStatus(st)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the state as JSON")
	return cmd
}

func (a *app) printStatus(st *engine.State) {
	fmt.Fprintf(a.stdout, "run %s: %s\n", st.RunID, st.State)
	fmt.Fprintf(a.stdout, "runbook %s %s (%s)\n", st.Runbook.Name, st.Runbook.Version, st.Runbook.Digest)
	if st.Site != "" {
		fmt.Fprintf(a.stdout, "site %s\n", st.Site)
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tTARGET\tSTATE\tATTEMPTS\tREASON")
	for _, s := range st.Steps {
		fmt.Fprintf(tw, "%s\t\t%s\t%d\t%s\n", s.ID, s.State, s.Attempts, oneLine(withHint(s.Reason, s.Hint)))
		for _, t := range s.Targets {
			fmt.Fprintf(tw, "\t%s\t%s\t%d\t%s\n", t.Node, t.State, t.Attempts, oneLine(t.Reason))
		}
	}
	tw.Flush()
	for _, w := range st.Warnings {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
	if st.Next != "" {
		fmt.Fprintf(a.stdout, "next: %s\n", st.Next)
	}
}

func oneLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i] + " ..."
		}
	}
	if len(s) > 90 {
		return s[:87] + "..."
	}
	return s
}

func (a *app) runsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "runs",
		Short: "List the runs in the state directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			runs, err := engine.Runs(a.store(), l)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tRUNBOOK\tSITE\tSTATE\tSTARTED\tUPDATED")
			for _, r := range runs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.RunID, r.Runbook, r.Site, r.State, r.Started, r.Updated)
			}
			return tw.Flush()
		},
	}
}
