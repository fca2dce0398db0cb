package main

import (
	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
)

func (a *app) renderCommand() *cobra.Command {
	var site string
	var params []string
	cmd := &cobra.Command{
		Use:   "render RUNBOOK --site SITE",
		Short: "Show the effective runbook after the site is applied",
		Long: `Render prints the runbook as it will run for a site: param values with
their origin, the inventory, and the steps with the site's overrides
merged in, each overridden value marked with the file and line it came
from.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeRunbook,
		RunE: func(cmd *cobra.Command, args []string) error {
			eff, err := a.load(engine.LoadOptions{Runbook: first(args), Site: site, Params: params})
			if err != nil {
				return err
			}
			return eff.Render(a.stdout)
		},
	}
	cmd.Flags().StringVar(&site, "site", "", "site file to apply (required)")
	cmd.Flags().StringArrayVar(&params, "param", nil, "param value name=value (repeatable)")
	_ = cmd.MarkFlagRequired("site")
	return cmd
}

// first returns the first argument, or "" when there is none.
func first(args []string) string {
	if len(args) == 0 {
		return ""
	}
	return args[0]
}

// listCanned lists the canned runbooks the loader knows.
func listCanned(l *engine.Loader) ([]engine.Canned, error) {
	return engine.ListCanned(l.Canned)
}
