package runbooks_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
	"github.com/ucops/runbook/steps/x509/x509test"
)

// The release tests run cucm-tomcat-multiserver-san, as shipped, on each
// release the simulator models: 10.5 and 12.5 have no certificate REST
// API, so the run pauses for the operator to generate the multi-server
// CSR in OS Administration (played here through the simulator's GUI
// stand-in); 14 and 15 generate it over the REST API. Mixed mode does not
// change the Tomcat procedure. The tomcat* helpers here serve the field
// tests too.

// tomcatCSRAPI is the REST API call that generates a CSR (release 14 on).
const tomcatCSRAPI = "POST /platformcom/api/v1/certmgr/config/csr"

// tomcatHandoffPause is how the run stops for the GUI hand-off: the
// instructions name the site's nodes in its order and, on 10.5.2, ask for
// the CN under Other Domains (CSCus47235).
func tomcatHandoffPause(l *lab) string {
	var fqdns []string
	for _, n := range l.sim.Nodes() {
		fqdns = append(fqdns, n.FQDN)
	}
	cn := ""
	if strings.HasPrefix(l.sim.Release(), "10.5.2.") {
		cn = " On 10.5.2 the CN is not copied into the SAN list (CSCus47235): add the CN " +
			"under Other Domains - by default the publisher's FQDN, cucm-pub.lab.example.com."
	}
	return "step handoff-csr waiting: waiting for an operator: In Cisco Unified OS " +
		"Administration on the publisher, open Security > Certificate Management > Generate " +
		"CSR. Choose Certificate Purpose tomcat, Distribution Multi-server(SAN), key length " +
		"2048 and hash SHA256. Check that every node is listed in the SAN: " +
		strings.Join(fqdns, ", ") + "." + cn + " Generate, then Download CSR and save the " +
		"file where this tool can read it."
}

// TestTomcatReleases runs the procedure on each release and security
// mode and judges it from outside: every node serves one new certificate
// naming every node, Tomcat restarted once per node with the publisher
// first and after the upload, TFTP restarted on the CUCM nodes, the CSR
// made the way the release allows, and no CTL update in mixed mode (the
// Tomcat certificate is not in the CTL file).
func TestTomcatReleases(t *testing.T) {
	cases := []struct {
		name    string
		release string
		mode    int
		handoff bool // no REST API: the operator makes the CSR in the GUI
	}{
		{"10.5 GUI hand-off", "10.5", 0, true},
		{"12.5 GUI hand-off", "12.5", 0, true},
		{"12.5 mixed mode", "12.5", 1, true},
		{"14 mixed mode", "14.0.1.12900-161", 1, false},
		{"15 REST API", "15.0", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig(tc.release)
			cfg.SecurityMode = tc.mode
			// The publisher last in the site: restarts put it first anyway.
			cfg.Nodes = append(cfg.Nodes[1:], cfg.Nodes[0])
			l := startLab(t, cfg, labSiteExtra)
			out := l.run(tomcat)
			if tc.handoff {
				out = tomcatHandoff(t, l, out, tomcatGUICSR(t, l, "csr.pem"))
			}
			wantOutcome(t, out, engine.StateSucceeded)

			tomcatServesNew(t, l, "Runbook Lab Issuing CA")
			tomcatRestartedOnce(t, l)
			tomcatCSRMadeBy(t, l, tc.handoff)
			tomcatWantCaveats(t, l.status().Warnings, l.sim.Release(), tc.handoff)
			if ctl := l.commands("utils ctl"); len(ctl) > 0 {
				t.Errorf("the tomcat procedure ran %q", ctl)
			}
			if st := l.sim.State(); st.SecurityMode != tc.mode || st.CTLUpdated != nil {
				t.Errorf("cluster state after the run: %+v", st)
			}
		})
	}
}

// tomcatWantCaveats checks the caveats shown on release: the defect
// every multi-server upload has, and the GUI hand-off where the release
// has no REST API.
func tomcatWantCaveats(t *testing.T, shown []string, release string, handoff bool) {
	t.Helper()
	want := []string{"CSCur97909: after a multi-server upload the old self-signed " +
		"certificates stay listed in the certificate list; they are not in use"}
	if handoff {
		want = append(want, "gui-handoff: release "+release+" has no certificate REST API; "+
			"an operator generates the multi-server CSR in Cisco Unified OS Administration")
	}
	if !slices.Equal(shown, want) {
		t.Errorf("caveats:\n%q\nwant:\n%q", shown, want)
	}
}

