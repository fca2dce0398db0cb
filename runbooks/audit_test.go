package runbooks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps/ca"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

const certAudit = "cucm-cert-audit"

// auditAfterTomcat is the param most tests audit with after the tomcat
// procedure: the other units stay self-signed on purpose.
const auditAfterTomcat = "  self_signed_ok: [CallManager, cup-xmpp, cup-xmpp-s2s]\n"

// auditLeftovers is the informational finding every audit after the
// tomcat procedure makes (CSCur97909).
const auditLeftovers = "tomcat: self-signed certificates are still listed beside the CA-signed one on " +
	"cucm-pub, cucm-sub1, imp-pub (CSCur97909): they are not in use; nothing to do"

// auditAccepted is the informational finding of a unit self-signed on
// every node (nodes) that self_signed_ok accepts.
func auditAccepted(unit, nodes string) string {
	rb := map[string]string{"tomcat": "cucm-tomcat-multiserver-san",
		"CallManager": "cucm-callmanager-multiserver-san"}[unit]
	if rb == "" {
		rb = "imp-xmpp-multiserver-san"
	}
	return unit + ": every node has a self-signed certificate (" + nodes + "), as installed, which " +
		"self_signed_ok accepts: nothing to do (" + rb + " makes a CA-signed multi-server " +
		"certificate, if one is wanted)"
}

// auditInfoAfterTomcat are the informational findings of an audit with
// auditAfterTomcat: leftovers of tomcat, then the units kept self-signed.
func auditInfoAfterTomcat(leftovers string) []string {
	return []string{leftovers, auditAccepted("CallManager", "cucm-pub, cucm-sub1"),
		auditAccepted("cup-xmpp", "imp-pub"), auditAccepted("cup-xmpp-s2s", "imp-pub")}
}

// auditTomcatLab starts cfg and runs the tomcat procedure on it with the
// lab CA kept in DIR/ca, where auditCA finds it.
func auditTomcatLab(t *testing.T, cfg *cucmsim.Config, extra string) *lab {
	t.Helper()
	l := startLab(t, cfg, "")
	l.writeSite("  local_ca_dir: " + filepath.Join(l.dir, "ca") + "\n" + extra)
	wantOutcome(t, l.run(tomcat), engine.StateSucceeded)
	return l
}

// auditSite writes the audit's own site file for the cluster as it is now
// (the simulator's nodes, api_insecure and params: YAML lines continuing
// the params mapping) and returns its path.
func auditSite(l *lab, params string) string {
	l.t.Helper()
	path := filepath.Join(l.dir, "audit-site.yaml")
	if err := l.sim.WriteSite(path); err != nil {
		l.t.Fatal(err)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		l.t.Fatal(err)
	}
	head, _, _ := strings.Cut(string(text), "\nparams:\n")
	if err := os.WriteFile(path, []byte(head+"\nparams:\n  api_insecure: true\n"+params), 0o644); err != nil {
		l.t.Fatal(err)
	}
	return path
}

// auditRun runs the audit with a new site file (see auditSite).
func auditRun(l *lab, params string) *engine.Outcome {
	l.t.Helper()
	return auditRunSite(l, auditSite(l, params))
}

// auditRunSite runs the audit with site. Each audit is a new run: an
// audit that found something leaves its run blocked.
func auditRunSite(l *lab, site string) *engine.Outcome {
	l.t.Helper()
	opts := l.opts()
	opts.New = true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := engine.Run(ctx, opts, engine.LoadOptions{Runbook: certAudit, Site: site})
	if err != nil {
		l.t.Fatalf("run %s: %v", certAudit, err)
	}
	return out
}

