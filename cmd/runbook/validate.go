package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
)

func (a *app) validateCommand() *cobra.Command {
	var site string
	cmd := &cobra.Command{
		Use:   "validate RUNBOOK [--site SITE]",
		Short: "Check a runbook (and a site) and report every problem at once",
		Long: `Validate reads a runbook - a path, or a canned name such as
cucm-tomcat-multiserver-san or cucm-tomcat-multiserver-san@^1 - and
optionally a site file, and reports every problem, one per line, as
file:line:col: step "id": message. Exit 0 when valid, 2 when not.`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeRunbook,
		RunE: func(cmd *cobra.Command, args []string) error {
			// With a site, every required param must have a value, as a
			// run will need it.
			eff, err := a.load(engine.LoadOptions{Runbook: args[0], Site: site, RequireParams: site != ""})
			if err != nil {
				return err
			}
			for _, w := range append(eff.Warnings, engine.SiteWarnings(eff.Site, engine.Secrets{})...) {
				fmt.Fprintln(a.stderr, "warning:", w)
			}
			rb := eff.Runbook
			fmt.Fprintf(a.stdout, "%s %s is valid", rb.Metadata.Name, rb.Metadata.Version)
			if eff.Site != nil {
				fmt.Fprintf(a.stdout, " for site %s", eff.Site.Metadata.Name)
			}
			fmt.Fprintf(a.stdout, " (%d steps, %s)\n", len(rb.Steps)+len(rb.Finally), eff.Digest)
			return nil
		},
	}
	cmd.Flags().StringVar(&site, "site", "", "site file to check together with the runbook")
	return cmd
}