// tomcatHandoff checks that a run paused at handoff-csr as an operator
// sees it (exit 4, the instructions, the exact resume command) and that
// nothing changed yet; then it confirms with csrFile as the operator
// would and returns how the resumed run ended.
func tomcatHandoff(t *testing.T, l *lab, out *engine.Outcome, csrFile string) *engine.Outcome {
	t.Helper()
	wantOutcome(t, out, engine.StateWaiting)
	if want := tomcatHandoffPause(l); out.Message != want {
		t.Errorf("pause message:\n%s\nwant:\n%s", out.Message, want)
	}
	next := "do what the step asks, then: runbook resume " + out.RunID +
		" --confirm handoff-csr --input csr_file=VALUE"
	if out.Next != next {
		t.Errorf("next: %s\nwant: %s", out.Next, next)
	}
	if m := tomcatMutations(l, 0); len(m) > 0 {
		t.Errorf("the run changed the cluster before the hand-off: %q", m)
	}
	return l.resume(engine.ResumeOptions{Confirm: "handoff-csr",
		Inputs: map[string]string{"csr_file": csrFile}})
}

// tomcatGUICSR plays the operator in OS Administration: Generate CSR for
// tomcat, multi-server, on the publisher, with otherDomains as Other Domains;
// Download CSR saves it as name in the lab's directory, whose path it
// returns.
func tomcatGUICSR(t *testing.T, l *lab, name string, otherDomains ...string) string {
	t.Helper()
	return tomcatGUICSRFor(t, l, name, cucmsim.GUICSRRequest{OtherDomains: otherDomains})
}

// tomcatGUICSRFor is tomcatGUICSR with the page's other fields in req.
func tomcatGUICSRFor(t *testing.T, l *lab, name string, req cucmsim.GUICSRRequest) string {
	t.Helper()
	req.Unit, req.Distribution, req.KeySize, req.Hash = "tomcat", "multi-server", 2048, "SHA256"
	res, err := l.sim.GenerateCSR("cucm-pub", req)
	if err != nil {
		t.Fatal(err)
	}
	return tomcatFile(t, l, name, res.CSR)
}

// tomcatServesNew checks over TLS that every node serves one certificate,
// issued by issuer and naming every node of the cluster, and returns it.
func tomcatServesNew(t *testing.T, l *lab, issuer string) *x509.Certificate {
	t.Helper()
	var first *x509.Certificate
	for _, n := range l.sim.Nodes() {
		cert := l.served(n.Name)
		if cert.Issuer.CommonName != issuer {
			t.Errorf("%s serves a certificate issued by %q, want %q", n.Name,
				cert.Issuer.CommonName, issuer)
		}
		for _, m := range l.sim.Nodes() {
			if !slices.Contains(cert.DNSNames, m.FQDN) {
				t.Errorf("%s serves a certificate without %s in its SAN %q", n.Name, m.FQDN,
					cert.DNSNames)
			}
		}
		if first == nil {
			first = cert
		} else if !first.Equal(cert) {
			t.Errorf("%s serves another certificate than cucm-pub", n.Name)
		}
	}
	return first
}

// tomcatServesSelfSigned checks over TLS that no node serves a
// CA-signed certificate yet.
func tomcatServesSelfSigned(t *testing.T, l *lab) {
	t.Helper()
	for _, n := range l.sim.Nodes() {
		if c := l.served(n.Name); c.Issuer.String() != c.Subject.String() {
			t.Errorf("%s serves a certificate issued by %s", n.Name, c.Issuer)
		}
	}
}

// tomcatRestartedOnce checks the audit log: Cisco Tomcat restarted once
// on every node, publisher first, after the certificate upload; Cisco
// TFTP once on each CUCM node, after Tomcat.
func tomcatRestartedOnce(t *testing.T, l *lab) {
	t.Helper()
	tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "imp-pub"})
	tftp := l.commands("utils service restart Cisco TFTP")
	want := []string{"cucm-pub: utils service restart Cisco TFTP",
		"cucm-sub1: utils service restart Cisco TFTP"}
	if !slices.Equal(tftp, want) {
		t.Errorf("TFTP restarts: %q, want %q", tftp, want)
	}
	assertBefore(t, l, "set cert import own tomcat", "utils service restart Cisco Tomcat")
	assertBefore(t, l, "utils service restart Cisco Tomcat", "utils service restart Cisco TFTP")
}

// tomcatRestarts checks that the Tomcat restarts the simulator received
// are, in order, one on each of nodes.
func tomcatRestarts(t *testing.T, l *lab, nodes []string) {
	t.Helper()
	var want []string
	for _, n := range nodes {
		want = append(want, n+": utils service restart Cisco Tomcat")
	}
	if got := l.commands("utils service restart Cisco Tomcat"); !slices.Equal(got, want) {
		t.Errorf("Tomcat restarts:\n%q\nwant:\n%q", got, want)
	}
}