// auditReport returns the findings of a run as its report (runbook
// report) holds them: the audit fact's action and info lines.
func auditReport(l *lab, out *engine.Outcome) (action, info []string) {
	l.t.Helper()
	r, err := engine.BuildReport(l.store, l.loader, out.RunID)
	if err != nil {
		l.t.Fatal(err)
	}
	fact, ok := r.Facts["audit"].(map[string]any)
	if !ok {
		l.t.Fatalf("the report has no audit fact: %v", r.Facts)
	}
	action, info = auditStrings(fact["action"]), auditStrings(fact["info"])
	var step engine.StepState
	for _, s := range r.Steps {
		if s.ID == "findings" {
			step = s
		}
	}
	if len(action)+len(info) > 0 && (step.State != engine.StateSucceeded ||
		!slices.Equal(auditStrings(step.Outputs["need_action"]), action) ||
		!slices.Equal(auditStrings(step.Outputs["information"]), info)) {
		l.t.Errorf("the report's step findings (%s) does not list the findings: %v", step.State, step.Outputs)
	}
	return action, info
}

func auditStrings(v any) []string {
	out := []string{}
	list, _ := v.([]any)
	for _, s := range list {
		out = append(out, s.(string))
	}
	return out
}

// auditWant checks an audit's outcome and findings: exit 0 (succeeded)
// when no finding needs action, else exit 3 (blocked by guard
// certificates_in_order) with every finding in the message, one per line,
// and the runbooks named in the hint.
func auditWant(t *testing.T, l *lab, out *engine.Outcome, action, info, runbooks []string) {
	t.Helper()
	gotAction, gotInfo := auditReport(l, out)
	if !slices.Equal(gotAction, action) {
		t.Errorf("findings that need action:\n got %q\nwant %q", gotAction, action)
	}
	if !slices.Equal(gotInfo, info) {
		t.Errorf("informational findings:\n got %q\nwant %q", gotInfo, info)
	}
	if len(action) == 0 {
		wantOutcome(t, out, engine.StateSucceeded)
		return
	}
	wantOutcome(t, out, engine.StateBlocked)
	count := fmt.Sprintf("%d findings need", len(action))
	if len(action) == 1 {
		count = "1 finding needs"
	}
	msg := "step verdict blocked: guard certificates_in_order: " + count + " action:\n" +
		strings.Join(action, "\n")
	if out.Message != msg {
		t.Errorf("message:\n got %s\nwant %s", out.Message, msg)
	}
	st := stepState(l.status(), "verdict")
	hint := "fix what each finding says, then audit again (runbook resume, or runbook plan cucm-cert-audit)"
	if len(runbooks) > 0 {
		hint = "regenerate with " + strings.Join(runbooks, ", ") + " where a finding says so and fix " +
			"the rest as each says, then audit again (runbook resume, or runbook plan cucm-cert-audit)"
	}
	if st.State != engine.StateBlocked || !strings.Contains(auditEvents(l), hint) {
		t.Errorf("verdict %s; want blocked with hint %q in the events", st.State, hint)
	}
}

// auditEvents returns the hints of the blocked events the lab saw.
func auditEvents(l *lab) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.events {
		if e.Kind == engine.EventBlocked {
			b.WriteString(e.Hint + "\n")
		}
	}
	return b.String()
}

// auditSerial is the serial of a node's installed certificate of unit,
// as the findings write it.
func auditSerial(l *lab, node, unit string) string {
	return strings.ToUpper(l.sim.InstalledCertificate(node, unit).SerialNumber.Text(16))
}

// TestAuditCleanAfterTomcat audits a cluster right after the tomcat
// procedure, reading by the REST API and by the CLI: nothing needs
// action (exit 0), and the self-signed leftovers are reported for
// information.
func TestAuditCleanAfterTomcat(t *testing.T) {
	l := auditTomcatLab(t, cucmsim.TestConfig(""), labSiteExtra)
	for _, method := range []string{"api", "cli"} {
		out := auditRun(l, auditAfterTomcat+"  method: "+method+"\n")
		auditWant(t, l, out, nil, auditInfoAfterTomcat(auditLeftovers), nil)
		r, err := engine.BuildReport(l.store, l.loader, out.RunID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.HasPrefix(w, "CSCur97909: ") }) {
			t.Errorf("%s: the report does not warn of CSCur97909: %q", method, r.Warnings)
		}
		if st := stepState(l.status(), "findings"); st.State != engine.StateSucceeded {
			t.Errorf("%s: step findings %s", method, st.State)
		}
	}
}

