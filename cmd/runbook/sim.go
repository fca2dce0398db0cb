package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

func (a *app) simCommand() *cobra.Command {
	var config, siteOut, audit, keys string
	cmd := &cobra.Command{
		Use:   "sim --config SIM.yaml [--site-out SITE.yaml] [--audit FILE]",
		Short: "Run the CUCM cluster simulator until interrupted",
		Long: `Sim starts a simulated CUCM / IM&P cluster on loopback addresses: SSH CLI,
HTTPS serving the active Tomcat certificate, the certificate REST API (release
14 and later) and a stand-in for the OS Administration pages. Use it to
rehearse a change before the window. --site-out writes a site file (and a
known_hosts file next to it) so any runbook runs against it unchanged;
--audit writes one JSON line per command or call received. It serves until
Ctrl-C or SIGTERM, then exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := cucmsim.LoadConfig(config)
			if err != nil {
				return invalid(err)
			}
			// Host keys persist, so a known_hosts file stays valid across
			// restarts: next to the site file written, else the config.
			opts := cucmsim.Options{StateDir: keys}
			switch {
			case opts.StateDir != "":
			case siteOut != "":
				opts.StateDir = filepath.Join(filepath.Dir(siteOut), ".cucmsim")
			default:
				base := strings.TrimSuffix(filepath.Base(config), filepath.Ext(config))
				opts.StateDir = filepath.Join(filepath.Dir(config), "."+base+".keys")
			}
			if audit != "" {
				f, err := os.OpenFile(audit, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
				if err != nil {
					return invalid(err)
				}
				defer f.Close()
				opts.Audit = f
			}
			c, err := cucmsim.Start(cmd.Context(), cfg, opts)
			if err != nil {
				return invalid(err)
			}
			defer c.Close()
			a.printSim(c, siteOut)
			if siteOut != "" {
				if err := c.WriteSite(siteOut); err != nil {
					return err
				}
			}
			<-cmd.Context().Done()
			fmt.Fprintln(a.stdout, "simulator stopped")
			return nil
		},
	}
	cmd.Flags().StringVar(&config, "config", "", "simulator config (required)")
	cmd.Flags().StringVar(&siteOut, "site-out", "", "write a site file for the simulated cluster")
	cmd.Flags().StringVar(&audit, "audit", "", "append one JSON line per command or call received")
	cmd.Flags().StringVar(&keys, "keys", "", "directory keeping the nodes' SSH host keys (default next to --site-out, else next to the config)")
	_ = cmd.MarkFlagRequired("config")
	return cmd
}

func (a *app) printSim(c *cucmsim.Cluster, siteOut string) {
	fmt.Fprintf(a.stdout, "CUCM %s simulator running:\n", c.Release())
	for _, n := range c.Nodes() {
		fmt.Fprintf(a.stdout, "  %-10s %-10s ssh %s  https %s  api %s\n", n.Name, n.Role, n.SSHAddr(), n.HTTPSAddr(), n.APIAddr())
	}
	if siteOut != "" {
		fmt.Fprintf(a.stdout, "site file: %s (known_hosts next to it)\n", siteOut)
	}
	fmt.Fprintf(a.stdout, "export %s='%s'\n", cucmsim.PasswordEnv, c.Password())
	fmt.Fprintln(a.stdout, "Ctrl-C stops it.")
}
