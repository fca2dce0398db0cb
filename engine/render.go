package engine

import (
	"bufio"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// Render writes the effective runbook: a header with the runbook, site,
// digest, inventory and param values with their origins, then the merged
// document in which every value the site changed carries a comment naming
// the file and line it came from.
func (e *Effective) Render(w io.Writer) error {
	bw := bufio.NewWriter(w)
	rb := e.Runbook
	fmt.Fprintf(bw, "# Effective runbook %s %s\n", rb.Metadata.Name, rb.Metadata.Version)
	if e.Site != nil {
		fmt.Fprintf(bw, "# site: %s (%s)\n", e.Site.Metadata.Name, e.Site.File)
	}
	fmt.Fprintf(bw, "# digest: %s\n", e.Digest)
	if len(e.Params) > 0 {
		fmt.Fprintln(bw, "# params:")
		for _, p := range e.Params {
			fmt.Fprintf(bw, "#   %s = %s  (%s)\n", p.Name, shownValue(p), p.Origin)
		}
	}
	if len(e.Nodes) > 0 {
		fmt.Fprintln(bw, "# inventory:")
		for _, n := range e.Nodes {
			fmt.Fprintf(bw, "#   %-12s %-10s %s %s\n", n.Name, n.Role, n.Host, n.FQDN)
		}
	}
	for _, warn := range e.Warnings {
		fmt.Fprintf(bw, "# warning: %s\n", warn)
	}
	enc := yaml.NewEncoder(bw)
	enc.SetIndent(2)
	if err := enc.Encode(e.Tree); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return bw.Flush()
}

// shownValue renders a param value, hiding secrets.
func shownValue(p ParamValue) string {
	if p.Secret {
		return "[redacted]"
	}
	b, err := yaml.Marshal(p.Value)
	if err != nil {
		return fmt.Sprint(p.Value)
	}
	s := string(b)
	if len(s) > 0 && s[len(s)-1] == '\n' {
		s = s[:len(s)-1]
	}
	return s
}