// TestAuditFreshCluster audits a cluster that only has the self-signed
// certificates it was installed with: every unit is reported, with the
// runbook that makes its multi-server certificate.
func TestAuditFreshCluster(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), "")
	out := auditRun(l, "")
	auditWant(t, l, out, []string{
		"tomcat: every node has a self-signed certificate (cucm-pub, cucm-sub1, imp-pub): make a CA-signed " +
			"multi-server certificate with cucm-tomcat-multiserver-san",
		"cup-xmpp: every node has a self-signed certificate (imp-pub): make a CA-signed multi-server " +
			"certificate with imp-xmpp-multiserver-san",
		"cup-xmpp-s2s: every node has a self-signed certificate (imp-pub): make a CA-signed multi-server " +
			"certificate with imp-xmpp-multiserver-san",
	}, []string{auditAccepted("CallManager", "cucm-pub, cucm-sub1")},
		[]string{"cucm-tomcat-multiserver-san", "imp-xmpp-multiserver-san"})

	// With self_signed_ok emptied, CallManager needs action too.
	auditWant(t, l, auditRun(l, "  self_signed_ok: []\n"), []string{
		"tomcat: every node has a self-signed certificate (cucm-pub, cucm-sub1, imp-pub): make a CA-signed " +
			"multi-server certificate with cucm-tomcat-multiserver-san",
		"CallManager: every node has a self-signed certificate (cucm-pub, cucm-sub1): make a CA-signed " +
			"multi-server certificate with cucm-callmanager-multiserver-san",
		"cup-xmpp: every node has a self-signed certificate (imp-pub): make a CA-signed multi-server " +
			"certificate with imp-xmpp-multiserver-san",
		"cup-xmpp-s2s: every node has a self-signed certificate (imp-pub): make a CA-signed multi-server " +
			"certificate with imp-xmpp-multiserver-san",
	}, []string{}, []string{"cucm-tomcat-multiserver-san", "cucm-callmanager-multiserver-san",
		"imp-xmpp-multiserver-san"})
}

// TestAuditCallManagerSelfSigned: by default (self_signed_ok
// [CallManager]) a cluster that keeps CallManager self-signed on every
// node, as installed, is in order (exit 0, one line for information); a
// node self-signed while another holds a CA-signed CallManager
// certificate needs action.
func TestAuditCallManagerSelfSigned(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), "")
	const units = "  units: [CallManager]\n"
	auditWant(t, l, auditRun(l, units), nil,
		[]string{auditAccepted("CallManager", "cucm-pub, cucm-sub1")}, nil)

	c := otherCA(t)
	if _, err := l.sim.Upload("cucm-pub", cucmsim.GUIUpload{Unit: "CallManager-trust",
		Certificate: auditPEM(c.cert)}); err != nil {
		t.Fatal(err)
	}
	leaf, key := c.issue(t, l, 0xca11, time.Now().AddDate(1, 0, 0), x509.ExtKeyUsageServerAuth,
		x509.ExtKeyUsageClientAuth)
	if err := l.sim.InstallIdentity("cucm-pub", "CallManager", []*x509.Certificate{leaf, c.cert}, key); err != nil {
		t.Fatal(err)
	}
	auditWant(t, l, auditRun(l, units), []string{"CallManager on cucm-sub1: self-signed, while " +
		"cucm-pub holds the CA-signed multi-server certificate that names it (a rebuilt node): " +
		"regenerate the multi-server certificate with cucm-callmanager-multiserver-san"},
		[]string{}, []string{"cucm-callmanager-multiserver-san"})
}

func auditPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// TestAuditAddedNode adds a subscriber after the tomcat procedure: the
// audit sees it in the cluster whether or not the site lists it, and
// recommends a new CSR that includes it.
func TestAuditAddedNode(t *testing.T) {
	l := auditTomcatLab(t, cucmsim.TestConfig(""), labSiteExtra)
	oldSite := auditSite(l, auditAfterTomcat)
	if err := l.sim.AddNode(cucmsim.NodeConfig{Name: "cucm-sub2", Role: "subscriber",
		Product: "callmanager", Address: "127.0.0.24"}); err != nil {
		t.Fatal(err)
	}
	missing := "tomcat: the multi-server certificate on cucm-pub, cucm-sub1, imp-pub (serial " +
		auditSerial(l, "cucm-pub", "tomcat") + ") does not name cucm-sub2.lab.example.com: regenerate it " +
		"with cucm-tomcat-multiserver-san; the new CSR must include every node"
	t.Run("site not updated", func(t *testing.T) {
		auditWant(t, l, auditRunSite(l, oldSite), []string{
			"cucm-sub2.lab.example.com is a cluster node (show network cluster) that the site's " +
				"inventory lacks: its certificates were not read; add it to the site file",
			missing,
		}, auditInfoAfterTomcat(auditLeftovers), []string{"cucm-tomcat-multiserver-san"})
	})
	t.Run("site updated", func(t *testing.T) {
		auditWant(t, l, auditRun(l, auditAfterTomcat), []string{
			"tomcat on cucm-sub2: self-signed, while cucm-pub, cucm-sub1, imp-pub hold a CA-signed " +
				"multi-server certificate that does not name it (a node added or renamed since): regenerate " +
				"it with cucm-tomcat-multiserver-san; the new CSR must include cucm-sub2.lab.example.com",
			missing,
		}, []string{auditLeftovers, auditAccepted("CallManager", "cucm-pub, cucm-sub1, cucm-sub2"),
			auditAccepted("cup-xmpp", "imp-pub"), auditAccepted("cup-xmpp-s2s", "imp-pub")},
			[]string{"cucm-tomcat-multiserver-san"})
	})
}

// TestAuditBackToSelfSigned changes a subscriber after the tomcat
// procedure - new host name, new domain, rebuilt without a backup - and
// the audit finds it back to self-signed.
func TestAuditBackToSelfSigned(t *testing.T) {
	leftovers := "tomcat: self-signed certificates are still listed beside the CA-signed one on " +
		"cucm-pub, imp-pub (CSCur97909): they are not in use; nothing to do"
	renamed := func(fqdn string) []string {
		return []string{
			"tomcat on cucm-sub1: self-signed, while cucm-pub, imp-pub hold a CA-signed multi-server " +
				"certificate that does not name it (a node added or renamed since): regenerate it with " +
				"cucm-tomcat-multiserver-san; the new CSR must include " + fqdn,
			"tomcat: the multi-server certificate on cucm-pub, imp-pub (serial SERIAL) does not name " + fqdn +
				": regenerate it with cucm-tomcat-multiserver-san; the new CSR must include every node",
		}
	}
	tests := []struct {
		name   string
		change func(*cucmsim.Cluster) error
		want   []string
	}{
		{"host name changed", func(c *cucmsim.Cluster) error {
			return c.RenameNode("cucm-sub1", "cucm-sub1b", "")
		}, renamed("cucm-sub1b.lab.example.com")},
		{"domain changed", func(c *cucmsim.Cluster) error {
			return c.RenameNode("cucm-sub1", "", "voice.example.com")
		}, renamed("cucm-sub1.voice.example.com")},
		{"subscriber rebuilt", func(c *cucmsim.Cluster) error { return c.RebuildNode("cucm-sub1") },
			[]string{"tomcat on cucm-sub1: self-signed, while cucm-pub, imp-pub hold the CA-signed " +
				"multi-server certificate that names it (a rebuilt node): regenerate the multi-server " +
				"certificate with cucm-tomcat-multiserver-san"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := auditTomcatLab(t, cucmsim.TestConfig(""), labSiteExtra)
			if err := tt.change(l.sim); err != nil {
				t.Fatal(err)
			}
			serial := auditSerial(l, "cucm-pub", "tomcat")
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = strings.Replace(w, "SERIAL", serial, 1)
			}
			auditWant(t, l, auditRun(l, auditAfterTomcat), want, auditInfoAfterTomcat(leftovers),
				[]string{"cucm-tomcat-multiserver-san"})
		})
	}
}

