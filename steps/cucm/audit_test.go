package cucm

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
	"github.com/ucops/runbook/steps/cucm/parse"
)

const auditWith = "{units: [tomcat, CallManager, cup-xmpp], runbooks: {tomcat: tomcat-rb, " +
	"CallManager: cm-rb}, api_insecure: true}"

// TestAuditFreshCluster audits a fresh simulated cluster by the REST API
// (release 14) and by the CLI (12.5): every unit is self-signed on every
// node, and the result says what each node holds and serves.
func TestAuditFreshCluster(t *testing.T) {
	for _, release := range []string{"14.0.1.12900-161", "12.5.1.10000-1"} {
		t.Run(release, func(t *testing.T) {
			e := startEnv(t, cucmsim.TestConfig(release))
			res := e.must("cucm.cert.audit", "cucm-pub", auditWith).(*AuditResult)
			wantMethod := map[string]string{"14.0.1.12900-161": "api", "12.5.1.10000-1": "cli"}[release]
			if res.Release != release || res.Method != wantMethod {
				t.Errorf("release %s, method %s", res.Release, res.Method)
			}
			want := []string{
				"tomcat: every node has a self-signed certificate (cucm-pub, cucm-sub1, imp-pub): make a " +
					"CA-signed multi-server certificate with tomcat-rb",
				"CallManager: every node has a self-signed certificate (cucm-pub, cucm-sub1): make a " +
					"CA-signed multi-server certificate with cm-rb",
				"cup-xmpp: every node has a self-signed certificate (imp-pub): make a CA-signed " +
					"multi-server certificate",
			}
			if !slices.Equal(res.Action, want) || len(res.Info) != 0 {
				t.Errorf("action %q\ninfo %q", res.Action, res.Info)
			}
			if !slices.Equal(res.Runbooks, []string{"tomcat-rb", "cm-rb"}) {
				t.Errorf("runbooks %q", res.Runbooks)
			}
			e.checkCerts(t, res.Certificates)
			for _, n := range []string{"cucm-pub", "cucm-sub1", "imp-pub"} {
				for _, cmd := range e.cliCommands(n) {
					if !readOnly(cmd) {
						t.Errorf("%s received %q", n, cmd)
					}
				}
			}
		})
	}
}

// checkCerts compares what the audit says each node holds with the
// simulator.
func (e *env) checkCerts(t *testing.T, got []AuditCert) {
	t.Helper()
	var want []AuditCert
	for _, unit := range []string{"tomcat", "CallManager", "cup-xmpp"} {
		for _, n := range e.cl.Nodes() {
			c := e.cl.InstalledCertificate(n.Name, unit)
			if c == nil {
				continue
			}
			ac := AuditCert{Node: n.Name, Unit: unit, File: unit + ".pem",
				Serial: strings.ToUpper(c.SerialNumber.Text(16)), Issuer: c.Issuer.String(),
				SelfSigned: true, NotAfter: c.NotAfter.UTC().Format(time.RFC3339), SANs: c.DNSNames}
			if unit == "tomcat" {
				ac.Served = ac.Serial
			}
			want = append(want, ac)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("certificates\n got %+v\nwant %+v", got, want)
	}
}

// TestAuditInventory audits with a site that disagrees with the cluster:
// a node the cluster lacks, a node under another FQDN, a node down.
func TestAuditInventory(t *testing.T) {
	e := startEnv(t, nil)
	e.site.Nodes[1].FQDN = "cucm-sub1.old.example.com"
	e.site.Nodes = append(e.site.Nodes, steps.Node{Name: "cucm-sub9", Role: "subscriber",
		Host: "127.0.0.99", FQDN: "cucm-sub9.lab.example.com"})
	if err := e.cl.SetDown("imp-pub", true); err != nil {
		t.Fatal(err)
	}
	res := e.must("cucm.cert.audit", "cucm-pub", "{units: [tomcat], self_signed_ok: [tomcat], "+
		"api_insecure: true}").(*AuditResult)
	want := []string{
		"site node cucm-sub1 is cucm-sub1.old.example.com in the site file but " +
			"cucm-sub1.lab.example.com in the cluster (renamed?): update its fqdn in the site file",
		"imp-pub: not audited: ",
		"site node cucm-sub9 (cucm-sub9.lab.example.com) is not in the cluster (show network cluster): " +
			"its certificates were not read; fix its entry in the site file",
	}
	if len(res.Action) != len(want) {
		t.Fatalf("action %q", res.Action)
	}
	for i, w := range want {
		if res.Action[i] != w && !(strings.HasSuffix(w, ": ") && strings.HasPrefix(res.Action[i], w)) {
			t.Errorf("finding %d: %q, want %q", i, res.Action[i], w)
		}
	}
	if f := res.Findings[1]; f.Kind != findUnread || !slices.Equal(f.Nodes, []string{"imp-pub"}) {
		t.Errorf("finding %+v", f)
	}
}

func TestAuditInputRefused(t *testing.T) {
	e := startEnv(t, nil)
	const known = "the audit knows tomcat, CallManager, cup-xmpp, cup-xmpp-s2s"
	tests := []struct{ with, want string }{
		{"{units: [tomcat, ipsec]}", `unit "ipsec": ` + known},
		{"{units: [tomcat], client_auth: [cup]}", `unit "cup": ` + known},
	}
	for _, tt := range tests {
		_, err := e.run("cucm.cert.audit", "cucm-pub", tt.with)
		if errText(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.with, err, tt.want)
		}
	}
	rt := e.runtime("cucm-pub")
	rt.Site = nil
	a := lookup(t, "cucm.cert.audit")
	if _, err := a.Run(t.Context(), rt, input(t, a, "{units: [tomcat]}")); errText(err) !=
		"cucm.cert.audit needs the site's inventory" {
		t.Errorf("no site: %v", err)
	}
}

