package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/runbooks"
)

// completeRunbook completes a RUNBOOK argument with the canned names, and
// falls back to file names.
func (a *app) completeRunbook(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	all, _ := engine.ListCanned(runbooks.FS())
	var out []string
	for _, c := range all {
		if strings.HasPrefix(c.Name, toComplete) {
			out = append(out, c.Name+"\t"+c.Title)
		}
	}
	return out, cobra.ShellCompDirectiveDefault
}

// completeRun completes a RUN argument with the runs of the state
// directory.
func (a *app) completeRun(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ids, _ := a.store().RunIDs()
	var out []string
	for _, id := range ids {
		if strings.HasPrefix(id, toComplete) {
			out = append(out, id)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