// auditCA is a certificate authority for certificates the tests install.
type auditCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// labCA returns the issuing CA of the lab CA the tomcat procedure made
// (its chain is in tomcat-trust).
func labCA(t *testing.T, l *lab) auditCA {
	t.Helper()
	a, err := ca.Peek(filepath.Join(l.dir, "ca"))
	if err != nil || a == nil || a.Issuing == nil {
		t.Fatalf("no lab CA: %v", err)
	}
	return auditCA{a.Issuing.Cert, a.Issuing.Key}
}

// otherCA returns a CA the cluster has never seen.
func otherCA(t *testing.T) auditCA {
	t.Helper()
	key := auditKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Other Issuing CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(2, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return auditCA{cert, key}
}

func auditKey(t *testing.T) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// issue makes a tomcat certificate naming every node of the lab, valid
// until notAfter, with the given extended key usages.
func (c auditCA) issue(t *testing.T, l *lab, serial int64, notAfter time.Time,
	usages ...x509.ExtKeyUsage) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	var names []string
	for _, n := range l.sim.Nodes() {
		names = append(names, n.FQDN)
	}
	key := auditKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usages}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, key.Public(), c.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestAuditInstalledCertificates installs, after the tomcat procedure, a
// certificate on cucm-sub1 that has one of the field problems of
// DOMAIN.md, and checks the one finding it must cause.
func TestAuditInstalledCertificates(t *testing.T) {
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	soon := time.Now().Add(5*24*time.Hour + 12*time.Hour)
	tests := []struct {
		name   string
		method string
		// install returns the chain to install (leaf first) and its key.
		install func(t *testing.T, l *lab) ([]*x509.Certificate, crypto.Signer)
		want    string
	}{
		{"expires within 30 days", "api", func(t *testing.T, l *lab) ([]*x509.Certificate, crypto.Signer) {
			c := labCA(t, l)
			leaf, key := c.issue(t, l, 0x5005, soon, both...)
			return []*x509.Certificate{leaf, c.cert}, key
		}, "tomcat on cucm-sub1: the certificate (serial 5005) expires on " + soon.UTC().Format("2006-01-02") +
			", in 5 days (expiry_days 30): renew it with cucm-tomcat-multiserver-san"},
		{"server authentication only", "api", func(t *testing.T, l *lab) ([]*x509.Certificate, crypto.Signer) {
			c := labCA(t, l)
			leaf, key := c.issue(t, l, 0x5e7, time.Now().AddDate(1, 0, 0), x509.ExtKeyUsageServerAuth)
			return []*x509.Certificate{leaf, c.cert}, key
		}, "tomcat on cucm-sub1: the certificate (serial 5E7) lacks Client Authentication, which tomcat " +
			"needs as a TLS client: have it signed again with Server and Client Authentication with " +
			"cucm-tomcat-multiserver-san (with AD CS, a template that keeps both)"},
		{"issuer not in tomcat-trust", "api", auditOtherIssuer,
			"tomcat on cucm-sub1: the issuer of its certificate (Other Issuing CA) is not in tomcat-trust, so " +
				"the chain is incomplete: upload the CA chain to tomcat-trust, root first"},
		{"issuer not in tomcat-trust, by the CLI", "cli", auditOtherIssuer,
			"tomcat on cucm-sub1: the issuer of its certificate (Other Issuing CA) is not in tomcat-trust, so " +
				"the chain is incomplete: upload the CA chain to tomcat-trust, root first"},
		{"intermediate not served", "api", func(t *testing.T, l *lab) ([]*x509.Certificate, crypto.Signer) {
			leaf, key := labCA(t, l).issue(t, l, 0x1eaf, time.Now().AddDate(1, 0, 0), both...)
			return []*x509.Certificate{leaf}, key
		}, "tomcat on cucm-sub1: the chain it serves on HTTPS (1 certificate) does not lead to a root CA of " +
			"tomcat-trust (x509: certificate signed by unknown authority): put every CA of its chain in " +
			"tomcat-trust, root first, then restart Cisco Tomcat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l := auditTomcatLab(t, cucmsim.TestConfig(""), labSiteExtra)
			chain, key := tt.install(t, l)
			if err := l.sim.InstallIdentity("cucm-sub1", "tomcat", chain, key); err != nil {
				t.Fatal(err)
			}
			out := auditRun(l, auditAfterTomcat+"  method: "+tt.method+"\n")
			auditWant(t, l, out, []string{tt.want}, auditInfoAfterTomcat(auditLeftovers), auditRunbooks(tt.want))
		})
	}
}

