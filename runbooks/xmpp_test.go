package runbooks_test

import (
	"crypto/x509"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

const xmpp = "imp-xmpp-multiserver-san"

// xmppSiteExtra continues the site's params and overrides for the XMPP
// runbook: the lab's HTTPS is self-signed, retries are quick.
const xmppSiteExtra = `  api_insecure: true
overrides:
  restart-xcp-router-publisher: {retry: {delay: 10ms}}
  restart-xcp-router: {retry: {delay: 10ms}}
  verify-served: {retry: {delay: 10ms}}
`

// xmppConfig is the test cluster with a second IM&P node, imp-sub1, so
// that the certificates are multi-server; port serves the XMPP TLS port.
func xmppConfig(release string, port bool) *cucmsim.Config {
	cfg := cucmsim.TestConfig(release)
	cfg.Nodes = append(cfg.Nodes, cucmsim.NodeConfig{Name: "imp-sub1", Role: "imp",
		Address: "127.0.0.24"})
	if port {
		zero := 0
		cfg.Ports.XMPP = &zero
	}
	return cfg
}

// xmppServed returns the certificate a node serves on its XMPP TLS port,
// by a real handshake.
func xmppServed(t *testing.T, l *lab, node string) *x509.Certificate {
	t.Helper()
	info, _ := l.sim.Node(node)
	return cmHandshake(t, net.JoinHostPort(info.Address, strconv.Itoa(info.XMPPPort)), info.FQDN)
}

// xmppCheckUnit checks from outside that every IM&P node holds (and
// serves, after its XCP Router restart) one new CA-signed certificate for
// unit naming the IM&P nodes only, and returns it.
func xmppCheckUnit(t *testing.T, l *lab, unit string, served bool) *x509.Certificate {
	t.Helper()
	var first *x509.Certificate
	for _, n := range l.sim.Nodes() {
		if n.Product != "cups" {
			continue
		}
		cert := l.sim.ActiveCertificate(n.Name, unit)
		if served {
			cert = xmppServed(t, l, n.Name)
		}
		if cert.Issuer.CommonName != "Runbook Lab Issuing CA" {
			t.Errorf("%s: %s certificate issued by %q", n.Name, unit, cert.Issuer.CommonName)
		}
		if first == nil {
			first = cert
		} else if !cert.Equal(first) {
			t.Errorf("%s has another %s certificate than the IM&P publisher", n.Name, unit)
		}
		if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
			t.Errorf("%s: the %s certificate lacks Client Authentication", n.Name, unit)
		}
	}
	for _, n := range l.sim.Nodes() {
		if in := slices.Contains(first.DNSNames, n.FQDN); in != (n.Product == "cups") {
			t.Errorf("%s SANs %q: %s in it is %v", unit, first.DNSNames, n.FQDN, in)
		}
	}
	return first
}

// xmppHandOffs plays the operator of the GUI hand-offs: one CSR per unit,
// made on the IM&P publisher.
func xmppHandOffs(t *testing.T, l *lab, out *engine.Outcome, s2s bool) *engine.Outcome {
	t.Helper()
	cmWantWaiting(t, out, "handoff-csr-xmpp", " --input csr_file=VALUE")
	out = cmHandOffCSR(t, l, "imp-pub", "cup-xmpp", "handoff-csr-xmpp")
	if !s2s {
		return out
	}
	cmWantWaiting(t, out, "handoff-csr-s2s", " --input csr_file=VALUE")
	return cmHandOffCSR(t, l, "imp-pub", "cup-xmpp-s2s", "handoff-csr-s2s")
}

// TestXMPPReleases runs the XMPP procedure on 14 (REST API) and on 12.5
// and 10.5 (the operator generates both CSRs in the GUI): every IM&P node
// holds one new cup-xmpp certificate (served on the XMPP port when there
// is one) and one new cup-xmpp-s2s certificate, both naming the IM&P nodes
// only; Cisco XCP Router restarted once per IM&P node, the IM&P publisher
// first, after the uploads; nothing changed on the CUCM nodes. Without
// s2s, cup-xmpp-s2s stays as it was.
func TestXMPPReleases(t *testing.T) {
	tests := []struct {
		name, release string
		port, s2s     bool
		handoff       bool
	}{
		{"14", "14.0.1.12900-161", true, true, false},
		{"14 without s2s", "14.0.1.12900-161", true, false, false},
		{"12.5, no TLS port", "12.5.1.14900-63", false, true, true},
		{"10.5", "10.5.1.10000-7", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := startLab(t, xmppConfig(tt.release, tt.port), xmppSiteExtra)
			before := l.sim.ActiveCertificate("imp-sub1", "cup-xmpp-s2s")
			out := l.run(xmpp, "s2s="+strconv.FormatBool(tt.s2s))
			if tt.handoff {
				out = xmppHandOffs(t, l, out, tt.s2s)
			}
			wantOutcome(t, out, engine.StateSucceeded)

			xmppCert := xmppCheckUnit(t, l, "cup-xmpp", tt.port)
			if tt.s2s {
				if xmppCheckUnit(t, l, "cup-xmpp-s2s", false).Equal(xmppCert) {
					t.Error("cup-xmpp-s2s got the cup-xmpp certificate")
				}
			} else if !l.sim.ActiveCertificate("imp-sub1", "cup-xmpp-s2s").Equal(before) {
				t.Error("s2s=false changed cup-xmpp-s2s")
			}
			want := []string{"imp-pub: utils service restart Cisco XCP Router",
				"imp-sub1: utils service restart Cisco XCP Router"}
			if r := l.commands("utils service restart"); !slices.Equal(r, want) {
				t.Errorf("restarts %q, want %q", r, want)
			}
			if up, r := cmIndex(l, "set cert import own cup-xmpp"), cmIndex(l, "utils service restart"); up < 0 || r < up {
				t.Errorf("upload at %d, first restart at %d", up, r)
			}
			for _, m := range cmMutating(l) {
				if !strings.HasPrefix(m, "imp-pub: ") && !strings.HasPrefix(m, "imp-sub1: ") {
					t.Errorf("a change reached a CUCM node: %s", m)
				}
			}
			verify := "verify-installed-xmpp"
			if tt.port {
				verify = "verify-served"
			}
			if st := stepState(l.status(), verify); st.State != engine.StateSucceeded {
				t.Errorf("%s: %s", verify, st.State)
			}
		})
	}
}

