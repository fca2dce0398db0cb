package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/schemas"
)

func (a *app) schemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:       "schema runbook|site|state",
		Short:     "Print the JSON Schema of a file kind",
		Long:      "Schema prints the JSON Schema (draft 2020-12) editors use to complete and check runbook, site and run-state files.",
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"runbook", "site", "state"},
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := schemas.Get(args[0])
			if err != nil {
				return invalid(err)
			}
			_, err = a.stdout.Write(b)
			return err
		},
	}
}

func (a *app) listCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the canned runbooks: name, version, title",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.loader()
			if err != nil {
				return err
			}
			all, err := listCanned(l)
			if err != nil {
				return err
			}
			for _, c := range all {
				fmt.Fprintf(a.stdout, "%-36s %-8s %s\n", c.Name, c.Version, c.Title)
			}
			return nil
		},
	}
}
