package cucm

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"
	"time"

	x509inspect "github.com/ucops/runbook/steps/x509"
)

// The kinds of audit findings.
const (
	findSelfSigned   = "self_signed"
	findMissingSAN   = "missing_from_san"
	findExpiring     = "expiring"
	findExpired      = "expired"
	findClientAuth   = "client_auth"
	findChain        = "chain"
	findServedChain  = "served_chain"
	findNotRestarted = "not_restarted"
	findLeftover     = "leftover"
	findInventory    = "inventory"
	findUnread       = "unread"
)

// audit makes findings of what was read: the cluster's own node list is
// the truth for membership, the site's inventory is compared with it.
type audit struct {
	in      *AuditInput
	now     time.Time
	cluster *ClusterResult
	reads   []*nodeRead // the site's nodes, in inventory order
	action  []AuditFinding
	info    []AuditFinding
	certs   []AuditCert
}

// run makes every finding and the result.
func (a *audit) run() *AuditResult {
	a.inventory()
	for _, u := range a.in.Units {
		a.unit(u)
	}
	res := &AuditResult{Cluster: a.cluster.All, Findings: append(a.action, a.info...),
		Action: []string{}, Info: []string{}, Runbooks: []string{}, Certificates: a.certs}
	for _, f := range a.action {
		res.Action = append(res.Action, f.Message)
		if f.Runbook != "" && !slices.Contains(res.Runbooks, f.Runbook) {
			res.Runbooks = append(res.Runbooks, f.Runbook)
		}
	}
	for _, f := range a.info {
		res.Info = append(res.Info, f.Message)
	}
	if res.Findings == nil {
		res.Findings = []AuditFinding{}
	}
	if res.Certificates == nil {
		res.Certificates = []AuditCert{}
	}
	return res
}

func (a *audit) add(f AuditFinding, format string, args ...any) {
	f.Message = fmt.Sprintf(format, args...)
	if f.Action {
		a.action = append(a.action, f)
	} else {
		a.info = append(a.info, f)
	}
}

// inventory compares the site's inventory with the cluster and reports
// the nodes that could not be read.
func (a *audit) inventory() {
	for _, m := range a.cluster.Nodes {
		listed := slices.ContainsFunc(a.reads, func(r *nodeRead) bool {
			return r.inCluster && r.member.FQDN == m.FQDN
		})
		if !listed {
			a.add(AuditFinding{Kind: findInventory, Nodes: []string{m.FQDN}, Action: true},
				"%s is a cluster node (show network cluster) that the site's inventory lacks: "+
					"its certificates were not read; add it to the site file", m.FQDN)
		}
	}
	for _, r := range a.reads {
		f := AuditFinding{Kind: findInventory, Nodes: []string{r.node.Name}, Action: true}
		switch {
		case !r.inCluster:
			a.add(f, "site node %s (%s) is not in the cluster (show network cluster): "+
				"its certificates were not read; fix its entry in the site file", r.node.Name, r.node.FQDN)
		case r.node.FQDN != "" && !strings.EqualFold(r.node.FQDN, r.member.FQDN):
			a.add(f, "site node %s is %s in the site file but %s in the cluster (renamed?): "+
				"update its fqdn in the site file", r.node.Name, r.node.FQDN, r.member.FQDN)
		}
		if r.err != nil {
			f.Kind = findUnread
			a.add(f, "%s: not audited: %v", r.node.Name, r.err)
		}
	}
}

// certGroup is one certificate and the nodes that hold it.
type certGroup struct {
	cert  *heldCert
	reads []*nodeRead
}

func (g certGroup) names() []string { return names(g.reads) }

// groups gathers the nodes of reads by the certificate they hold for unit.
func groups(unit string, reads []*nodeRead) []certGroup {
	var out []certGroup
	for _, r := range reads {
		h := r.certs[unit]
		i := slices.IndexFunc(out, func(g certGroup) bool { return g.cert.key() == h.key() })
		if i < 0 {
			out = append(out, certGroup{cert: h})
			i = len(out) - 1
		}
		out[i].reads = append(out[i].reads, r)
	}
	return out
}

