package runbooks_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/runbooks"
	"github.com/ucops/runbook/steps/adcs/adcstest"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// The field tests stage each problem of DOMAIN.md that the tomcat
// runbook must catch, through the simulator's config or its Go API, and
// check the exact text the operator is shown, that nothing was changed
// that should not be, and how the run continues once the cause is fixed.

// TestTomcatFieldServiceDown stops web services on nodes before the run:
// a multi-server CSR would leave those nodes out, so the run and the plan
// are blocked by web_services_running naming each service that is down
// and its node, before anything changes. Once the operator starts the
// services, resume goes through.
func TestTomcatFieldServiceDown(t *testing.T) {
	cases := []struct {
		name string
		down map[string][]string // node: services stopped
		want string
	}{
		{"Tomcat stopped on a subscriber", map[string][]string{"cucm-sub1": {"Cisco Tomcat"}},
			"Cisco Tomcat (STOPPED) is not running on cucm-sub1"},
		{"platform web service stopped on IM&P",
			map[string][]string{"imp-pub": {"Platform Administrative Web Service"}},
			"Platform Administrative Web Service (STOPPED) is not running on imp-pub"},
		{"both on one node, Tomcat on another", map[string][]string{
			"cucm-sub1": {"Cisco Tomcat", "Platform Administrative Web Service"},
			"imp-pub":   {"Cisco Tomcat"}},
			"Cisco Tomcat (STOPPED) and Platform Administrative Web Service (STOPPED) are not " +
				"running on cucm-sub1; Cisco Tomcat (STOPPED) is not running on imp-pub"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig("")
			for i, n := range cfg.Nodes {
				for _, svc := range tc.down[n.Name] {
					if cfg.Nodes[i].Services == nil {
						cfg.Nodes[i].Services = map[string]string{}
					}
					cfg.Nodes[i].Services[svc] = "stopped"
				}
			}
			l := startLab(t, cfg, labSiteExtra)
			reason := "guard web_services_running: " + tc.want + "; the multi-server CSR would " +
				"leave those nodes out"
			hint := "start them (utils service start NAME) and resume"

			step := tomcatPlanStep(t, l.plan(tomcat), "check-cluster")
			if step.Decision != engine.PlanBlocked || step.Reason != reason || step.Hint != hint {
				t.Errorf("plan of check-cluster: %s: %q (hint %q)", step.Decision, step.Reason,
					step.Hint)
			}
			out := l.run(tomcat)
			wantOutcome(t, out, engine.StateBlocked)
			if out.Message != "step check-cluster blocked: "+reason {
				t.Errorf("message: %s", out.Message)
			}
			if got := tomcatBlockedHint(l, "check-cluster"); got != hint {
				t.Errorf("hint shown: %q", got)
			}
			if m := tomcatMutations(l, 0); len(m) > 0 {
				t.Errorf("a blocked run sent %q", m)
			}

			for node, services := range tc.down {
				for _, svc := range services {
					tomcatCLI(t, l, node, "utils service start "+svc)
				}
			}
			wantOutcome(t, l.resume(engine.ResumeOptions{}), engine.StateSucceeded)
			tomcatServesNew(t, l, "Runbook Lab Issuing CA")
			tomcatRestartedOnce(t, l)
		})
	}
}

// tomcatCSRMissingIMP is how generate-csr refuses a hand-off CSR made
// while imp-pub's Cisco Tomcat was down.
const tomcatCSRMissingIMP = "step generate-csr failed: cucm-pub: the multi-server CSR for " +
	"tomcat from %s is not fit to sign: it does not name imp-pub.lab.example.com: a node " +
	"drops out of a multi-server CSR when its Cisco Tomcat or Platform Administrative Web " +
	"Service is down; start them there (cucm.service.status shows them) and generate the " +
	"CSR again"

