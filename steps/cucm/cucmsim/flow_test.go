package cucmsim

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

const api = apiPrefix

var allNodes = []string{"cucm-pub", "cucm-sub1", "imp-pub"}

// TestTomcatMultiServerAPI is the whole tomcat procedure over the REST API
// of release 14: CSR, signing, chain upload root first, identity upload,
// restarts, and the new certificate served on every node.
func TestTomcatMultiServerAPI(t *testing.T) {
	c := start(t, TestConfig("14.0.1.12900-161"))
	ca := newTestCA(t)

	var csr CSRResponse
	if st := request(t, c, "cucm-pub", "POST", api+"csr", CSRRequest{
		Service: "tomcat", Distribution: "multi-server", KeyType: "RSA",
		KeyLength: 2048, HashAlgorithm: "SHA256",
	}, &csr); st != http.StatusOK {
		t.Fatalf("POST csr: status %d", st)
	}
	req := parseCSR(t, csr.CSR)
	wantSANs := []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com",
		"imp-pub.lab.example.com", "lab.example.com"}
	if !slices.Equal(req.DNSNames, wantSANs) || req.Subject.CommonName != "cucm-pub.lab.example.com" {
		t.Fatalf("CSR names: CN %q, SANs %v; want CN cucm-pub.lab.example.com, SANs %v",
			req.Subject.CommonName, req.DNSNames, wantSANs)
	}
	if len(req.Subject.OrganizationalUnit) != 0 {
		t.Errorf("14SU2 CSR has an OU: %v", req.Subject.OrganizationalUnit)
	}
	leaf := ca.sign(t, csr.CSR)

	uploadTrust := func(cert string) (int, APIError) {
		var e APIError
		st := request(t, c, "cucm-pub", "POST", api+"trust/certificates",
			TrustUpload{Service: []string{"tomcat"}, Certificates: []string{cert}}, &e)
		return st, e
	}
	if st, e := uploadTrust(pemCert(ca.inter)); st != http.StatusBadRequest ||
		!strings.Contains(e.Message, `the issuer "CN=Lab Root CA"`) {
		t.Fatalf("intermediate before root: status %d %q, want 400 naming the root", st, e.Message)
	}
	var up UploadResponse
	if st := request(t, c, "cucm-pub", "POST", api+"identity/certificates",
		IdentityUpload{Service: "tomcat", Certificates: []string{pemCert(leaf)}}, &up); st != http.StatusBadRequest {
		t.Fatalf("identity before its chain: status %d, want 400", st)
	}
	for _, cert := range []string{pemCert(ca.root), pemCert(ca.inter)} {
		if st, e := uploadTrust(cert); st != http.StatusOK {
			t.Fatalf("trust upload: status %d %s", st, e.Message)
		}
	}
	if st := request(t, c, "cucm-pub", "POST", api+"identity/certificates",
		IdentityUpload{Service: "tomcat", Certificates: []string{pemCert(leaf)}}, &up); st != http.StatusOK {
		t.Fatalf("identity upload: status %d", st)
	}
	if want := wantSANs[:3]; !slices.Equal(up.Nodes, want) {
		t.Errorf("installed on %v, want %v", up.Nodes, want)
	}

	// Not served before Tomcat restarts.
	for _, n := range allNodes {
		info, _ := c.Node(n)
		if got := servedCert(t, info.HTTPSAddr()); got.Equal(leaf) {
			t.Errorf("%s serves the new certificate before a restart", n)
		}
	}
	for _, n := range allNodes {
		out := dial(t, c, n).run("utils service restart Cisco Tomcat")
		if !strings.HasSuffix(out, "Cisco Tomcat[STARTED]\n") {
			t.Fatalf("restart on %s: %q", n, out)
		}
		info, _ := c.Node(n)
		if got := servedCert(t, info.HTTPSAddr()); !got.Equal(leaf) {
			t.Errorf("%s serves %q after the restart, want the new certificate", n, got.Subject)
		}
		if !c.ActiveCertificate(n, "tomcat").Equal(leaf) {
			t.Errorf("ActiveCertificate(%s) is not the new certificate", n)
		}
	}
}