// tomcatCSRMadeBy checks how the CSR was made: by the operator in the
// GUI (nothing generated one over the CLI or the API), or over the REST
// API once, never over the CLI (which has no multi-server distribution).
func tomcatCSRMadeBy(t *testing.T, l *lab, gui bool) {
	t.Helper()
	if cli := l.commands("set csr gen"); len(cli) > 0 {
		t.Errorf("the CLI generated a CSR: %q", cli)
	}
	var api []string
	for _, e := range l.sim.Audit() {
		if e.Channel == cucmsim.ChannelAPI && e.Command == tomcatCSRAPI {
			api = append(api, e.Node)
		}
	}
	want := []string{"cucm-pub"}
	if gui {
		want = nil
	}
	if !slices.Equal(api, want) {
		t.Errorf("CSRs generated over the REST API on %q, want %q", api, want)
	}
}

// tomcatMutations lists what reached the simulator that could change
// it, from the from-th audit entry on: CLI commands that are not
// read-only, and API or GUI calls other than GET.
func tomcatMutations(l *lab, from int) []string {
	var out []string
	for _, e := range l.sim.Audit()[from:] {
		switch {
		case e.Channel == cucmsim.ChannelCLI && !readOnlyCommand(e.Command),
			e.Channel == cucmsim.ChannelAPI && !strings.HasPrefix(e.Command, "GET "),
			e.Channel == cucmsim.ChannelGUI && !strings.HasPrefix(e.Command, "GET "):
			out = append(out, e.Node+": "+e.Command)
		}
	}
	return out
}

// TestTomcatReleasesPlan plans the procedure on each release: the plan
// shows the live facts (release, REST API, the cluster's nodes, the
// services, SSO), decides the GUI hand-off by release, and sends nothing
// that changes the cluster.
func TestTomcatReleasesPlan(t *testing.T) {
	cases := []struct {
		name, release, version string
		restAPI                bool
	}{
		{"10.5", "10.5", "10.5.1.10000-1", false},
		{"12.5", "12.5", "12.5.1.10000-1", false},
		{"14 mixed mode", "14.0.1.12900-161", "14.0.1.12900-161", true},
		{"15", "15.0", "15.0.1.10000-1", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig(tc.release)
			cfg.SecurityMode = 1
			l := startLab(t, cfg, labSiteExtra)
			p := l.plan(tomcat)
			if p.Blocked {
				t.Errorf("plan blocked: %+v", p.Steps)
			}
			version := tomcatPlanFact(t, p, "version")
			if version["version"] != tc.version || version["rest_api"] != tc.restAPI {
				t.Errorf("fact version: %v, want %s with rest_api %v", version, tc.version,
					tc.restAPI)
			}
			cluster := tomcatPlanFact(t, p, "cluster")
			if all := tomcatList(cluster["all"]); all != "cucm-pub.lab.example.com "+
				"cucm-sub1.lab.example.com imp-pub.lab.example.com" {
				t.Errorf("fact cluster lists %s", all)
			}
			if web := tomcatPlanFact(t, p, "web"); len(web) != 3 {
				t.Errorf("fact web covers %d nodes: %v", len(web), web)
			}
			if sso := tomcatPlanFact(t, p, "sso"); sso["enabled"] != false {
				t.Errorf("fact sso: %v", sso)
			}
			wantHandoff := engine.PlanRun
			if tc.restAPI {
				wantHandoff = engine.PlanSkip
			}
			if d := tomcatPlanStep(t, p, "handoff-csr").Decision; d != wantHandoff {
				t.Errorf("handoff-csr: %s, want %s", d, wantHandoff)
			}
			tomcatWantCaveats(t, p.Caveats, tc.version, !tc.restAPI)
			if m := tomcatMutations(l, 0); len(m) > 0 {
				t.Errorf("the plan sent %q", m)
			}
			tomcatServesSelfSigned(t, l)
		})
	}
}

func tomcatPlanFact(t *testing.T, p *engine.PlanResult, id string) map[string]any {
	t.Helper()
	for _, f := range p.Facts {
		if f.ID == id {
			if f.Error != "" {
				t.Errorf("fact %s: %s", id, f.Error)
			}
			v, _ := f.Value.(map[string]any)
			return v
		}
	}
	t.Fatalf("the plan has no fact %s", id)
	return nil
}

func tomcatPlanStep(t *testing.T, p *engine.PlanResult, id string) engine.PlanStep {
	t.Helper()
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("the plan has no step %s", id)
	return engine.PlanStep{}
}