// TestTomcatFieldCSRMissingNode: on 12.5 the operator generates the CSR
// in the GUI while imp-pub's Tomcat has gone down since the checks, so
// the CSR leaves imp-pub out. generate-csr refuses it before anything is
// signed; once Tomcat runs again and the operator saves a new CSR over
// the file, resume finishes.
func TestTomcatFieldCSRMissingNode(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig("12.5"), labSiteExtra)
	wantOutcome(t, l.run(tomcat), engine.StateWaiting)

	tomcatCLI(t, l, "imp-pub", "utils service stop Cisco Tomcat")
	csr, mark := tomcatGUICSR(t, l, "csr.pem"), len(l.sim.Audit())
	out := l.resume(engine.ResumeOptions{Confirm: "handoff-csr",
		Inputs: map[string]string{"csr_file": csr}})
	wantOutcome(t, out, engine.StateFailed)
	if want := fmt.Sprintf(tomcatCSRMissingIMP, csr); out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	if m := tomcatMutations(l, mark); len(m) > 0 {
		t.Errorf("the run changed the cluster: %q", m)
	}

	tomcatCLI(t, l, "imp-pub", "utils service start Cisco Tomcat")
	tomcatGUICSR(t, l, "csr.pem")
	wantOutcome(t, l.resume(engine.ResumeOptions{}), engine.StateSucceeded)
	tomcatServesNew(t, l, "Runbook Lab Issuing CA")
	tomcatRestartedOnce(t, l)
}

// TestTomcatFieldCheckCSRMissingNode shows the second line of defence: a
// site that narrows generate-csr's own node check (expect_nodes) still
// has check-csr compare the CSR with the whole inventory, and it names
// the node the CSR misses and the likely cause.
func TestTomcatFieldCheckCSRMissingNode(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig("12.5"), labSiteExtra+`  generate-csr:
    with: {expect_nodes: [cucm-pub.lab.example.com, cucm-sub1.lab.example.com]}
`)
	wantOutcome(t, l.run(tomcat), engine.StateWaiting)
	tomcatCLI(t, l, "imp-pub", "utils service stop Cisco Tomcat")
	mark := len(l.sim.Audit())
	out := l.resume(engine.ResumeOptions{Confirm: "handoff-csr",
		Inputs: map[string]string{"csr_file": tomcatGUICSR(t, l, "csr.pem")}})
	wantOutcome(t, out, engine.StateFailed)
	want := "step check-csr failed: CSR is missing imp-pub.lab.example.com: its Cisco " +
		"Tomcat or Platform Administrative Web Service may have been down when the CSR " +
		"was generated"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	if m := tomcatMutations(l, mark); len(m) > 0 {
		t.Errorf("the run changed the cluster: %q", m)
	}
}

// tomcatCNCaveat is the caveat the operator is shown on 10.5.2.
const tomcatCNCaveat = "CSCus47235: on 10.5.2 the CN is not copied into the SAN list of a " +
	"multi-server CSR; check-csr fails if it is missing (when generating the CSR add the CN " +
	"(by default the publisher's FQDN) under Other Domains; or, when the CN is not a node's " +
	"name and nothing needs it as a SAN, set require_cn_in_san false)"