// testCA signs certificates for the findings tests.
type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func newTestCA(t *testing.T, cn string) testCA {
	t.Helper()
	key := testKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	return testCA{mustCert(t, tmpl, tmpl, key, key), key}
}

func testKey(t *testing.T) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t *testing.T, tmpl, parent *x509.Certificate, pub, signer crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// leaf issues a certificate with serial for names, valid until notAfter;
// a zero CA makes it self-signed.
func (ca testCA) leaf(t *testing.T, serial int64, notAfter time.Time, names ...string) *x509.Certificate {
	t.Helper()
	key := testKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: time.Now().Add(-time.Hour), NotAfter: notAfter,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	if ca.cert == nil {
		return mustCert(t, tmpl, tmpl, key, key)
	}
	return mustCert(t, tmpl, ca.cert, key, ca.key)
}

// testCluster is three CUCM nodes a, b and c in ex.com.
func testCluster() *ClusterResult {
	c := &ClusterResult{}
	for _, n := range []string{"a", "b", "c"} {
		c.Nodes = append(c.Nodes, ClusterNode{Name: n, FQDN: n + ".ex.com", Product: "callmanager"})
		c.All = append(c.All, n+".ex.com")
	}
	return c
}

// testReads makes reads of nodes a, b and c holding certs for unit, with
// ca in every trust store.
func testReads(c *ClusterResult, unit string, ca testCA, certs ...*x509.Certificate) []*nodeRead {
	var out []*nodeRead
	for i, m := range c.Nodes {
		r := &nodeRead{node: &steps.Node{Name: m.Name, FQDN: m.FQDN}, member: m, inCluster: true,
			certs:     map[string]*heldCert{unit: heldFromX509(certs[i])},
			trust:     map[string][]storeCert{strings.ToLower(trustStore(unit)): {{file: "ca.pem", cert: ca.cert}}},
			leftovers: map[string][]string{}}
		out = append(out, r)
	}
	return out
}

