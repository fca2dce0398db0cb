package cucmsim

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// trustChain uploads a test CA's root and intermediate to a unit's trust
// store over the GUI stand-in.
func trustChain(t *testing.T, c *Cluster, node, unit string, ca *testCA) {
	t.Helper()
	for _, cert := range []*x509.Certificate{ca.root, ca.inter} {
		var e APIError
		if st := request(t, c, node, "POST", "/sim/gui/upload",
			GUIUpload{Unit: unit + "-trust", Certificate: pemCert(cert)}, &e); st != http.StatusOK {
			t.Fatalf("trust upload: %d %s", st, e.Message)
		}
	}
}

// guiCSR generates a CSR over the GUI stand-in.
func guiCSR(t *testing.T, c *Cluster, node, unit, dist string) GUICSRResponse {
	t.Helper()
	var csr GUICSRResponse
	if st := request(t, c, node, "POST", "/sim/gui/csr",
		GUICSRRequest{Unit: unit, Distribution: dist, KeySize: 1024}, &csr); st != http.StatusOK {
		t.Fatalf("GUI CSR for %s on %s: status %d", unit, node, st)
	}
	return csr
}

// upload sends an identity certificate over the GUI stand-in.
func upload(t *testing.T, c *Cluster, node, unit string, cert *x509.Certificate) (int, UploadResponse, APIError) {
	t.Helper()
	var out UploadResponse // an error answer fills Message only
	st := request(t, c, node, "POST", "/sim/gui/upload",
		GUIUpload{Unit: unit, Certificate: pemCert(cert)}, &out)
	return st, out, APIError{Status: st, Message: out.Message}
}

func TestUploadRefusals(t *testing.T) {
	c := start(t, TestConfig(""))
	ca := newTestCA(t)
	trustChain(t, c, "cucm-pub", "tomcat", ca)

	stale := ca.sign(t, guiCSR(t, c, "cucm-pub", "tomcat", "multi-server").CSR)
	fresh := ca.sign(t, guiCSR(t, c, "cucm-pub", "tomcat", "multi-server").CSR)
	wantStale := "the certificate does not match the key of the current CSR for tomcat on cucm-pub: " +
		"generate a new CSR and have that one signed"
	if st, _, e := upload(t, c, "cucm-pub", "tomcat", stale); st != http.StatusBadRequest || e.Message != wantStale {
		t.Errorf("stale CSR: %d %q", st, e.Message)
	}
	if st, _, e := upload(t, c, "cucm-sub1", "tomcat", fresh); st != http.StatusBadRequest ||
		!strings.Contains(e.Message, "on cucm-sub1") {
		t.Errorf("publisher's certificate on a subscriber: %d %q", st, e.Message)
	}
	for range 2 { // a repeated upload is accepted
		if st, up, e := upload(t, c, "cucm-pub", "tomcat", fresh); st != http.StatusOK || len(up.Nodes) != 3 {
			t.Errorf("upload: %d %v %s", st, up.Nodes, e.Message)
		}
	}
	req := parseCSR(t, guiCSR(t, c, "cucm-sub1", "tomcat", "this-server").CSR)
	wild := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "*.lab.example.com"}},
		ca.inter, req.PublicKey, ca.interKey)
	if st, _, e := upload(t, c, "cucm-sub1", "tomcat", wild); st != http.StatusBadRequest ||
		e.Message != `wildcard name "*.lab.example.com": wildcard certificates are not supported` {
		t.Errorf("wildcard: %d %q", st, e.Message)
	}
	other := newTestCA(t)
	foreign := makeCert(t, &x509.Certificate{Subject: pkix.Name{CommonName: "cucm-sub1.lab.example.com"}},
		other.root, req.PublicKey, other.rootKey)
	if st, _, e := upload(t, c, "cucm-sub1", "tomcat", foreign); st != http.StatusBadRequest ||
		!strings.Contains(e.Message, "is not in tomcat-trust") {
		t.Errorf("untrusted issuer: %d %q", st, e.Message)
	}
}