// TestTomcatFieldCNNotInSAN: on 10.5.2 the GUI leaves the CN out of the
// multi-server CSR's SANs (CSCus47235). The run warns about it up front
// and check-csr refuses such a CSR before it is signed. Two ways on:
//   - the CN is the publisher's FQDN (the GUI's default): the operator
//     adds it under Other Domains and resumes from generate-csr;
//   - the CN is a name of its own, as Cisco's multi-server certificates
//     use (cucm-pub-ms...): every node is a SAN anyway, and a new run with
//     require_cn_in_san=false goes through.
func TestTomcatFieldCNNotInSAN(t *testing.T) {
	t.Run("CN added under Other Domains", func(t *testing.T) {
		l := startLab(t, cucmsim.TestConfig("10.5.2"), labSiteExtra)
		out := tomcatCNRefused(t, l, tomcat, cucmsim.GUICSRRequest{})
		want := "step check-csr failed: CSR is missing cucm-pub.lab.example.com: on 10.5.2 the " +
			"CN is left out of the SANs (CSCus47235): if this is the CN, add it under Other " +
			"Domains when generating the CSR; else its Cisco Tomcat or Platform Administrative " +
			"Web Service may have been down when the CSR was generated\nCSR common name " +
			"\"cucm-pub.lab.example.com\" is not also a subject alternative name"
		if out.Message != want {
			t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
		}

		tomcatGUICSR(t, l, "csr.pem", "cucm-pub.lab.example.com")
		out = l.resume(engine.ResumeOptions{From: "generate-csr",
			Reason: "CSR generated again with the CN under Other Domains"})
		wantOutcome(t, out, engine.StateSucceeded)
		tomcatServesNew(t, l, "Runbook Lab Issuing CA")
		tomcatRestartedOnce(t, l)
	})

	t.Run("CN of its own, require_cn_in_san=false", func(t *testing.T) {
		l := startLab(t, cucmsim.TestConfig("10.5.2"), labSiteExtra)
		cn := cucmsim.GUICSRRequest{CommonName: "cucm-pub-ms.lab.example.com"}
		out := tomcatCNRefused(t, l, tomcat, cn)
		want := "step check-csr failed: CSR common name \"cucm-pub-ms.lab.example.com\" is " +
			"not also a subject alternative name"
		if out.Message != want {
			t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
		}

		out = tomcatRun(t, l, true, "require_cn_in_san=false")
		out = tomcatHandoff(t, l, out, filepath.Join(l.dir, "csr.pem"))
		wantOutcome(t, out, engine.StateSucceeded)
		c := tomcatServesNew(t, l, "Runbook Lab Issuing CA")
		if c.Subject.CommonName != cn.CommonName {
			t.Errorf("served certificate's CN: %s", c.Subject.CommonName)
		}
	})
}

// tomcatCNRefused runs runbook on 10.5.2, checks the CSCus47235 caveat,
// hands over a CSR made with req, and returns how check-csr refused it,
// checking that nothing reached the cluster.
func tomcatCNRefused(t *testing.T, l *lab, runbook string,
	req cucmsim.GUICSRRequest) *engine.Outcome {
	t.Helper()
	out := l.run(runbook)
	wantOutcome(t, out, engine.StateWaiting)
	if want := tomcatHandoffPause(l); out.Message != want {
		t.Errorf("pause message:\n%s\nwant:\n%s", out.Message, want)
	}
	if w := l.status().Warnings; !slices.Contains(w, tomcatCNCaveat) {
		t.Errorf("caveats shown: %q", w)
	}
	out = l.resume(engine.ResumeOptions{Confirm: "handoff-csr",
		Inputs: map[string]string{"csr_file": tomcatGUICSRFor(t, l, "csr.pem", req)}})
	wantOutcome(t, out, engine.StateFailed)
	if m := tomcatMutations(l, 0); len(m) > 0 {
		t.Errorf("the run changed the cluster: %q", m)
	}
	return out
}