func names(reads []*nodeRead) []string {
	out := make([]string, len(reads))
	for i, r := range reads {
		out[i] = r.node.Name
	}
	return out
}

// unit makes the findings of one unit.
func (a *audit) unit(unit string) {
	var holders, signed []*nodeRead
	for _, r := range a.reads {
		if h := r.certs[unit]; h != nil && r.err == nil {
			a.certs = append(a.certs, auditCert(r, unit, h))
			holders = append(holders, r)
			if !h.selfSigned {
				signed = append(signed, r)
			}
		}
	}
	if len(holders) == 0 {
		return
	}
	want := unitNodes(a.cluster, unit)
	a.selfSigned(unit, holders, signed, want)
	a.sans(unit, signed, want)
	for _, g := range groups(unit, holders) {
		a.expiry(unit, g)
		a.clientAuth(unit, g)
	}
	a.chains(unit, signed)
	if unit == "tomcat" && a.in.CheckServed {
		a.served(holders)
	}
	a.leftovers(unit, holders)
}

func auditCert(r *nodeRead, unit string, h *heldCert) AuditCert {
	c := AuditCert{Node: r.node.Name, Unit: unit, File: h.file, Serial: h.serial, Issuer: h.issuer,
		SelfSigned: h.selfSigned, SANs: slices.Clone(h.sans)}
	if c.SANs == nil {
		c.SANs = []string{}
	}
	if !h.notAfter.IsZero() {
		c.NotAfter = h.notAfter.UTC().Format(time.RFC3339)
	}
	if unit == "tomcat" && len(r.served) > 0 {
		c.Served = strings.ToUpper(r.served[0].SerialNumber.Text(16))
	}
	return c
}

// multiServer returns the groups whose certificate names more than one of
// the nodes holding the unit.
func multiServer(gs []certGroup, want []string) []certGroup {
	return slices.DeleteFunc(slices.Clone(gs), func(g certGroup) bool {
		return len(commonNames(want, g.cert.sans)) < 2
	})
}

