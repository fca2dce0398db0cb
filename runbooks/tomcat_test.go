package runbooks_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

const tomcat = "cucm-tomcat-multiserver-san"

// TestTomcatRelease14 runs the tomcat procedure on 14SU2 with the local
// CA, then checks from outside: every node serves one new certificate
// naming every node; Tomcat restarted once per node, publisher first, only
// after the upload; TFTP restarted on the CUCM nodes only.
func TestTomcatRelease14(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig("14.0.1.12900-161"), labSiteExtra)
	wantOutcome(t, l.run(tomcat), engine.StateSucceeded)

	var fingerprint string
	for _, n := range l.sim.Nodes() {
		cert := l.served(n.Name)
		if cert.Issuer.CommonName != "Runbook Lab Issuing CA" {
			t.Errorf("%s serves a certificate issued by %q", n.Name, cert.Issuer.CommonName)
		}
		for _, m := range l.sim.Nodes() {
			if !slices.Contains(cert.DNSNames, m.FQDN) {
				t.Errorf("%s serves a certificate without %s in its SAN", n.Name, m.FQDN)
			}
		}
		if fingerprint == "" {
			fingerprint = string(cert.Raw)
		} else if string(cert.Raw) != fingerprint {
			t.Errorf("%s serves another certificate than the publisher", n.Name)
		}
	}

	restarts := l.commands("utils service restart Cisco Tomcat")
	want := []string{
		"cucm-pub: utils service restart Cisco Tomcat",
		"cucm-sub1: utils service restart Cisco Tomcat",
		"imp-pub: utils service restart Cisco Tomcat",
	}
	if !slices.Equal(restarts, want) {
		t.Errorf("Tomcat restarts: %q, want each once, publisher first: %q", restarts, want)
	}
	tftp := l.commands("utils service restart Cisco TFTP")
	if !slices.Equal(tftp, []string{"cucm-pub: utils service restart Cisco TFTP", "cucm-sub1: utils service restart Cisco TFTP"}) {
		t.Errorf("TFTP restarts: %q", tftp)
	}
	assertBefore(t, l, "set cert import own tomcat", "utils service restart Cisco Tomcat")
}

// assertBefore checks that the first command starting with a came before
// the first starting with b in the simulator's audit log.
func assertBefore(t *testing.T, l *lab, a, b string) {
	t.Helper()
	ia, ib := -1, -1
	for i, e := range l.sim.Audit() {
		if e.Channel != cucmsim.ChannelCLI {
			continue
		}
		if ia < 0 && strings.HasPrefix(e.Command, a) {
			ia = i
		}
		if ib < 0 && strings.HasPrefix(e.Command, b) {
			ib = i
		}
	}
	if ia < 0 || ib < 0 || ia > ib {
		t.Errorf("%q (at %d) must come before %q (at %d)", a, ia, b, ib)
	}
}

// TestTomcatPlanIsReadOnly plans the procedure against the simulator: the
// plan shows the live facts, and the simulator's audit log shows that
// nothing but read-only commands reached the cluster.
func TestTomcatPlanIsReadOnly(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig("14.0.1.12900-161"), labSiteExtra)
	p := l.plan(tomcat)
	if p.Blocked {
		t.Fatalf("plan blocked: %+v", p.Steps)
	}
	facts := map[string]bool{}
	for _, f := range p.Facts {
		facts[f.ID] = f.Error == ""
	}
	for _, id := range []string{"version", "cluster", "web", "tftp", "sso"} {
		if !facts[id] {
			t.Errorf("the plan did not read fact %s: %+v", id, p.Facts)
		}
	}
	for _, e := range l.sim.Audit() {
		if e.Channel == cucmsim.ChannelCLI && !readOnlyCommand(e.Command) {
			t.Errorf("the plan sent %q to %s", e.Command, e.Node)
		}
		if e.Channel == cucmsim.ChannelAPI && !strings.HasPrefix(e.Command, "GET ") {
			t.Errorf("the plan called %q on %s", e.Command, e.Node)
		}
	}
	if l.served("cucm-pub").Issuer.String() != l.served("cucm-pub").Subject.String() {
		t.Errorf("the plan changed the served certificate")
	}
}

// readOnlyCommand reports whether a CLI command only reads.
func readOnlyCommand(cmd string) bool {
	for _, p := range []string{"login ", "show ", "utils service list", "run sql select", "utils sso status",
		"set cli pagination off", "file list"} {
		if strings.HasPrefix(cmd, p) {
			return true
		}
	}
	return false
}

// TestTomcatSSOBlocks runs the procedure with SSO enabled: the run is
// blocked by the guard with its hint, and nothing changed.
func TestTomcatSSOBlocks(t *testing.T) {
	cfg := cucmsim.TestConfig("14.0.1.12900-161")
	cfg.SSO = true
	l := startLab(t, cfg, labSiteExtra)
	out := l.run(tomcat)
	wantOutcome(t, out, engine.StateBlocked)
	if !strings.Contains(out.Message, "guard sso_disabled: SAML SSO is enabled") {
		t.Errorf("message: %s", out.Message)
	}
	st := stepState(l.status(), "check-cluster")
	if st.State != engine.StateBlocked {
		t.Errorf("check-cluster: %+v", st)
	}
	for _, e := range l.sim.Audit() {
		if e.Channel == cucmsim.ChannelCLI && !readOnlyCommand(e.Command) {
			t.Errorf("a blocked run sent %q to %s", e.Command, e.Node)
		}
	}
}