// TestTomcatFieldChain has the operator's CA sign the CSR (ca=manual) and
// hand over a bad CA chain: intermediate before the root, the leaf in the
// chain file, or the intermediate missing. The upload that cannot work is
// refused with what to fix, the cluster keeps serving its old
// certificate, and after the operator hands over good files (resume
// --from sign-manual, then --confirm) the run finishes.
func TestTomcatFieldChain(t *testing.T) {
	cases := []struct {
		name  string
		chain func(ca *tomcatCA, leaf *x509.Certificate) []*x509.Certificate
		want  string
	}{
		{"intermediate before root", func(ca *tomcatCA, _ *x509.Certificate) []*x509.Certificate {
			return []*x509.Certificate{ca.issuing.Cert, ca.root.Cert}
		}, "step upload-trust failed: cucm-pub: certificate #1 (CN=Operator Issuing CA) is issued by " +
			"#2 (CN=Operator Root CA), which comes after it: list the root first, then each " +
			"intermediate in order"},
		{"leaf in the chain file", func(ca *tomcatCA, leaf *x509.Certificate) []*x509.Certificate {
			return []*x509.Certificate{leaf, ca.issuing.Cert, ca.root.Cert}
		}, "step upload-trust failed: certificate #1 (CN=cucm-pub.lab.example.com) is not a " +
			"CA certificate; a signed node certificate goes up with cucm.cert.upload"},
		{"intermediate missing", func(ca *tomcatCA, _ *x509.Certificate) []*x509.Certificate {
			return []*x509.Certificate{ca.root.Cert}
		}, "step upload-certificate failed: cucm-pub refused the tomcat certificate " +
			"(CN=cucm-pub.lab.example.com): the CLI said \"Error: the issuer " +
			"\\\"CN=Operator Issuing CA,O=Lab\\\" of \\\"CN=cucm-pub.lab.example.com,O=Lab," +
			"L=San Jose,ST=CA,C=US\\\" is not in tomcat-trust; upload the CA chain to " +
			"tomcat-trust first, root first\" (Executed command unsuccessfully); tomcat-trust " +
			"does not list its issuer Operator Issuing CA: upload the CA chain first, root " +
			"first (cucm.cert.upload_trust)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
			wantOutcome(t, l.run(tomcat, "ca=manual"), engine.StateWaiting)
			ca := newTomcatCA(t)
			leaf := ca.sign(t, tomcatCSR(t, l), tomcatServerClient...)

			out := tomcatSigned(t, l, leaf, tc.chain(ca, leaf)...)
			wantOutcome(t, out, engine.StateFailed)
			if out.Message != tc.want {
				t.Errorf("message:\n%s\nwant:\n%s", out.Message, tc.want)
			}
			tomcatServesSelfSigned(t, l)
			if r := l.commands("utils service restart"); len(r) > 0 {
				t.Errorf("restarts after a refused upload: %q", r)
			}

			out = l.resume(engine.ResumeOptions{From: "sign-manual", Reason: "chain fixed"})
			wantOutcome(t, out, engine.StateWaiting)
			out = tomcatSigned(t, l, leaf, ca.root.Cert, ca.issuing.Cert)
			wantOutcome(t, out, engine.StateSucceeded)
			tomcatServesNew(t, l, "Operator Issuing CA")
			tomcatRestartedOnce(t, l)
		})
	}
}

// TestTomcatFieldStaleCSR: the certificate comes from an older CSR than
// the one the publisher holds - a colleague generated another CSR in the
// GUI while the first was being signed. The upload is refused with the
// cause and nothing restarts; resume from generate-csr makes a fresh CSR,
// and once that is signed the run finishes.
func TestTomcatFieldStaleCSR(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
	wantOutcome(t, l.run(tomcat, "ca=manual"), engine.StateWaiting)
	stale := tomcatCSR(t, l)
	tomcatGUICSR(t, l, "colleague.csr")
	ca := newTomcatCA(t)

	chain := []*x509.Certificate{ca.root.Cert, ca.issuing.Cert}
	out := tomcatSigned(t, l, ca.sign(t, stale, tomcatServerClient...), chain...)
	wantOutcome(t, out, engine.StateFailed)
	want := "step upload-certificate failed: cucm-pub refused the tomcat certificate " +
		"(CN=cucm-pub.lab.example.com): the CLI said \"Error: the certificate does not match " +
		"the key of the current CSR for tomcat on cucm-pub: generate a new CSR and have that " +
		"one signed\" (Executed command unsuccessfully); its key is not the one of the " +
		"pending CSR for tomcat on cucm-pub: it was signed from an older CSR; have the " +
		"current CSR signed (cucm.csr.download)"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	tomcatServesSelfSigned(t, l)
	if r := l.commands("utils service restart"); len(r) > 0 {
		t.Errorf("restarts after a refused upload: %q", r)
	}

	out = l.resume(engine.ResumeOptions{From: "generate-csr", Reason: "the CSR was stale"})
	wantOutcome(t, out, engine.StateWaiting)
	fresh := tomcatCSR(t, l)
	if fresh == stale {
		t.Fatal("resume --from generate-csr kept the stale CSR")
	}
	out = tomcatSigned(t, l, ca.sign(t, fresh, tomcatServerClient...), chain...)
	wantOutcome(t, out, engine.StateSucceeded)
	tomcatServesNew(t, l, "Operator Issuing CA")
	tomcatRestartedOnce(t, l)
}