// TestTomcatMultiServerGUI is the same procedure on 12.5, which has no
// REST API: the operator uses the OS Administration pages (the /sim/
// stand-in) and the CLI.
func TestTomcatMultiServerGUI(t *testing.T) {
	c := start(t, TestConfig("12.5.1.14900-63"))
	ca := newTestCA(t)

	if st := request(t, c, "cucm-pub", "POST", api+"csr", CSRRequest{Service: "tomcat"}, nil); st != http.StatusNotFound {
		t.Fatalf("REST API on 12.5: status %d, want 404", st)
	}
	var csr GUICSRResponse
	if st := request(t, c, "cucm-pub", "POST", "/sim/gui/csr", GUICSRRequest{
		Unit: "tomcat", Distribution: "multi-server", KeySize: 2048,
	}, &csr); st != http.StatusOK {
		t.Fatalf("GUI CSR: status %d", st)
	}
	if want := []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com",
		"imp-pub.lab.example.com"}; !slices.Equal(csr.Nodes, want) {
		t.Errorf("GUI lists %v, want %v", csr.Nodes, want)
	}
	if ou := parseCSR(t, csr.CSR).Subject.OrganizationalUnit; len(ou) != 1 {
		t.Errorf("12.5 CSR OU %v, want the configured OU", ou)
	}
	leaf := ca.sign(t, csr.CSR)

	tc := dial(t, c, "cucm-pub")
	tc.run("set cli pagination off")
	for _, ca := range []string{pemCert(ca.root), pemCert(ca.inter)} {
		tc.send("set cert import trust tomcat\r")
		tc.expect("Paste the Certificate and Hit Enter\n")
		tc.send(strings.ReplaceAll(ca, "\n", "\r") + "\r")
		out := tc.waitPrompt()
		if !strings.Contains(out, "Successfully imported certificate for tomcat.\n") {
			t.Fatalf("trust import: %q", out)
		}
	}
	var up UploadResponse
	if st := request(t, c, "cucm-pub", "POST", "/sim/gui/upload",
		GUIUpload{Unit: "tomcat", Certificate: pemCert(leaf)}, &up); st != http.StatusOK {
		t.Fatalf("GUI upload: status %d", st)
	}
	if len(up.Nodes) != 3 {
		t.Errorf("installed on %v, want all three nodes", up.Nodes)
	}
	want := "tomcat/cucm-pub-ms.pem: Certificate Signed by Lab Issuing CA\n" +
		"tomcat/tomcat.pem: Self-signed certificate generated by system\n"
	for _, n := range allNodes {
		out := dial(t, c, n).run("show cert list own")
		if !strings.HasPrefix(out, want) {
			t.Errorf("show cert list own on %s:\n%s\nwant it to start with (CSCur97909 leftover):\n%s", n, out, want)
		}
	}
}

// TestCSRRules covers the CSR side of the cluster rules, table-driven.
func TestCSRRules(t *testing.T) {
	tests := []struct {
		name    string
		release string
		stop    map[string]string // node -> service stopped before the CSR
		node    string
		unit    string
		dist    string
		want    []string // SANs, or the error text
		wantErr bool
	}{
		{name: "tomcat covers every node", node: "cucm-pub", unit: "tomcat", dist: "multi-server",
			want: []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com",
				"imp-pub.lab.example.com", "lab.example.com"}},
		{name: "stopped Tomcat drops the node", node: "cucm-pub", unit: "tomcat", dist: "multi-server",
			stop: map[string]string{"cucm-sub1": "Cisco Tomcat"},
			want: []string{"cucm-pub.lab.example.com", "imp-pub.lab.example.com", "lab.example.com"}},
		{name: "stopped platform web service drops the node", node: "cucm-pub", unit: "tomcat",
			dist: "multi-server", stop: map[string]string{"imp-pub": "Platform Administrative Web Service"},
			want: []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com", "lab.example.com"}},
		{name: "CallManager covers CUCM nodes", node: "cucm-pub", unit: "CallManager", dist: "multi-server",
			want: []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com", "lab.example.com"}},
		{name: "cup-xmpp covers IM&P nodes", node: "imp-pub", unit: "cup-xmpp", dist: "multi-server",
			want: []string{"imp-pub.lab.example.com", "lab.example.com"}},
		{name: "10.5.2 leaves the CN out of the SANs", release: "10.5.2.10000-5", node: "cucm-pub",
			unit: "tomcat", dist: "multi-server",
			want: []string{"cucm-sub1.lab.example.com", "imp-pub.lab.example.com", "lab.example.com"}},
		{name: "this-server", node: "cucm-sub1", unit: "tomcat", dist: "this-server",
			want: []string{"cucm-sub1.lab.example.com"}},
		{name: "multi-server only on the publisher", node: "cucm-sub1", unit: "tomcat",
			dist: "multi-server", wantErr: true,
			want: []string{"a multi-server CSR for tomcat is generated on the publisher, not on cucm-sub1"}},
		{name: "unknown unit", node: "imp-pub", unit: "CallManager", dist: "this-server", wantErr: true,
			want: []string{`unknown certificate unit "CallManager" on imp-pub; units: tomcat, ipsec, cup, cup-xmpp, cup-xmpp-s2s`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := TestConfig(tt.release)
			if tt.release == "" {
				cfg.Release = "12.5.1.10000-22"
			}
			for i, n := range cfg.Nodes {
				if s, ok := tt.stop[n.Name]; ok {
					cfg.Nodes[i].Services = map[string]string{s: "stopped"}
				}
			}
			c := start(t, cfg)
			var out struct {
				GUICSRResponse
				APIError
			}
			st := request(t, c, tt.node, "POST", "/sim/gui/csr",
				GUICSRRequest{Unit: tt.unit, Distribution: tt.dist, KeySize: 1024}, &out)
			if tt.wantErr {
				if st != http.StatusBadRequest || out.Message != tt.want[0] {
					t.Fatalf("status %d %q, want 400 %q", st, out.Message, tt.want[0])
				}
				return
			}
			csr := out.GUICSRResponse
			if got := parseCSR(t, csr.CSR).DNSNames; !slices.Equal(got, tt.want) {
				t.Errorf("SANs %v, want %v", got, tt.want)
			}
		})
	}
}