// selfSigned reports self-signed nodes: all of them (for information only
// when the unit is in self_signed_ok: that is how nodes are installed), or
// those back to self-signed beside CA-signed ones, which always need
// action.
func (a *audit) selfSigned(unit string, holders, signed []*nodeRead, want []string) {
	rb := a.in.runbookFor(unit)
	f := AuditFinding{Kind: findSelfSigned, Unit: unit, Action: true, Runbook: rb}
	if len(signed) == 0 {
		f.Nodes = names(holders)
		if hasUnit(a.in.SelfSignedOK, unit) {
			f.Action = false
			a.add(f, "%s: every node has a self-signed certificate (%s), as installed, which "+
				"self_signed_ok accepts: nothing to do%s", unit, strings.Join(f.Nodes, ", "),
				caSignedBy(rb))
			return
		}
		a.add(f, "%s: every node has a self-signed certificate (%s): make a CA-signed "+
			"multi-server certificate%s", unit, strings.Join(f.Nodes, ", "), with(rb))
		return
	}
	multi := multiServer(groups(unit, signed), want)
	others := strings.Join(names(signed), ", ")
	for _, r := range holders {
		if !r.certs[unit].selfSigned {
			continue
		}
		f.Nodes = []string{r.node.Name}
		named := slices.ContainsFunc(multi, func(g certGroup) bool {
			return len(commonNames([]string{r.member.FQDN}, g.cert.sans)) > 0
		})
		switch {
		case named:
			a.add(f, "%s on %s: self-signed, while %s %s the CA-signed multi-server certificate "+
				"that names it (a rebuilt node): regenerate the multi-server certificate%s",
				unit, r.node.Name, others, hold(len(signed)), with(rb))
		case len(multi) > 0:
			a.add(f, "%s on %s: self-signed, while %s %s a CA-signed multi-server certificate "+
				"that does not name it (a node added or renamed since): regenerate it%s; "+
				"the new CSR must include %s", unit, r.node.Name, others, hold(len(signed)), with(rb),
				r.member.FQDN)
		default:
			a.add(f, "%s on %s: self-signed, while %s %s CA-signed certificates: make a CA-signed "+
				"multi-server certificate%s", unit, r.node.Name, others, hold(len(signed)), with(rb))
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func hold(n int) string {
	if n == 1 {
		return "holds"
	}
	return "hold"
}

// caSignedBy names the runbook that would make a unit's certificate
// CA-signed, when there is one.
func caSignedBy(rb string) string {
	if rb == "" {
		return ""
	}
	return " (" + rb + " makes a CA-signed multi-server certificate, if one is wanted)"
}

// with names the runbook that does the work, when there is one.
func with(rb string) string {
	if rb == "" {
		return ""
	}
	return " with " + rb
}

// sans reports multi-server certificates that leave out nodes holding
// the unit.
func (a *audit) sans(unit string, signed []*nodeRead, want []string) {
	rb := a.in.runbookFor(unit)
	for _, g := range multiServer(groups(unit, signed), want) {
		missing := missingNames(want, g.cert.sans)
		if len(missing) == 0 {
			continue
		}
		a.add(AuditFinding{Kind: findMissingSAN, Unit: unit, Nodes: missing, Action: true, Runbook: rb},
			"%s: the multi-server certificate on %s (serial %s) does not name %s: regenerate it%s; "+
				"the new CSR must include every node", unit, strings.Join(g.names(), ", "),
			g.cert.serial, strings.Join(missing, ", "), with(rb))
	}
}

// expiry reports a certificate that expires within expiry_days.
func (a *audit) expiry(unit string, g certGroup) {
	h := g.cert
	left := h.notAfter.Sub(a.now)
	if h.notAfter.IsZero() || left >= time.Duration(a.in.ExpiryDays)*24*time.Hour {
		return
	}
	rb := a.in.runbookFor(unit)
	f := AuditFinding{Kind: findExpiring, Unit: unit, Nodes: g.names(), Action: true, Runbook: rb}
	when := fmt.Sprintf("expires on %s, in %s", h.notAfter.UTC().Format("2006-01-02"), days(left))
	if left <= 0 {
		f.Kind, when = findExpired, "expired on "+h.notAfter.UTC().Format("2006-01-02")
	}
	what, fix := fmt.Sprintf("the certificate (serial %s)", h.serial), "renew it"+with(rb)
	if h.selfSigned {
		what, fix = "the self-signed certificate", "regenerate it (set cert regen "+unit+")"
		if hasUnit(a.in.SelfSignedOK, unit) {
			f.Runbook = ""
		} else {
			fix = "replace it with a CA-signed multi-server certificate" + with(rb) + ", or " + fix
		}
	}
	a.add(f, "%s on %s: %s %s (expiry_days %d): %s", unit, strings.Join(f.Nodes, ", "), what, when,
		a.in.ExpiryDays, fix)
}

// days says how long d is in whole days.
func days(d time.Duration) string {
	switch n := int(d / (24 * time.Hour)); n {
	case 0:
		return "less than a day"
	case 1:
		return "1 day"
	default:
		return fmt.Sprintf("%d days", n)
	}
}

// clientAuth reports a CA-signed certificate without Client
// Authentication for a unit that acts as a TLS client.
func (a *audit) clientAuth(unit string, g certGroup) {
	if !hasUnit(a.in.ClientAuth, unit) || g.cert.selfSigned || !g.cert.noClientAuth {
		return
	}
	rb := a.in.runbookFor(unit)
	a.add(AuditFinding{Kind: findClientAuth, Unit: unit, Nodes: g.names(), Action: true, Runbook: rb},
		"%s on %s: the certificate (serial %s) lacks Client Authentication, which %s needs as a "+
			"TLS client: have it signed again with Server and Client Authentication%s "+
			"(with AD CS, a template that keeps both)", unit, strings.Join(g.names(), ", "),
		g.cert.serial, unit, with(rb))
}

// chains reports CA-signed certificates whose issuer is not in the unit's
// trust store.
func (a *audit) chains(unit string, signed []*nodeRead) {
	store := trustStore(unit)
	for _, g := range groups(unit, signed) {
		lacking := slices.DeleteFunc(slices.Clone(g.reads), func(r *nodeRead) bool {
			return r.trusts(store, g.cert)
		})
		if len(lacking) == 0 {
			continue
		}
		a.add(AuditFinding{Kind: findChain, Unit: unit, Nodes: names(lacking), Action: true},
			"%s on %s: the issuer of its certificate (%s) is not in %s, so the chain is incomplete: "+
				"upload the CA chain to %s, root first", unit, strings.Join(names(lacking), ", "),
			g.cert.issuerCN, store, store)
	}
}

// trusts reports whether store holds the issuer of h: the certificate
// that signed it when the store's certificates are known, else a file
// named after the issuer's CN (the CLI lists names only).
func (r *nodeRead) trusts(store string, h *heldCert) bool {
	return slices.ContainsFunc(r.trust[strings.ToLower(store)], func(t storeCert) bool {
		if t.cert != nil && h.cert != nil {
			return x509inspect.Issued(h.cert, t.cert)
		}
		return strings.EqualFold(t.file, issuerFile(h.issuerCN))
	})
}

// issuerFile is the trust file name CUCM gives a CA of that CN.
func issuerFile(cn string) string {
	return strings.NewReplacer(" ", "_", "/", "_").Replace(cn) + ".pem"
}

// served compares what each node serves on HTTPS with its installed
// tomcat certificate, and verifies the served chain against tomcat-trust.
func (a *audit) served(holders []*nodeRead) {
	for _, r := range holders {
		h := r.certs["tomcat"]
		f := AuditFinding{Kind: findNotRestarted, Unit: "tomcat", Nodes: []string{r.node.Name}, Action: true}
		switch {
		case r.servedErr != nil:
			f.Kind = findUnread
			a.add(f, "tomcat on %s: not audited on HTTPS: %v", r.node.Name, r.servedErr)
		case len(r.served) == 0:
		case !sameCert(r.served[0], h):
			a.add(f, "tomcat on %s: serves the certificate with serial %s on HTTPS, not the installed "+
				"one (serial %s): Cisco Tomcat was not restarted after the upload; restart it "+
				"(utils service restart Cisco Tomcat)", r.node.Name,
				strings.ToUpper(r.served[0].SerialNumber.Text(16)), h.serial)
		case !h.selfSigned && h.notAfter.After(a.now) && r.trusts("tomcat-trust", h):
			if err := r.verifyServed(a.now); err != nil {
				f.Kind = findServedChain
				a.add(f, "tomcat on %s: the chain it serves on HTTPS (%d certificate%s) does not lead "+
					"to a root CA of tomcat-trust (%v): put every CA of its chain in tomcat-trust, "+
					"root first, then restart Cisco Tomcat", r.node.Name, len(r.served),
					plural(len(r.served)), err)
			}
		}
	}
}

// sameCert reports whether served is h: the same DER when h's is known,
// else the same serial number.
func sameCert(served *x509.Certificate, h *heldCert) bool {
	if h.cert != nil {
		return served.Equal(h.cert)
	}
	return strings.EqualFold(served.SerialNumber.Text(16), h.serial)
}

// verifyServed verifies the served chain as a TLS client holding the
// root CAs of tomcat-trust does: the intermediates must be served. It
// cannot tell when the CLI gave the store's names only.
func (r *nodeRead) verifyServed(now time.Time) error {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, t := range r.trust["tomcat-trust"] {
		if t.cert == nil {
			return nil
		}
		if selfSigned(t.cert) {
			roots.AddCert(t.cert)
		}
	}
	for _, c := range r.served[1:] {
		inter.AddCert(c)
	}
	_, err := r.served[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	return err
}

// leftovers reports, for information, the self-signed certificates still
// listed beside a CA-signed one (CSCur97909).
func (a *audit) leftovers(unit string, holders []*nodeRead) {
	var listing []*nodeRead
	for _, r := range holders {
		if len(r.leftovers[unit]) > 0 {
			listing = append(listing, r)
		}
	}
	if len(listing) == 0 {
		return
	}
	a.add(AuditFinding{Kind: findLeftover, Unit: unit, Nodes: names(listing)},
		"%s: self-signed certificates are still listed beside the CA-signed one on %s "+
			"(CSCur97909): they are not in use; nothing to do", unit, strings.Join(names(listing), ", "))
}