// TestTomcatFieldStaleCSRHandoff: on 12.5 the operator downloads a CSR,
// generates another, and hands over the first. generate-csr compares it
// with the CSR the publisher holds and refuses it before it is signed.
func TestTomcatFieldStaleCSRHandoff(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig("12.5"), labSiteExtra)
	wantOutcome(t, l.run(tomcat), engine.StateWaiting)
	stale := tomcatGUICSR(t, l, "first.csr")
	tomcatGUICSR(t, l, "second.csr")
	out := l.resume(engine.ResumeOptions{Confirm: "handoff-csr",
		Inputs: map[string]string{"csr_file": stale}})
	wantOutcome(t, out, engine.StateFailed)
	want := "step generate-csr failed: the CSR in " + stale + " is not the one cucm-pub " +
		"holds for tomcat (its key differs): a CSR was generated after it, and a certificate " +
		"signed from it would be refused; download the current CSR"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	if m := tomcatMutations(l, 0); len(m) > 0 {
		t.Errorf("the run changed the cluster: %q", m)
	}
}

// The AD CS enrolment account of the fake certsrv.
const (
	tomcatADCSUser     = `LAB\svc-runbook`
	tomcatADCSPassword = "Enrol-Passw0rd!"
	tomcatADCSEnv      = "ADCS_PASSWORD"
)

// tomcatADCS starts a fake AD CS for the lab, adds its enrolment
// credential (password from tomcatADCSEnv) to the site, and returns the
// params that point the runbook at it.
func tomcatADCS(t *testing.T, l *lab,
	templates map[string]adcstest.Template) (*adcstest.Server, []string) {
	t.Helper()
	srv, err := adcstest.New(adcstest.Config{Username: tomcatADCSUser,
		Password: tomcatADCSPassword, Templates: templates})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	site, err := os.ReadFile(l.site)
	if err != nil {
		t.Fatal(err)
	}
	cred := "credentials:\n  adcs:\n    username: '" + tomcatADCSUser + "'\n" +
		"    password: {env: " + tomcatADCSEnv + "}\n"
	site = []byte(strings.Replace(string(site), "credentials:\n", cred, 1))
	if err := os.WriteFile(l.site, site, 0o600); err != nil {
		t.Fatal(err)
	}
	bundle := tomcatFile(t, l, "certsrv-ca.pem", srv.TLSBundle())
	return srv, []string{"ca=adcs", "adcs_url=" + srv.URL(), "adcs_ca_bundle=" + bundle}
}

// TestTomcatFieldADCS has Microsoft AD CS sign the CSR through web
// enrolment with NTLM and the enrolment password from the environment:
// every node serves the certificate AD CS issued, the chain is in
// tomcat-trust, and one request was made, logged in as the account.
func TestTomcatFieldADCS(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
	srv, params := tomcatADCS(t, l, nil)
	out := tomcatRun(t, l, false, append(params, "adcs_template=WebServerClient")...)
	wantOutcome(t, out, engine.StateSucceeded)

	cert := tomcatServesNew(t, l, "Lab Enterprise Issuing CA")
	if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		t.Errorf("served certificate has no client authentication: %v", cert.ExtKeyUsage)
	}
	tomcatRestartedOnce(t, l)
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Template != "WebServerClient" || reqs[0].State != "issued" {
		t.Errorf("AD CS requests: %+v", reqs)
	}
	// NTLM opens with an anonymous request the server answers 401.
	auth := srv.AuthLog()
	if !slices.Contains(auth, "ntlm "+tomcatADCSUser+" ok") || slices.ContainsFunc(auth,
		func(a string) bool { return a != "none" && a != "ntlm "+tomcatADCSUser+" ok" }) {
		t.Errorf("AD CS logins: %q", auth)
	}
	var trusted []string
	for _, c := range l.sim.TrustCertificates("tomcat-trust") {
		trusted = append(trusted, c.Subject.CommonName)
	}
	for _, ca := range srv.Chain() {
		if !slices.Contains(trusted, ca.Subject.CommonName) {
			t.Errorf("tomcat-trust lacks %s: %q", ca.Subject.CommonName, trusted)
		}
	}
}