// TestCallManagerMultiServer installs a CallManager certificate: CUCM
// nodes only, served on the CallManager TLS port after a restart.
func TestCallManagerMultiServer(t *testing.T) {
	cfg := TestConfig("")
	port, xmpp := 0, 0
	cfg.Ports.CallManager, cfg.Ports.XMPP = &port, &xmpp
	c := start(t, cfg)
	ca := newTestCA(t)
	trustChain(t, c, "cucm-pub", "CallManager", ca)
	leaf := ca.sign(t, guiCSR(t, c, "cucm-pub", "CallManager", "multi-server").CSR)
	st, up, e := upload(t, c, "cucm-pub", "CallManager", leaf)
	if want := []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com"}; st != 200 ||
		!slices.Equal(up.Nodes, want) {
		t.Fatalf("upload: %d %v %s, want %v", st, up.Nodes, e.Message, want)
	}
	info, _ := c.Node("cucm-sub1")
	if info.CallManagerPort == 0 || servedCert(t, hostPort(info.Address, info.CallManagerPort)).Equal(leaf) {
		t.Fatal("the CallManager port serves the new certificate before a restart")
	}
	dial(t, c, "cucm-sub1").run("utils service restart Cisco CallManager")
	if !servedCert(t, hostPort(info.Address, info.CallManagerPort)).Equal(leaf) {
		t.Error("the CallManager port does not serve the new certificate after the restart")
	}
	imp, _ := c.Node("imp-pub")
	if imp.CallManagerPort != 0 || imp.XMPPPort == 0 {
		t.Errorf("IM&P ports %+v: want an XMPP port and no CallManager port", imp)
	}
	if got := servedCert(t, hostPort(imp.Address, imp.XMPPPort)); !got.Equal(c.ActiveCertificate("imp-pub", "cup-xmpp")) {
		t.Error("the XMPP port does not serve cup-xmpp")
	}
}

// TestPhones covers the phones' reaction to a new CallManager
// certificate.
func TestPhones(t *testing.T) {
	tests := []struct {
		name      string
		trustTVS  bool
		mixed     bool
		ctlUpdate bool
		rejected  string // reason, "" when accepted
	}{
		{"non-secure, TVS trusted", true, false, false, ""},
		{"mixed with CTL update", true, true, true, ""},
		{"mixed without CTL update", true, true, false,
			"mixed mode: the CTL file was not updated with the new CallManager certificate of cucm-pub before the restart"},
		{"TVS not trusted", false, false, false,
			"the phones do not trust TVS and cannot verify the new CallManager certificate of cucm-pub"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := TestConfig("")
			cfg.PhonesTrustTVS = tt.trustTVS
			if tt.mixed {
				cfg.SecurityMode = 1
			}
			c := start(t, cfg)
			ca := newTestCA(t)
			trustChain(t, c, "cucm-pub", "CallManager", ca)
			leaf := ca.sign(t, guiCSR(t, c, "cucm-pub", "CallManager", "this-server").CSR)
			if st, _, e := upload(t, c, "cucm-pub", "CallManager", leaf); st != 200 {
				t.Fatalf("upload: %s", e.Message)
			}
			tc := dial(t, c, "cucm-pub")
			tc.run("set cli pagination off")
			if tt.ctlUpdate {
				tc.send("utils ctl update CTLFile\r")
				tc.expect("(y/n):")
				tc.send("y\r")
				tc.waitPrompt()
				if out := tc.run("show ctl"); !strings.Contains(out, "SERIALNUMBER") ||
					!strings.Contains(out, strings.ToUpper(leaf.SerialNumber.Text(16))) {
					t.Errorf("show ctl does not list the new certificate:\n%s", out)
				}
			}
			if c.Phones().RejectedConfig {
				t.Fatal("phones rejected their configuration before any restart")
			}
			tc.run("utils service restart Cisco CallManager")
			var p PhoneState
			request(t, c, "cucm-pub", "GET", "/sim/phones", nil, &p)
			if p.RejectedConfig != (tt.rejected != "") || p.Reason != tt.rejected {
				t.Errorf("phones %+v, want rejected %q", p, tt.rejected)
			}
			if !tt.trustTVS {
				tc.run("utils itl reset localkey")
				if c.Phones().RejectedConfig {
					t.Error("utils itl reset localkey did not let the phones recover")
				}
			}
		})
	}
}