// tomcatList joins a fact's list of strings with spaces.
func tomcatList(v any) string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

const (
	tomcatSSOBlocked = "step check-cluster blocked: guard sso_disabled: SAML SSO is enabled; " +
		"a Tomcat certificate change breaks SAML logins"
	tomcatSSOHint = "disable SSO (utils sso disable), run this runbook, then enable SSO " +
		"again and re-export the service provider metadata to the identity provider"
)

// TestTomcatReleasesSSOBlocked runs and plans with SAML SSO enabled on a
// release without the REST API: both stop at check-cluster (exit 3) with
// the guard's message and its hint, and nothing reaches the cluster but
// reads.
func TestTomcatReleasesSSOBlocked(t *testing.T) {
	cfg := cucmsim.TestConfig("12.5")
	cfg.SSO = true
	l := startLab(t, cfg, labSiteExtra)

	p := l.plan(tomcat)
	step := tomcatPlanStep(t, p, "check-cluster")
	if !p.Blocked || step.Decision != engine.PlanBlocked {
		t.Errorf("plan: blocked %v, check-cluster %s", p.Blocked, step.Decision)
	}
	want := strings.TrimPrefix(tomcatSSOBlocked, "step check-cluster blocked: ")
	if step.Reason != want || step.Hint != tomcatSSOHint {
		t.Errorf("plan of check-cluster: %q (hint %q)", step.Reason, step.Hint)
	}

	out := l.run(tomcat)
	wantOutcome(t, out, engine.StateBlocked)
	if out.Message != tomcatSSOBlocked {
		t.Errorf("message: %s", out.Message)
	}
	if next := "clear the guard's condition, then: runbook resume " + out.RunID; out.Next != next {
		t.Errorf("next: %s", out.Next)
	}
	if hint := tomcatBlockedHint(l, "check-cluster"); hint != tomcatSSOHint {
		t.Errorf("the operator was shown the hint %q", hint)
	}
	if m := tomcatMutations(l, 0); len(m) > 0 {
		t.Errorf("a blocked run sent %q", m)
	}
	tomcatServesSelfSigned(t, l)
}

// tomcatBlockedHint is the hint the operator saw when step was blocked
// (the CLI prints the blocked event with it).
func tomcatBlockedHint(l *lab, step string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Kind == engine.EventBlocked && e.Step == step {
			return e.Hint
		}
	}
	return ""
}