// TestTomcatFieldADCSPending: the template holds requests for an
// administrator. sign-adcs fails saying so and with the request number;
// once the administrator issues it, resume collects that request - no
// second one - and finishes.
func TestTomcatFieldADCSPending(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
	srv, params := tomcatADCS(t, l, map[string]adcstest.Template{
		"WebServerClient": {ClientAuth: true, Pending: true}})
	out := tomcatRun(t, l, false, append(params, "adcs_template=WebServerClient")...)
	wantOutcome(t, out, engine.StateFailed)
	want := "step sign-adcs failed: AD CS request 1 is pending: \"Taken Under Submission\"; " +
		"once an administrator issues it, run the step again to collect it"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	tomcatNoCertChange(t, l)

	if err := srv.Approve(1); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, tomcatResume(t, l, engine.ResumeOptions{}), engine.StateSucceeded)
	tomcatServesNew(t, l, "Lab Enterprise Issuing CA")
	tomcatRestartedOnce(t, l)
	if reqs := srv.Requests(); len(reqs) != 1 {
		t.Errorf("AD CS got %d requests, want the pending one only", len(reqs))
	}
}

// TestTomcatFieldClientAuth: AD CS's default Web Server template gives
// Server Authentication only. The adcs-eku caveat warns before the run,
// check-certificate refuses the certificate before it reaches the cluster,
// and a new run with client_auth=false (nothing needs TLS client use)
// goes through with a server-only certificate.
func TestTomcatFieldClientAuth(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
	_, params := tomcatADCS(t, l, nil)
	out := tomcatRun(t, l, false, params...)
	wantOutcome(t, out, engine.StateFailed)
	want := "step check-certificate failed: certificate has no Client Authentication " +
		"extended key usage (ext_key_usage: server_auth)"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	caveat := "adcs-eku: the AD CS template must give Client Authentication as well as " +
		"Server Authentication (the default Web Server template does not); check-certificate " +
		"fails otherwise"
	if w := l.status().Warnings; !slices.Contains(w, caveat) {
		t.Errorf("caveats shown: %q", w)
	}
	tomcatNoCertChange(t, l)

	out = tomcatRun(t, l, true, append(params, "client_auth=false")...)
	wantOutcome(t, out, engine.StateSucceeded)
	cert := tomcatServesNew(t, l, "Lab Enterprise Issuing CA")
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("served certificate's usages: %v", cert.ExtKeyUsage)
	}
}

// TestTomcatFieldRestartFails: Cisco Tomcat fails to start on cucm-sub1
// twice - both attempts of restart-tomcat. The run fails (exit 1) after
// the publisher restarted and before imp-pub; resume restarts cucm-sub1
// again and then imp-pub, never the publisher a second time.
func TestTomcatFieldRestartFails(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", Service: "Cisco Tomcat",
		Action: cucmsim.FaultFail, Times: 2}}
	l := startLab(t, cfg, labSiteExtra)
	out := l.run(tomcat)
	wantOutcome(t, out, engine.StateFailed)
	want := "step restart-tomcat failed: utils service restart Cisco Tomcat on cucm-sub1 " +
		"failed: Cisco Tomcat[FAILED]; Cisco Tomcat is STOPPED on cucm-sub1 now, so the web " +
		"pages and the REST API of cucm-sub1 are down until it starts: find the cause (utils " +
		"service list, the service's logs), start it (utils service start Cisco Tomcat), then resume"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	if next := "fix the cause, then: runbook resume " + out.RunID; out.Next != next {
		t.Errorf("next: %s", out.Next)
	}
	tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "cucm-sub1"})
	if c := l.served("imp-pub"); c.Issuer.String() != c.Subject.String() {
		t.Errorf("imp-pub serves the new certificate before its Tomcat restarted")
	}

	wantOutcome(t, l.resume(engine.ResumeOptions{}), engine.StateSucceeded)
	tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "cucm-sub1", "cucm-sub1", "imp-pub"})
	tomcatServesNew(t, l, "Runbook Lab Issuing CA")
}