// TestAuditFindings checks findings the simulator does not stage.
func TestAuditFindings(t *testing.T) {
	now := time.Now()
	ca := newTestCA(t, "Lab CA")
	year := now.AddDate(1, 0, 0)
	tests := []struct {
		name  string
		in    AuditInput
		certs func(t *testing.T) []*x509.Certificate
		want  []string
	}{
		{"single-server CA-signed beside a self-signed node", AuditInput{},
			func(t *testing.T) []*x509.Certificate {
				return []*x509.Certificate{ca.leaf(t, 0xa, year, "a.ex.com"), ca.leaf(t, 0xb, year, "b.ex.com"),
					testCA{}.leaf(t, 0xc, year, "c.ex.com")}
			},
			[]string{"CallManager on c: self-signed, while a, b hold CA-signed certificates: make a CA-signed " +
				"multi-server certificate with cm-rb"}},
		{"expired and expiring in a day", AuditInput{ExpiryDays: 10},
			func(t *testing.T) []*x509.Certificate {
				all := []string{"a.ex.com", "b.ex.com", "c.ex.com"}
				ms := ca.leaf(t, 0xab, now.Add(36*time.Hour), all...)
				return []*x509.Certificate{ms, ms, ca.leaf(t, 0xc, now.Add(-time.Hour), all...)}
			},
			[]string{
				"CallManager on a, b: the certificate (serial AB) expires on " +
					now.Add(36*time.Hour).UTC().Format("2006-01-02") + ", in 1 day (expiry_days 10): renew it with cm-rb",
				"CallManager on c: the certificate (serial C) expired on " +
					now.Add(-time.Hour).UTC().Format("2006-01-02") + " (expiry_days 10): renew it with cm-rb",
			}},
		{"two multi-server certificates, one short", AuditInput{},
			func(t *testing.T) []*x509.Certificate {
				old := ca.leaf(t, 0x01d, year, "a.ex.com", "b.ex.com")
				return []*x509.Certificate{old, old, ca.leaf(t, 0x2, year, "a.ex.com", "b.ex.com", "c.ex.com")}
			},
			[]string{"CallManager: the multi-server certificate on a, b (serial 1D) does not name c.ex.com: " +
				"regenerate it with cm-rb; the new CSR must include every node"}},
		{"self-signed accepted, expiring soon", AuditInput{SelfSignedOK: []string{"CallManager"}},
			func(t *testing.T) []*x509.Certificate {
				return []*x509.Certificate{testCA{}.leaf(t, 1, year, "a.ex.com"),
					testCA{}.leaf(t, 2, now.Add(2*time.Hour), "b.ex.com"), testCA{}.leaf(t, 3, year, "c.ex.com")}
			},
			[]string{"CallManager on b: the self-signed certificate expires on " +
				now.Add(2*time.Hour).UTC().Format("2006-01-02") + ", in less than a day (expiry_days 30): " +
				"regenerate it (set cert regen CallManager)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			in.Units = []string{"CallManager"}
			in.Runbooks = map[string]string{"callmanager": "cm-rb"}
			if in.ExpiryDays == 0 {
				in.ExpiryDays = 30
			}
			c := testCluster()
			a := &audit{in: &in, now: now, cluster: c, reads: testReads(c, "CallManager", ca, tt.certs(t)...)}
			if got := a.run().Action; !slices.Equal(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSortOut(t *testing.T) {
	tests := []struct {
		name      string
		files     []listedFile
		installed string
		leftovers []string
	}{
		{"none", nil, "", nil},
		{"self-signed only", []listedFile{{"tomcat.pem", true}}, "tomcat.pem", nil},
		{"multi-server and leftovers", []listedFile{{"tomcat.pem", true}, {"pub-ms.pem", false},
			{"old.pem", true}}, "pub-ms.pem", []string{"tomcat.pem", "old.pem"}},
	}
	for _, tt := range tests {
		installed, leftovers := sortOut(tt.files)
		if installed != tt.installed || !slices.Equal(leftovers, tt.leftovers) {
			t.Errorf("%s: %q %q", tt.name, installed, leftovers)
		}
	}
}

func TestCLIFields(t *testing.T) {
	tests := []struct{ dn, cn string }{
		{"CN=Lab CA,O=Lab,C=US", "Lab CA"},
		{"L=Paris, CN=Issuing CA 2, O=Example", "Issuing CA 2"},
		{"O=No Common Name", "O=No Common Name"},
	}
	for _, tt := range tests {
		if got := cnOf(tt.dn); got != tt.cn {
			t.Errorf("cnOf(%q) = %q, want %q", tt.dn, got, tt.cn)
		}
	}
	want := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, s := range []string{"Thu Mar 04 05:06:07 UTC 2027", "Thu Mar 4 05:06:07 UTC 2027",
		"2027-03-04T05:06:07Z"} {
		if got := cliDate(s); !got.Equal(want) {
			t.Errorf("cliDate(%q) = %v", s, got)
		}
	}
	if got := cliDate("tomorrow"); !got.IsZero() {
		t.Errorf("cliDate(tomorrow) = %v", got)
	}
}

// TestHeldFromCLI reads the text dump "show cert own" prints without a
// PEM: the client authentication usage and the dates come from its text.
func TestHeldFromCLI(t *testing.T) {
	out := `[
  Version: V3
  Serial Number: 0A:1B
  Issuer Name: CN=Lab CA,O=Lab
  Validity From: Tue Jan 05 10:00:00 UTC 2027
           To:   Wed Jan 05 10:00:00 UTC 2028
  Subject Name: CN=cucm-pub.ex.com,O=Lab
  Key: RSA 2048 bits
  Extensions: 2 present
  [
     Extension: SubjectAltName (OID.2.5.29.17)
     Critical: false
     DNS names: a.ex.com, b.ex.com
  ]
  [
     Extension: ExtKeyUsageSyntax (OID.2.5.29.37)
     Critical: false
     Usage oids: 1.3.6.1.5.5.7.3.1
  ]
]`
	c, err := parse.CertDetail(out)
	if err != nil {
		t.Fatal(err)
	}
	got := heldFromCLI(c)
	want := &heldCert{issuer: "CN=Lab CA,O=Lab", issuerCN: "Lab CA", serial: "A1B",
		notAfter: time.Date(2028, 1, 5, 10, 0, 0, 0, time.UTC), sans: []string{"a.ex.com", "b.ex.com"},
		noClientAuth: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func FuzzHeldFromCLI(f *testing.F) {
	f.Add("Issuer Name: CN=x\n  To: Mon Jan 02 15:04:05 UTC 2006\nUsage oids: 1.3.6.1.5.5.7.3.2\n")
	f.Add("Subject Name: O=a, CN=b\nIssuer Name: O=a, CN=b\nDNS names: ,,x,\n")
	f.Fuzz(func(t *testing.T, out string) {
		c, err := parse.CertDetail(out)
		if err != nil {
			return
		}
		h := heldFromCLI(c)
		if h.selfSigned && h.issuer == "" {
			t.Errorf("self-signed without an issuer: %+v", h)
		}
	})
}

// TestAuditSelfSignedOK: a unit self-signed on every node, as nodes are
// installed, is information only when self_signed_ok names it; a node
// back to self-signed beside CA-signed ones needs action either way.
func TestAuditSelfSignedOK(t *testing.T) {
	year := time.Now().AddDate(1, 0, 0)
	ca := newTestCA(t, "Lab CA")
	self := func(t *testing.T) []*x509.Certificate {
		return []*x509.Certificate{testCA{}.leaf(t, 1, year, "a.ex.com"),
			testCA{}.leaf(t, 2, year, "b.ex.com"), testCA{}.leaf(t, 3, year, "c.ex.com")}
	}
	rebuilt := func(t *testing.T) []*x509.Certificate {
		ms := ca.leaf(t, 0xab, year, "a.ex.com", "b.ex.com", "c.ex.com")
		return []*x509.Certificate{ms, ms, testCA{}.leaf(t, 3, year, "c.ex.com")}
	}
	backToSelf := "CallManager on c: self-signed, while a, b hold the CA-signed multi-server " +
		"certificate that names it (a rebuilt node): regenerate the multi-server certificate with cm-rb"
	tests := []struct {
		name         string
		ok           []string
		certs        func(t *testing.T) []*x509.Certificate
		action, info []string
	}{
		{"all self-signed, accepted", []string{"CallManager"}, self, nil, []string{
			"CallManager: every node has a self-signed certificate (a, b, c), as installed, which " +
				"self_signed_ok accepts: nothing to do (cm-rb makes a CA-signed multi-server " +
				"certificate, if one is wanted)"}},
		{"all self-signed, not accepted", nil, self, []string{
			"CallManager: every node has a self-signed certificate (a, b, c): make a CA-signed " +
				"multi-server certificate with cm-rb"}, nil},
		{"back to self-signed, accepted", []string{"CallManager"}, rebuilt, []string{backToSelf}, nil},
		{"back to self-signed, not accepted", nil, rebuilt, []string{backToSelf}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := AuditInput{Units: []string{"CallManager"}, SelfSignedOK: tt.ok, ExpiryDays: 30,
				Runbooks: map[string]string{"callmanager": "cm-rb"}}
			c := testCluster()
			res := (&audit{in: &in, now: time.Now(), cluster: c,
				reads: testReads(c, "CallManager", ca, tt.certs(t)...)}).run()
			if !slices.Equal(res.Action, tt.action) || !slices.Equal(res.Info, tt.info) {
				t.Errorf("action %q\ninfo %q\nwant action %q\ninfo %q", res.Action, res.Info,
					tt.action, tt.info)
			}
			if len(tt.action) == 0 && len(res.Runbooks) != 0 {
				t.Errorf("runbooks %q recommended for information only", res.Runbooks)
			}
		})
	}
}
