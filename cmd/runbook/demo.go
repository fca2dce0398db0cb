package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// demoRunbook is the canned runbook the demo runs.
const demoRunbook = "cucm-tomcat-multiserver-san"

func (a *app) demoCommand() *cobra.Command {
	var fault bool
	var release string
	var restart time.Duration
	cmd := &cobra.Command{
		Use:   "demo [--fault] [--release VERSION]",
		Short: "Run the multi-server SAN procedure against a simulated cluster",
		Long: `Demo starts a simulated CUCM / IM&P cluster on loopback addresses (free
ports, temporary state), runs the canned cucm-tomcat-multiserver-san runbook
with a local CA - checks, CSR, signing, chain and certificate upload,
restarts publisher first, verification of the served certificates - and
prints what every node served before and after, and where the run's report
is. --fault makes Cisco Tomcat fail to restart on a subscriber: the run
stops, the demo shows the resume command and runs it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.demo(cmd.Context(), fault, release, restart)
		},
	}
	cmd.Flags().BoolVar(&fault, "fault", false, "inject a failed Tomcat restart on a subscriber, then resume")
	cmd.Flags().StringVar(&release, "release", "14.0.1.12900-161", "CUCM release the simulator runs (14 and later: the REST API path)")
	cmd.Flags().DurationVar(&restart, "restart-time", 1500*time.Millisecond, "how long a simulated service restart takes")
	return cmd
}

// demo runs the whole procedure against an in-process simulator.
func (a *app) demo(ctx context.Context, fault bool, release string, restart time.Duration) error {
	dir, err := os.MkdirTemp("", "runbook-demo-")
	if err != nil {
		return err
	}
	c, site, err := a.demoCluster(ctx, dir, release, fault, restart)
	if err != nil {
		return err
	}
	defer c.Close()
	before := served(c)

	f := &execFlags{yes: true}
	opts, r, err := a.options(f)
	if err != nil {
		return err
	}
	opts.Store = &engine.Store{Dir: filepath.Join(dir, "state"), LockDir: filepath.Join(dir, "locks")}
	opts.Command = "runbook --state-dir " + shellQuote(opts.Store.Dir)
	r.reportHint = opts.Command + " report"
	opts.Secrets.Getenv = func(k string) string {
		if k == cucmsim.PasswordEnv {
			return c.Password()
		}
		return os.Getenv(k)
	}
	opts.Operator = nil // the demo asks nobody anything
	out, err := engine.Run(ctx, opts, engine.LoadOptions{Runbook: demoRunbook, Site: site})
	if err == nil && fault && out.State == engine.StateFailed {
		fmt.Fprintf(a.stdout, "\nThe restart failed as injected. After fixing the cause you would run:\n\n    %s resume %s\n\n"+
			"The simulator's fault is spent, so the demo runs it now.\n\n", opts.Command, out.RunID)
		out, err = engine.Resume(ctx, opts, engine.ResumeOptions{RunID: out.RunID})
	}
	r.Close()
	if err != nil {
		return a.outcome(out, err)
	}
	a.demoSummary(c, before, served(c), opts.Store, out)
	return a.outcome(out, nil)
}

// demoCluster starts the simulated cluster and writes its site file.
func (a *app) demoCluster(ctx context.Context, dir, release string, fault bool, restart time.Duration) (*cucmsim.Cluster, string, error) {
	cfg := cucmsim.TestConfig(release)
	cfg.Name = "demo-lab"
	cfg.Latency = cucmsim.Latency{CLIStart: restart / 5, Restart: restart}
	if fault {
		// Both attempts of the restart step fail; the resume's succeeds.
		cfg.Faults = append(cfg.Faults, cucmsim.Fault{
			Node: "cucm-sub1", On: "utils service restart Cisco Tomcat", Action: cucmsim.FaultFail, Times: 2,
		})
	}
	audit, err := os.Create(filepath.Join(dir, "sim-audit.jsonl"))
	if err != nil {
		return nil, "", err
	}
	c, err := cucmsim.Start(ctx, cfg, cucmsim.Options{StateDir: filepath.Join(dir, "sim"), Audit: audit})
	if err != nil {
		return nil, "", err
	}
	site := filepath.Join(dir, "site.yaml")
	if err := c.WriteSite(site); err != nil {
		c.Close()
		return nil, "", err
	}
	// The nodes' HTTPS serves self-signed certificates until the change:
	// the lab skips their check. Retries wait a second, not half a minute.
	extra := `  api_insecure: true
overrides:
  restart-tomcat: {retry: {delay: 1s}}
  restart-tftp: {retry: {delay: 1s}}
  verify-served: {retry: {delay: 1s}}
`
	fh, err := os.OpenFile(site, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = fh.WriteString(extra)
		fh.Close()
	}
	fmt.Fprintf(a.stdout, "Simulated CUCM %s cluster on loopback:\n", c.Release())
	for _, n := range c.Nodes() {
		fmt.Fprintf(a.stdout, "  %-10s %-10s %s (ssh %s, https %s)\n", n.Name, n.Role, n.FQDN, n.SSHAddr(), n.HTTPSAddr())
	}
	fmt.Fprintf(a.stdout, "Site file %s; running %s with a local CA.\n\n", site, demoRunbook)
	return c, site, err
}

// servedCert is what a node serves on HTTPS.
type servedCert struct {
	issuer, sans, sha string
	err               error
}

// served does a TLS handshake with every node and describes what it
// serves. Only shown, never trusted: the handshake skips verification.
func served(c *cucmsim.Cluster) map[string]servedCert {
	out := map[string]servedCert{}
	for _, n := range c.Nodes() {
		out[n.Name] = probe(n.HTTPSAddr(), n.FQDN)
	}
	return out
}

func probe(addr, name string) servedCert {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
	if err != nil {
		return servedCert{err: err}
	}
	defer conn.Close()
	leaf := conn.ConnectionState().PeerCertificates[0]
	sum := sha256.Sum256(leaf.Raw)
	return servedCert{issuer: issuerOf(leaf), sans: strings.Join(leaf.DNSNames, " "), sha: hex.EncodeToString(sum[:6])}
}

func issuerOf(c *x509.Certificate) string {
	if c.Issuer.String() == c.Subject.String() {
		return "self-signed"
	}
	return c.Issuer.CommonName
}

// demoSummary prints the before/after table and where the report is.
func (a *app) demoSummary(c *cucmsim.Cluster, before, after map[string]servedCert, store *engine.Store, out *engine.Outcome) {
	fmt.Fprintln(a.stdout, "\nWhat each node serves on HTTPS (Tomcat):")
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\t\tISSUER\tSANS\tSHA-256")
	for _, n := range c.Nodes() {
		for _, row := range []struct {
			when string
			s    servedCert
		}{{"before", before[n.Name]}, {"after", after[n.Name]}} {
			if row.s.err != nil {
				fmt.Fprintf(tw, "%s\t%s\t%v\t\t\n", n.Name, row.when, row.s.err)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s...\n", n.Name, row.when, row.s.issuer, row.s.sans, row.s.sha)
		}
	}
	tw.Flush()
	if out == nil || out.RunID == "" {
		return
	}
	fmt.Fprintf(a.stdout, "\nRun %s: %s.\n", out.RunID, out.State)
	path := filepath.Join(filepath.Dir(store.Dir), "report.md")
	l, err := a.loader()
	if err != nil {
		return
	}
	if r, err := engine.BuildReport(store, l, out.RunID); err == nil {
		if f, err := os.Create(path); err == nil {
			r.Write(f, "md")
			f.Close()
			fmt.Fprintf(a.stdout, "Report: %s\n(or: runbook --state-dir %s report %s --format html)\n", path, store.Dir, out.RunID)
		}
	}
}