// tomcatRunCancelled runs the procedure and cancels it, as Ctrl-C does,
// while Cisco Tomcat on node is restarting (no longer STARTED).
func tomcatRunCancelled(t *testing.T, l *lab, runbook, node string) *engine.Outcome {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil && l.sim.ServiceState(node, "Cisco Tomcat") == "STARTED" {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	out, err := engine.Run(ctx, l.opts(), engine.LoadOptions{Runbook: runbook, Site: l.site})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

// tomcatAwaitStarted waits until Cisco Tomcat on node is STARTED again.
func tomcatAwaitStarted(t *testing.T, l *lab, node string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for l.sim.ServiceState(node, "Cisco Tomcat") != "STARTED" {
		if time.Now().After(deadline) {
			t.Fatalf("Cisco Tomcat on %s is %s", node, l.sim.ServiceState(node, "Cisco Tomcat"))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tomcatQuickPoll has the restart check poll every 20ms, not 5s.
var tomcatQuickPoll = strings.Replace(labSiteExtra, "restart-tomcat: {retry: {delay: 10ms}}",
	"restart-tomcat: {retry: {delay: 10ms}, with: {poll: 20ms}}", 1)

// tomcatCrashLab starts a lab where cucm-sub1's first Tomcat restart
// takes restart and runs the procedure, cancelled (as Ctrl-C does) while
// that restart goes on: exit 130, the restart going on without the engine.
// With edits it runs the runbook as tomcatVariant changes it.
func tomcatCrashLab(t *testing.T, restart time.Duration, extra string, edits ...string) *lab {
	t.Helper()
	cfg := cucmsim.TestConfig("")
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", Service: "Cisco Tomcat",
		Action: cucmsim.FaultSlow, Delay: restart, Times: 1}}
	l := startLab(t, cfg, extra)
	runbook := tomcat
	if len(edits) > 0 {
		runbook = tomcatVariant(t, l, edits...)
	}
	out := tomcatRunCancelled(t, l, runbook, "cucm-sub1")
	wantOutcome(t, out, engine.StateInterrupted)
	msg := "step restart-tomcat interrupted: cucm-sub1: interrupted while running: cucm.service.restart " +
		"was cancelled after "
	if !strings.HasPrefix(out.Message, msg) || out.Next != "runbook resume "+out.RunID {
		t.Errorf("interrupted: %s (next %s)", out.Message, out.Next)
	}
	return l
}

// tomcatReconciled is what resume said of the target in flight.
func tomcatReconciled(l *lab, node string) engine.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.events {
		if e.Kind == engine.EventReconciled && e.Node == node {
			return e
		}
	}
	return engine.Event{}
}

// TestTomcatFieldCrashDuringRestart stops the run (Ctrl-C) while
// cucm-sub1's Tomcat restarts; the restart goes on without the engine, as
// on a real node. Resumed while the restart is still going, the restart
// check waits for it and counts it: no second restart. Resumed after it
// ended, nothing can tell whether it happened after the upload (the CLI
// does not say when a service started, and the interrupted step left no
// record): the shipped runbook marks the restarts idempotent, so resume
// restarts again (TestTomcatIdempotentRestart). A runbook without that
// stops with exit 5 and the two choices: --rerun restarts cucm-sub1 once
// more; --mark-done marks only cucm-sub1 done, and imp-pub, which never
// started, is still restarted.
func TestTomcatFieldCrashDuringRestart(t *testing.T) {
	t.Run("resumed while it restarts", func(t *testing.T) {
		// Long enough for resume to find the restart still going.
		l := tomcatCrashLab(t, 2*time.Second, tomcatQuickPoll)
		wantOutcome(t, l.resume(engine.ResumeOptions{}), engine.StateSucceeded)
		e := tomcatReconciled(l, "cucm-sub1")
		want := "cucm.service.restart was in flight when the engine stopped; its check says " +
			"done: Cisco Tomcat was STARTING on cucm-sub1 when checked, after the step began, " +
			"and then STARTED"
		if e.State != engine.StateSucceeded || e.Message != want {
			t.Errorf("reconciled %s: %s", e.State, e.Message)
		}
		tomcatServesNew(t, l, "Runbook Lab Issuing CA")
		tomcatRestartedOnce(t, l)
	})

	t.Run("resumed later", func(t *testing.T) {
		l := tomcatCrashLab(t, 300*time.Millisecond, labSiteExtra, tomcatNotIdempotent...)
		tomcatAwaitStarted(t, l, "cucm-sub1")
		out := l.resume(engine.ResumeOptions{})
		tomcatWantUnknown(t, l, out)
		out = l.resume(engine.ResumeOptions{Rerun: "restart-tomcat",
			Reason: "no record of the restart"})
		wantOutcome(t, out, engine.StateSucceeded)
		tomcatServesNew(t, l, "Runbook Lab Issuing CA")
		tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "cucm-sub1", "imp-pub"})
	})

	t.Run("marked done", func(t *testing.T) {
		l := tomcatCrashLab(t, 300*time.Millisecond, labSiteExtra, tomcatNotIdempotent...)
		tomcatAwaitStarted(t, l, "cucm-sub1")
		tomcatWantUnknown(t, l, l.resume(engine.ResumeOptions{}))
		out := l.resume(engine.ResumeOptions{MarkDone: "restart-tomcat",
			Reason: "Tomcat is STARTED"})
		wantOutcome(t, out, engine.StateSucceeded)
		tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "imp-pub"})
		tomcatServesNew(t, l, "Runbook Lab Issuing CA")
	})
}