func auditOtherIssuer(t *testing.T, l *lab) ([]*x509.Certificate, crypto.Signer) {
	c := otherCA(t)
	leaf, key := c.issue(t, l, 0x0e1, time.Now().AddDate(1, 0, 0), x509.ExtKeyUsageServerAuth,
		x509.ExtKeyUsageClientAuth)
	return []*x509.Certificate{leaf, c.cert}, key
}

// auditRunbooks is the runbook a finding names, as the hint lists it.
func auditRunbooks(finding string) []string {
	if strings.Contains(finding, "cucm-tomcat-multiserver-san") {
		return []string{"cucm-tomcat-multiserver-san"}
	}
	return nil
}

// TestAuditSelfSignedExpiry audits a fresh cluster whose cucm-sub1 made a
// tomcat certificate valid for 20 days.
func TestAuditSelfSignedExpiry(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.Nodes[1].SelfSignedValidity = map[string]time.Duration{"tomcat": 20 * 24 * time.Hour}
	l := startLab(t, cfg, "")
	notAfter := l.sim.InstalledCertificate("cucm-sub1", "tomcat").NotAfter
	out := auditRun(l, "  self_signed_ok: [tomcat, CallManager, cup-xmpp, cup-xmpp-s2s]\n")
	auditWant(t, l, out, []string{"tomcat on cucm-sub1: the self-signed certificate expires on " +
		notAfter.UTC().Format("2006-01-02") + ", in 19 days (expiry_days 30): " +
		"regenerate it (set cert regen tomcat)"},
		[]string{auditAccepted("tomcat", "cucm-pub, cucm-sub1, imp-pub"),
			auditAccepted("CallManager", "cucm-pub, cucm-sub1"), auditAccepted("cup-xmpp", "imp-pub"),
			auditAccepted("cup-xmpp-s2s", "imp-pub")}, nil)
}

// TestAuditTomcatNotRestarted runs the tomcat procedure without the
// restart of cucm-sub1: it still serves its old certificate.
func TestAuditTomcatNotRestarted(t *testing.T) {
	l := auditTomcatLab(t, cucmsim.TestConfig(""), `  api_insecure: true
overrides:
  restart-tomcat: {targets: [publisher, imp], retry: {delay: 10ms}}
  restart-tftp: {retry: {delay: 10ms}}
  verify-served: {skip: true, reason: Cisco Tomcat is left running on cucm-sub1 for the audit}
`)
	served := strings.ToUpper(l.served("cucm-sub1").SerialNumber.Text(16))
	out := auditRun(l, auditAfterTomcat)
	auditWant(t, l, out, []string{"tomcat on cucm-sub1: serves the certificate with serial " + served +
		" on HTTPS, not the installed one (serial " + auditSerial(l, "cucm-sub1", "tomcat") +
		"): Cisco Tomcat was not restarted after the upload; restart it (utils service restart Cisco Tomcat)"},
		auditInfoAfterTomcat(auditLeftovers), nil)
}

