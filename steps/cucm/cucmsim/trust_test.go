package cucmsim

import (
	"crypto/x509"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestShowCertTrust reads a trust certificate as "show cert trust
// STORE/FILE" prints it: the detail of "show cert own", found without
// regard to case, audited as the command it is.
func TestShowCertTrust(t *testing.T) {
	c := start(t, TestConfig(""))
	ca := newTestCA(t)
	trustChain(t, c, "cucm-pub", "tomcat", ca)
	tc := dial(t, c, "cucm-sub1")
	tc.run("set cli pagination off")

	tests := []struct {
		name, cmd string
		cert      *x509.Certificate
	}{
		{"root", "show cert trust tomcat-trust/Lab_Root_CA.pem", ca.root},
		{"intermediate", "show cert trust tomcat-trust/Lab_Issuing_CA.pem", ca.inter},
		{"case", "show cert trust TOMCAT-TRUST/lab_issuing_ca.PEM", ca.inter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := strings.Join(certDetails(tt.cert), "\n") + "\n"
			if got := tc.run(tt.cmd); got != want {
				t.Errorf("%s:\n%s\nwant:\n%s", tt.cmd, got, want)
			}
		})
	}
	var shown []string
	for _, e := range c.Audit() {
		if strings.HasPrefix(e.Command, "show cert trust") {
			shown = append(shown, e.Node+" "+e.Channel+" "+e.Result+": "+e.Command)
		}
	}
	want := []string{
		"cucm-sub1 cli ok: show cert trust tomcat-trust/Lab_Root_CA.pem",
		"cucm-sub1 cli ok: show cert trust tomcat-trust/Lab_Issuing_CA.pem",
		"cucm-sub1 cli ok: show cert trust TOMCAT-TRUST/lab_issuing_ca.PEM",
	}
	if !slices.Equal(shown, want) {
		t.Errorf("audited:\n%q\nwant:\n%q", shown, want)
	}
}

// TestTrustSameNameReplaced imports a CA re-created under the name of one
// in the store (new key, same CN): it replaces the entry of that name, and
// a certificate of the new CA is refused until the rest of its chain is
// imported.
func TestTrustSameNameReplaced(t *testing.T) {
	c := start(t, TestConfig(""))
	old, ca := newTestCA(t), newTestCA(t)
	trustChain(t, c, "cucm-pub", "tomcat", old)
	if _, err := c.Upload("cucm-pub", GUIUpload{Unit: "tomcat-trust", Certificate: pemCert(ca.root)}); err != nil {
		t.Fatal(err)
	}
	tc := dial(t, c, "cucm-pub")
	tc.run("set cli pagination off")
	if got, want := tc.run("show cert trust tomcat-trust/Lab_Root_CA.pem"),
		strings.Join(certDetails(ca.root), "\n")+"\n"; got != want {
		t.Errorf("the root's file holds:\n%s\nwant the new root:\n%s", got, want)
	}
	if n := strings.Count(tc.run("show cert list trust"), "tomcat-trust/Lab_Root_CA.pem:"); n != 1 {
		t.Errorf("tomcat-trust lists Lab_Root_CA.pem %d times, want once", n)
	}

	leaf := ca.sign(t, guiCSR(t, c, "cucm-pub", "tomcat", "multi-server").CSR)
	want := `the issuer "CN=Lab Issuing CA" of "CN=cucm-pub.lab.example.com,O=Lab,L=San Jose,` +
		`ST=CA,C=US" is not in tomcat-trust; upload the CA chain to tomcat-trust first, root first`
	if st, _, e := upload(t, c, "cucm-pub", "tomcat", leaf); st != http.StatusBadRequest ||
		e.Message != want {
		t.Errorf("upload beside the old issuing CA: %d %q\nwant %q", st, e.Message, want)
	}
	if _, err := c.Upload("cucm-pub", GUIUpload{Unit: "tomcat-trust", Certificate: pemCert(ca.inter)}); err != nil {
		t.Fatal(err)
	}
	if st, up, e := upload(t, c, "cucm-pub", "tomcat", leaf); st != http.StatusOK || len(up.Nodes) != 3 {
		t.Errorf("upload after the new issuing CA: %d %v %s", st, up.Nodes, e.Message)
	}
}

// TestGUIOtherDomains fills the Generate CSR page's Other Domains field:
// on 10.5.2, which leaves the CN out of the SANs (CSCus47235), it puts
// the CN back. A field the page does not have is refused.
func TestGUIOtherDomains(t *testing.T) {
	c := start(t, TestConfig("10.5.2.10000-5"))
	cn := "cucm-pub.lab.example.com"
	nodes := []string{"cucm-sub1.lab.example.com", "imp-pub.lab.example.com", "lab.example.com"}
	tests := []struct {
		name  string
		other []string
		want  []string
	}{
		{"without", nil, nodes},
		{"CN added", []string{cn}, append(slices.Clone(nodes), cn)},
		{"CN and another", []string{cn, "cucm.lab.example.com"},
			append(slices.Clone(nodes), cn, "cucm.lab.example.com")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var csr GUICSRResponse
			if st := request(t, c, "cucm-pub", "POST", "/sim/gui/csr", GUICSRRequest{Unit: "tomcat",
				Distribution: "multi-server", KeySize: 1024, OtherDomains: tt.other}, &csr); st != 200 {
				t.Fatalf("status %d", st)
			}
			if got := parseCSR(t, csr.CSR).DNSNames; !slices.Equal(got, tt.want) {
				t.Errorf("SANs %q, want %q", got, tt.want)
			}
			res, err := c.GenerateCSR("cucm-pub", GUICSRRequest{Unit: "tomcat",
				Distribution: "multi-server", KeySize: 1024, OtherDomains: tt.other})
			if got := parseCSR(t, res.CSR).DNSNames; err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("GenerateCSR: SANs %q, %v; want %q", got, err, tt.want)
			}
		})
	}

	var e APIError
	body := map[string]any{"unit": "tomcat", "distribution": "multi-server", "alt_names": []string{cn}}
	want := `invalid JSON body: json: unknown field "alt_names"`
	if st := request(t, c, "cucm-pub", "POST", "/sim/gui/csr", body, &e); st != 400 || e.Message != want {
		t.Errorf("alt_names: %d %q, want 400 %q", st, e.Message, want)
	}
}