// tomcatNotIdempotent turns the restarts' idempotent off, as in a runbook
// that does not claim it.
var tomcatNotIdempotent = []string{
	"      service: Cisco Tomcat\n    retry: {attempts: 2, delay: 30s}\n    idempotent: true\n",
	"      service: Cisco Tomcat\n    retry: {attempts: 2, delay: 30s}\n",
}

// tomcatVariant writes the shipped runbook with edits (pairs of old and
// new text) applied into the lab, and returns its path.
func tomcatVariant(t *testing.T, l *lab, edits ...string) string {
	t.Helper()
	data, err := fs.ReadFile(runbooks.FS(), tomcat+"/runbook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("the shipped runbook no longer holds %q", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	if err := os.MkdirAll(filepath.Join(l.dir, "variant"), 0o700); err != nil {
		t.Fatal(err)
	}
	return tomcatFile(t, l, "variant/runbook.yaml", text)
}

// tomcatWantUnknown checks a resume that stopped with exit 5 on
// cucm-sub1's restart: the message, what the check saw, the choices.
func tomcatWantUnknown(t *testing.T, l *lab, out *engine.Outcome) {
	t.Helper()
	wantOutcome(t, out, engine.StateUnknown)
	var began time.Time
	for _, tg := range stepState(l.status(), "restart-tomcat").Targets {
		if tg.Node == "cucm-sub1" {
			began = tg.Started
		}
	}
	want := "cucm.service.restart was in flight when the engine stopped; its check cannot " +
		"tell: Cisco Tomcat is STARTED on cucm-sub1, but nothing shows it restarted since the " +
		"step began at " + began.Format(time.TimeOnly) + " (the CLI does not tell when a " +
		"service started); nothing can tell whether it took effect"
	if e := tomcatReconciled(l, "cucm-sub1"); e.State != engine.StateUnknown || e.Message != want {
		t.Errorf("reconciled %s: %s\nwant: %s", e.State, e.Message, want)
	}
	if out.Message != "step restart-tomcat unknown: "+want {
		t.Errorf("message: %s", out.Message)
	}
	next := fmt.Sprintf("check the system, then: runbook resume %[1]s --rerun restart-tomcat "+
		"--reason \"...\" (it did not happen) or runbook resume %[1]s --mark-done restart-tomcat "+
		"--reason \"...\" (it happened)", out.RunID)
	if out.Next != next {
		t.Errorf("next: %s\nwant: %s", out.Next, next)
	}
}