func TestSSOBreaksOnTomcatChange(t *testing.T) {
	cfg := TestConfig("")
	cfg.SSO = true
	c := start(t, cfg)
	tc := dial(t, c, "cucm-pub")
	tc.send("set cert regen tomcat\r")
	tc.expect("(yes|no)?")
	tc.send("yes\r")
	tc.waitPrompt()
	if c.SSO().LoginsBroken {
		t.Fatal("SSO broke before Tomcat restarted")
	}
	tc.run("utils service restart Cisco Tomcat")
	if !c.SSO().LoginsBroken {
		t.Error("a Tomcat certificate change with SSO enabled left SAML logins working")
	}
	var sso SSOState
	request(t, c, "cucm-pub", "POST", "/sim/gui/sso", GUISSO{Enabled: true}, &sso)
	if !sso.Enabled || sso.LoginsBroken {
		t.Errorf("after re-enabling SSO: %+v", sso)
	}
	if out := tc.run("utils sso status"); !strings.HasPrefix(out, "SSO Status: SAML SSO Enabled\n") {
		t.Errorf("utils sso status: %q", out)
	}
}

// TestRegenerate checks "set cert regen": a new self-signed certificate,
// in the trust store at once, active only after the restart.
func TestRegenerate(t *testing.T) {
	c := start(t, TestConfig(""))
	old := c.ActiveCertificate("cucm-sub1", "tomcat")
	tc := dial(t, c, "cucm-sub1")
	tc.send("set cert regen tomcat\r")
	tc.expect("(yes|no)?")
	tc.send("yes\r")
	tc.waitPrompt()
	installed := c.InstalledCertificate("cucm-sub1", "tomcat")
	if installed.Equal(old) || !c.ActiveCertificate("cucm-sub1", "tomcat").Equal(old) {
		t.Fatal("regen: want a new installed certificate and the old one still active")
	}
	if !slices.ContainsFunc(c.TrustCertificates("tomcat-trust"), installed.Equal) ||
		slices.ContainsFunc(c.TrustCertificates("tomcat-trust"), old.Equal) {
		t.Error("tomcat-trust does not hold the regenerated certificate in place of the old one")
	}
	tc.run("utils service restart Cisco Tomcat")
	info, _ := c.Node("cucm-sub1")
	if !servedCert(t, info.HTTPSAddr()).Equal(installed) {
		t.Error("the regenerated certificate is not served after the restart")
	}
}