// tomcatCLI plays the operator at a node's OS CLI: it logs in over SSH
// as the OS administrator and runs cmd.
func tomcatCLI(t *testing.T, l *lab, node, cmd string) string {
	t.Helper()
	info, ok := l.sim.Node(node)
	if !ok {
		t.Fatalf("no node %s", node)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := cli.Dial(ctx, cli.Config{Node: node, Addr: info.SSHAddr(),
		User: l.sim.Username(), Password: l.sim.Password(),
		SSH: steps.SSHSettings{KnownHosts: filepath.Join(l.dir, "known_hosts")}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.Run(ctx, cmd)
	if err != nil {
		t.Fatalf("%s on %s: %v", cmd, node, err)
	}
	return out
}

// tomcatFile writes content as name in the lab's directory and returns
// its path.
func tomcatFile(t *testing.T, l *lab, name, content string) string {
	t.Helper()
	path := filepath.Join(l.dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tomcatNoCertChange checks that no certificate reached the cluster: a
// CSR may have been generated, but nothing was imported or restarted and
// every node still serves its self-signed certificate.
func tomcatNoCertChange(t *testing.T, l *lab) {
	t.Helper()
	for _, m := range tomcatMutations(l, 0) {
		if !strings.HasSuffix(m, ": "+tomcatCSRAPI) {
			t.Errorf("the cluster received %q", m)
		}
	}
	tomcatServesSelfSigned(t, l)
}

// tomcatOpts are the lab's engine options with the AD CS password in the
// environment; newRun starts a run over an unfinished one (--new).
func tomcatOpts(l *lab, newRun bool) engine.Options {
	o := l.opts()
	getenv := o.Secrets.Getenv
	o.Secrets.Getenv = func(k string) string {
		if k == tomcatADCSEnv {
			return tomcatADCSPassword
		}
		return getenv(k)
	}
	o.New = newRun
	return o
}

func tomcatRun(t *testing.T, l *lab, newRun bool, params ...string) *engine.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := engine.Run(ctx, tomcatOpts(l, newRun),
		engine.LoadOptions{Runbook: tomcat, Site: l.site, Params: params})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

func tomcatResume(t *testing.T, l *lab, ro engine.ResumeOptions) *engine.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := engine.Resume(ctx, tomcatOpts(l, false), ro)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	return out
}

// tomcatCA is the operator's own CA for ca=manual: a root and an
// issuing CA under it.
type tomcatCA struct{ root, issuing *x509test.CA }

func newTomcatCA(t *testing.T) *tomcatCA {
	root := x509test.NewRoot(t, "Operator Root CA")
	return &tomcatCA{root: root, issuing: root.Sub(t, "Operator Issuing CA")}
}

// sign issues a certificate for csrPEM with its subject and SANs and the
// extended key usages eku, as a CA keeping the SAN list does.
func (ca *tomcatCA) sign(t *testing.T, csrPEM string, eku ...x509.ExtKeyUsage) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil {
		t.Fatalf("no CSR in %q", csrPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := x509test.Template()
	tmpl.Subject, tmpl.DNSNames, tmpl.ExtKeyUsage = csr.Subject, csr.DNSNames, eku
	return ca.issuing.Issue(t, tmpl, csr.PublicKey)
}

var tomcatServerClient = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}

// tomcatCSR returns the CSR generate-csr produced, as the sign-manual
// instructions point the operator to it.
func tomcatCSR(t *testing.T, l *lab) string {
	t.Helper()
	csr, _ := stepState(l.status(), "generate-csr").Outputs["pem"].(string)
	if csr == "" {
		t.Fatal("generate-csr has no pem output")
	}
	return csr
}

// tomcatSigned confirms sign-manual with a certificate and a chain file.
func tomcatSigned(t *testing.T, l *lab, cert *x509.Certificate,
	chain ...*x509.Certificate) *engine.Outcome {
	t.Helper()
	return l.resume(engine.ResumeOptions{Confirm: "sign-manual", Inputs: map[string]string{
		"certificate": tomcatFile(t, l, "signed.pem", x509test.PEM(cert)),
		"chain":       tomcatFile(t, l, "chain.pem", x509test.PEM(chain...)),
	}})
}

// TestTomcatCNHint hands over a 10.5.2 CSR without the CN in its
// SANs: check-csr names CSCus47235 and the workaround.
func TestTomcatCNHint(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig("10.5.2"), labSiteExtra)
	out := l.run(tomcat)
	wantOutcome(t, out, engine.StateWaiting)
	if want := tomcatHandoffPause(l); out.Message != want || !strings.Contains(want, "Other Domains") {
		t.Errorf("pause message:\n%s\nwant:\n%s", out.Message, want)
	}
	caveat := "CSCus47235: on 10.5.2 the CN is not copied into the SAN list of a multi-server " +
		"CSR; check-csr fails if it is missing (when generating the CSR add the CN (by default " +
		"the publisher's FQDN) under Other Domains; or, when the CN is not a node's name and " +
		"nothing needs it as a SAN, set require_cn_in_san false)"
	if w := l.status().Warnings; !slices.Contains(w, caveat) {
		t.Errorf("caveats shown:\n%q\nwant:\n%q", w, caveat)
	}
	out = l.resume(engine.ResumeOptions{Confirm: "handoff-csr",
		Inputs: map[string]string{"csr_file": tomcatGUICSR(t, l, "csr.pem")}})
	want := "step check-csr failed: CSR is missing cucm-pub.lab.example.com: on 10.5.2 the CN " +
		"is left out of the SANs (CSCus47235): if this is the CN, add it under Other Domains " +
		"when generating the CSR; else its Cisco Tomcat or Platform Administrative Web " +
		"Service may have been down when the CSR was generated\nCSR common name " +
		"\"cucm-pub.lab.example.com\" is not also a subject alternative name"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
}

// TestTomcatIdempotentRestart resumes after the interrupted
// restart ended: with restart-tomcat idempotent, resume restarts
// cucm-sub1 once more and goes on, instead of stopping with exit 5.
func TestTomcatIdempotentRestart(t *testing.T) {
	l := tomcatCrashLab(t, 300*time.Millisecond, labSiteExtra)
	tomcatAwaitStarted(t, l, "cucm-sub1")
	wantOutcome(t, l.resume(engine.ResumeOptions{}), engine.StateSucceeded)
	e := tomcatReconciled(l, "cucm-sub1")
	if want := "; nothing can tell whether it took effect; the step is idempotent, so it runs " +
		"again"; e.State != engine.StatePending || !strings.HasSuffix(e.Message, want) {
		t.Errorf("reconciled %s: %s", e.State, e.Message)
	}
	tomcatServesNew(t, l, "Runbook Lab Issuing CA")
	tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "cucm-sub1", "imp-pub"})
}
