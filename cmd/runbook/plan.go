package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
)

func (a *app) planCommand() *cobra.Command {
	var site string
	var params []string
	var asJSON, offline bool
	cmd := &cobra.Command{
		Use:   "plan RUNBOOK --site SITE [--json] [--offline]",
		Short: "Check every guard against the live system without changing it",
		Long: `Plan reads the facts from the live system with read-only actions, evaluates
every guard, when and target selection, asks mutating actions' checks whether
their effect is already in place, and prints per step and target: run, skip,
done or blocked, and why. It never runs an action that changes anything.
--offline contacts nothing. Exit 0 when nothing is blocked, 3 when something
is, 1 when a fact could not be read (what depends on it is unknown).`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeRunbook,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts, r, err := a.options(&execFlags{json: asJSON})
			if err != nil {
				return err
			}
			opts.Sink = nil
			r.Close()
			p, err := engine.Plan(cmd.Context(), opts, engine.LoadOptions{Runbook: first(args), Site: site, Params: params}, offline)
			if err != nil {
				return a.outcome(nil, err)
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(p); err != nil {
					return err
				}
			} else {
				a.printPlan(p)
			}
			if p.Blocked {
				return &exitError{code: exitBlocked, printed: true}
			}
			for _, f := range p.Facts {
				if f.Error != "" && !p.Offline {
					// Decisions that need the fact are unknown: the plan
					// could not check what it was asked to check.
					return &exitError{code: exitFailed, printed: true}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&site, "site", "", "site file")
	cmd.Flags().StringArrayVar(&params, "param", nil, "param value name=value (repeatable)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&offline, "offline", false, "contact nothing; decisions that need facts are unknown")
	return cmd
}

func (a *app) printPlan(p *engine.PlanResult) {
	fmt.Fprintf(a.stdout, "plan: %s %s", p.Runbook.Name, p.Runbook.Version)
	if p.Site != "" {
		fmt.Fprintf(a.stdout, " for site %s", p.Site)
	}
	fmt.Fprintln(a.stdout)
	for _, f := range p.Facts {
		if f.Error != "" {
			fmt.Fprintf(a.stdout, "fact %s: %s\n", f.ID, f.Error)
			continue
		}
		b, _ := json.Marshal(f.Value)
		fmt.Fprintf(a.stdout, "fact %s = %s\n", f.ID, shorten(string(b), 200))
	}
	for _, c := range p.Caveats {
		fmt.Fprintf(a.stdout, "caveat %s\n", c)
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(a.stdout, "warning: %s\n", w)
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tTARGET\tDECISION\tWHY")
	for _, s := range p.Steps {
		fmt.Fprintf(tw, "%s\t\t%s\t%s\n", s.ID+mutMark(s), s.Decision, withHint(s.Reason, s.Hint))
		for _, t := range s.Targets {
			fmt.Fprintf(tw, "\t%s\t%s\t%s\n", t.Node, t.Decision, t.Reason)
		}
	}
	tw.Flush()
	fmt.Fprintln(a.stdout, "(* the step changes the system)")
	if p.Blocked {
		fmt.Fprintln(a.stdout, "blocked: a run would stop at the first blocked step")
	}
}

func mutMark(s engine.PlanStep) string {
	if s.Mutates {
		return " *"
	}
	return ""
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