// TestAuditIsReadOnly plans and runs the audit of a fresh cluster: the
// plan gives the same verdict as the run, and the simulator's audit log
// shows that neither sent anything but reads.
func TestAuditIsReadOnly(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), "")
	site := auditSite(l, "")
	lo := engine.LoadOptions{Runbook: certAudit, Site: site}
	p, err := engine.Plan(context.Background(), l.opts(), lo, false)
	if err != nil {
		t.Fatal(err)
	}
	out := auditRunSite(l, site)
	wantOutcome(t, out, engine.StateBlocked)
	if !p.Blocked || len(p.Steps) != 2 || "step verdict blocked: "+p.Steps[1].Reason != out.Message {
		t.Errorf("plan %+v\ndoes not say what the run said: %s", p.Steps, out.Message)
	}
	var reads int
	for _, e := range l.sim.Audit() {
		switch {
		case e.Channel == cucmsim.ChannelSim:
		case e.Channel == cucmsim.ChannelCLI && auditReadCommand(e.Command),
			e.Channel == cucmsim.ChannelAPI && strings.HasPrefix(e.Command, "GET "):
			reads++
		default:
			t.Errorf("the audit sent %s %q to %s", e.Channel, e.Command, e.Node)
		}
	}
	if reads == 0 {
		t.Errorf("the audit log shows no reads: %+v", l.sim.Audit())
	}
	if cert := l.served("cucm-sub1"); cert.Issuer.String() != cert.Subject.String() {
		t.Errorf("cucm-sub1 serves a certificate issued by %s", cert.Issuer)
	}
}

// auditReadCommand reports whether a CLI line only reads.
func auditReadCommand(cmd string) bool {
	for _, p := range []string{"login ", "show ", "set cli pagination off"} {
		if strings.HasPrefix(cmd, p) {
			return true
		}
	}
	return false
}

// TestAuditNodesDown audits with a node down: a subscriber is a finding
// (exit 3), the publisher - where the cluster's node list is read - stops
// the audit (exit 1).
func TestAuditNodesDown(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), "")
	sub, _ := l.sim.Node("cucm-sub1")
	if err := l.sim.SetDown("cucm-sub1", true); err != nil {
		t.Fatal(err)
	}
	params := "  self_signed_ok: [tomcat, CallManager, cup-xmpp, cup-xmpp-s2s]\n  method: cli\n"
	auditWant(t, l, auditRun(l, params), []string{"cucm-sub1: not audited: connect to cucm-sub1: dial tcp " +
		sub.SSHAddr() + ": connect: connection refused"},
		[]string{auditAccepted("tomcat", "cucm-pub, imp-pub"), auditAccepted("CallManager", "cucm-pub"),
			auditAccepted("cup-xmpp", "imp-pub"), auditAccepted("cup-xmpp-s2s", "imp-pub")}, nil)

	pub, _ := l.sim.Node("cucm-pub")
	if err := l.sim.SetDown("cucm-pub", true); err != nil {
		t.Fatal(err)
	}
	out := auditRun(l, params)
	wantOutcome(t, out, engine.StateFailed)
	want := "fact audit: connect to cucm-pub: dial tcp " + pub.SSHAddr() + ": connect: connection refused"
	if out.Message != want {
		t.Errorf("message %q, want %q", out.Message, want)
	}
}

// TestAuditNotInTheWay: an audit that found something ends blocked (exit
// 3) but changes nothing, so neither another audit nor the tomcat
// procedure for the same site needs --new.
func TestAuditNotInTheWay(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
	site := auditSite(l, "")
	for range 2 {
		out, err := engine.Run(context.Background(), l.opts(),
			engine.LoadOptions{Runbook: certAudit, Site: site})
		if err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, out, engine.StateBlocked)
	}
	wantOutcome(t, l.run(tomcat), engine.StateSucceeded)
}