// TestAPIReads checks the read endpoints of the REST API.
func TestAPIReads(t *testing.T) {
	c := start(t, TestConfig(""))
	var id CertInfo
	if st := request(t, c, "imp-pub", "GET", apiPrefix+"identity/certificate?service=cup-xmpp", nil, &id); st != 200 {
		t.Fatalf("identity: %d", st)
	}
	if id.Service != "cup-xmpp" || id.Type != "self-signed" || id.Name != "cup-xmpp.pem" ||
		!strings.HasPrefix(id.Certificate, "-----BEGIN CERTIFICATE-----") {
		t.Errorf("identity %+v", id)
	}
	var trust TrustList
	request(t, c, "cucm-pub", "GET", apiPrefix+"trust/certificate?service=tomcat", nil, &trust)
	if trust.Service != "tomcat-trust" || len(trust.Certificates) != 3 {
		t.Errorf("trust list %s with %d certificates, want tomcat-trust with 3", trust.Service, len(trust.Certificates))
	}
	var snap Snapshot
	request(t, c, "cucm-pub", "GET", apiPrefix+"snapshot/server", nil, &snap)
	if snap.Node != "cucm-pub.lab.example.com" || len(snap.Identity) != 6 || len(snap.Trust) != 10 {
		t.Errorf("snapshot of %s: %d identity, %d trust; want 6 and 10", snap.Node, len(snap.Identity), len(snap.Trust))
	}
	var e APIError
	if st := request(t, c, "cucm-pub", "GET", apiPrefix+"identity/certificate?service=nothing", nil, &e); st != 400 {
		t.Errorf("unknown service: %d", st)
	}
	info, _ := c.Node("cucm-pub")
	req, _ := http.NewRequest("GET", "https://"+info.APIAddr()+apiPrefix+"snapshot/server", nil)
	resp, err := insecureClient().Do(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without credentials: %v %v, want 401", err, resp)
	} else {
		resp.Body.Close()
	}
}

func TestOperatorHelpers(t *testing.T) {
	c := start(t, TestConfig(""))
	ca := newTestCA(t)
	for _, cert := range []*x509.Certificate{ca.root, ca.inter} {
		if _, err := c.Upload("imp-pub", GUIUpload{Unit: "cup-xmpp-trust", Certificate: pemCert(cert)}); err != nil {
			t.Fatal(err)
		}
	}
	csr, err := c.GenerateCSR("imp-pub", GUICSRRequest{Unit: "cup-xmpp", Distribution: "multi-server", KeySize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.Upload("imp-pub", GUIUpload{Unit: "cup-xmpp", Certificate: pemCert(ca.sign(t, csr.CSR))})
	if err != nil || !slices.Equal(up.Nodes, []string{"imp-pub.lab.example.com"}) {
		t.Errorf("upload: %v %v", up.Nodes, err)
	}
	if _, err := c.GenerateCSR("nowhere", GUICSRRequest{Unit: "tomcat"}); err == nil ||
		err.Error() != "generate CSR on nowhere: no such node" {
		t.Errorf("unknown node: %v", err)
	}
	if len(c.Audit()) != 0 {
		t.Errorf("the helpers were audited: %v", c.Audit())
	}
}

// TestXMPPFederationTrust uploads multi-server cup-xmpp and cup-xmpp-s2s
// certificates: the CAs of both are in cup-xmpp-trust, as on IM and
// Presence; there is no cup-xmpp-s2s-trust store.
func TestXMPPFederationTrust(t *testing.T) {
	c := start(t, TestConfig(""))
	ca := newTestCA(t)
	trustChain(t, c, "imp-pub", "cup-xmpp", ca)
	for _, unit := range []string{"cup-xmpp", "cup-xmpp-s2s"} {
		leaf := ca.sign(t, guiCSR(t, c, "imp-pub", unit, "multi-server").CSR)
		st, up, e := upload(t, c, "imp-pub", unit, leaf)
		if want := []string{"imp-pub.lab.example.com"}; st != http.StatusOK || !slices.Equal(up.Nodes, want) {
			t.Errorf("%s upload: %d %v %s, want %v", unit, st, up.Nodes, e.Message, want)
		}
	}
	var e APIError
	st := request(t, c, "imp-pub", "POST", "/sim/gui/upload",
		GUIUpload{Unit: "cup-xmpp-s2s-trust", Certificate: pemCert(ca.root)}, &e)
	want := `unknown trust store "cup-xmpp-s2s-trust" on imp-pub; stores: tomcat-trust, ipsec-trust, ` +
		`cup-trust, cup-xmpp-trust`
	if st != http.StatusBadRequest || e.Message != want {
		t.Errorf("cup-xmpp-s2s-trust: %d %q, want %q", st, e.Message, want)
	}
}