// TestXMPPPlanIsReadOnly plans the procedure: facts read, the CSRs on the
// IM&P publisher only, and nothing but reads reached the cluster.
func TestXMPPPlanIsReadOnly(t *testing.T) {
	l := startLab(t, xmppConfig("", true), xmppSiteExtra)
	p := l.plan(xmpp)
	if p.Blocked {
		t.Fatalf("plan blocked: %+v", p.Steps)
	}
	for _, s := range p.Steps {
		if s.ID != "generate-csr-xmpp" {
			continue
		}
		if len(s.Targets) != 1 || s.Targets[0].Node != "imp-pub" {
			t.Errorf("generate-csr-xmpp targets %+v, want the IM&P publisher", s.Targets)
		}
	}
	if m := cmMutating(l); len(m) > 0 {
		t.Errorf("the plan changed the cluster: %q", m)
	}
}

// TestXMPPGuardsBlock: an IM&P node whose web services are down (the
// CSRs would leave it out) or whose XCP Router is stopped blocks the run
// with the guard's message, and nothing changes.
func TestXMPPGuardsBlock(t *testing.T) {
	tests := []struct {
		name     string
		services map[string]string
		want     string
	}{
		{"web service down", map[string]string{"Platform Administrative Web Service": "stopped"},
			"guard web_services_running: Platform Administrative Web Service (STOPPED) is not " +
				"running on imp-sub1; the multi-server CSRs would leave those nodes out"},
		{"XCP Router stopped", map[string]string{"Cisco XCP Router": "stopped"},
			"guard xcp_router_running: Cisco XCP Router is not running on imp-sub1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := xmppConfig("", false)
			cfg.Nodes[3].Services = tt.services
			l := startLab(t, cfg, xmppSiteExtra)
			out := l.run(xmpp)
			wantOutcome(t, out, engine.StateBlocked)
			if !strings.Contains(out.Message, tt.want) {
				t.Errorf("message: %s\nwant it to hold: %s", out.Message, tt.want)
			}
			if m := cmMutating(l); len(m) > 0 {
				t.Errorf("a blocked run changed the cluster: %q", m)
			}
		})
	}
}

// TestXMPPCNOn1052: on 10.5.2 the hand-off's instructions for the cup-xmpp
// CSR say to add the CN (the IM&P publisher's FQDN) under Other Domains,
// and a CSR made without it is refused by check-csr-xmpp, naming the cause.
func TestXMPPCNOn1052(t *testing.T) {
	l := startLab(t, xmppConfig("10.5.2", false), xmppSiteExtra)
	out := l.run(xmpp)
	cmWantWaiting(t, out, "handoff-csr-xmpp", " --input csr_file=VALUE")
	caveat := "CSCus47235: on 10.5.2 the CN is not copied into the SAN list of a multi-server " +
		"CSR; the CSR checks fail if it is missing (when generating the CSRs add the CN (by " +
		"default the IM&P publisher's FQDN) under Other Domains; or, when the CN is not a " +
		"node's name and nothing needs it as a SAN, set require_cn_in_san false)"
	if w := l.status().Warnings; !slices.Contains(w, caveat) {
		t.Errorf("caveats shown:\n%q\nwant:\n%q", w, caveat)
	}
	want := "step handoff-csr-xmpp waiting: waiting for an operator: In Cisco Unified IM and " +
		"Presence OS Administration on the IM&P publisher (imp-pub.lab.example.com), open " +
		"Security > Certificate Management > Generate CSR. Choose Certificate Purpose cup-xmpp, " +
		"Distribution Multi-server(SAN), key length 2048 and hash SHA256. Check that every IM&P " +
		"node is listed in the SAN: imp-pub.lab.example.com, imp-sub1.lab.example.com. On 10.5.2 " +
		"the CN is not copied into the SAN list (CSCus47235): add the CN under Other Domains - " +
		"by default the IM&P publisher's FQDN, imp-pub.lab.example.com. Generate, then Download " +
		"CSR and save the file where this tool can read it."
	if out.Message != want {
		t.Errorf("pause message:\n%s\nwant:\n%s", out.Message, want)
	}
	out = cmHandOffCSR(t, l, "imp-pub", "cup-xmpp", "handoff-csr-xmpp")
	wantOutcome(t, out, engine.StateFailed)
	want = "step check-csr-xmpp failed: CSR is missing imp-pub.lab.example.com: on 10.5.2 the CN " +
		"is left out of the SANs (CSCus47235): if this is the CN, add it under Other Domains " +
		"when generating the CSR; else its Cisco Tomcat or Platform Administrative Web Service " +
		"may have been down when the CSR was generated\nCSR common name " +
		"\"imp-pub.lab.example.com\" is not also a subject alternative name"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}
	if m := cmMutating(l); len(m) > 0 {
		t.Errorf("the run changed the cluster: %q", m)
	}
}
