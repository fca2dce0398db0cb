package cucm

import (
	"crypto/x509"
	"reflect"
	"strings"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/x509/x509test"
)

// pki is a test CA chain: a root and an issuing intermediate.
type pki struct {
	root, issuing *x509test.CA
}

func newPKI(t *testing.T) pki {
	root := x509test.NewRoot(t, "Lab Root CA")
	return pki{root: root, issuing: root.Sub(t, "Lab Issuing CA")}
}

// sign has the issuing CA sign csr, keeping its subject and SANs.
func (p pki) sign(t *testing.T, csrPEM string) *x509.Certificate {
	csr := parseCSRPEM(t, csrPEM)
	tmpl := x509test.Template(csr.Subject.CommonName)
	tmpl.Subject, tmpl.DNSNames = csr.Subject, csr.DNSNames
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	return p.issuing.Issue(t, tmpl, csr.PublicKey)
}

// files writes the chain and returns the trust input's certificates.
func (p pki) files(e *env) string {
	e.writeFile("root.pem", x509test.PEM(p.root.Cert))
	e.writeFile("issuing.pem", x509test.PEM(p.issuing.Cert))
	return "[root.pem, issuing.pem]"
}

// multiServerCSR generates a multi-server tomcat CSR on the publisher.
func (e *env) multiServerCSR() string {
	out := e.must("cucm.csr.generate", "cucm-pub",
		"{unit: tomcat, distribution: multi-server, api_insecure: true}").(*CSRResult)
	return out.PEM
}

func TestUploadFlow(t *testing.T) {
	e := startEnv(t, nil)
	p := newPKI(t)
	leaf := p.sign(t, e.multiServerCSR())
	e.writeFile("tomcat.pem", x509test.PEM(leaf))

	trustWith := "{unit: tomcat, certificates: " + p.files(e) + "}"
	want := "tomcat-trust lacks CN=Lab Root CA (serial " + serialOf(p.root.Cert) + "): no " +
		"tomcat-trust/Lab_Root_CA.pem; CN=Lab Issuing CA (serial " + serialOf(p.issuing.Cert) +
		"): no tomcat-trust/Lab_Issuing_CA.pem"
	if c, _ := e.check("cucm.cert.upload_trust", "cucm-pub", trustWith); c.State != steps.NotDone ||
		c.Detail != want {
		t.Errorf("trust check before = %+v\nwant detail %s", c, want)
	}
	trust := e.must("cucm.cert.upload_trust", "cucm-pub", trustWith).(*TrustResult)
	if trust.Store != "tomcat-trust" || len(trust.Imported) != 2 || len(trust.Present) != 0 ||
		trust.Imported[1].File != "tomcat-trust/Lab_Issuing_CA.pem" {
		t.Errorf("trust result = %+v", trust)
	}
	want = "tomcat-trust holds each certificate, matched by serial number and issuer: " +
		"tomcat-trust/Lab_Root_CA.pem, tomcat-trust/Lab_Issuing_CA.pem"
	if c, _ := e.check("cucm.cert.upload_trust", "cucm-pub", trustWith); c.State != steps.Done ||
		c.Detail != want {
		t.Errorf("trust check after = %+v\nwant detail %s", c, want)
	}
	again := e.must("cucm.cert.upload_trust", "cucm-pub", trustWith).(*TrustResult)
	if len(again.Imported) != 0 || len(again.Present) != 2 {
		t.Errorf("trust result of a second run = %+v, want both present", again)
	}
	if n := count(e.cliCommands("cucm-pub"), "set cert import trust tomcat"); n != 2 {
		t.Errorf("set cert import trust tomcat sent %d times, want 2", n)
	}
	if got := e.cl.TrustCertificates("tomcat-trust"); !containsCert(got, p.root.Cert) ||
		!containsCert(got, p.issuing.Cert) {
		t.Error("the simulator's tomcat-trust lacks the chain")
	}

	upWith := "{unit: tomcat, certificate: tomcat.pem}"
	if c, _ := e.check("cucm.cert.upload", "cucm-pub", upWith); c.State != steps.NotDone {
		t.Errorf("upload check before = %+v", c)
	}
	up := e.must("cucm.cert.upload", "cucm-pub", upWith).(*UploadResult)
	if !reflect.DeepEqual(up.Nodes, allNodes) || !up.MultiServer || up.Serial == "" {
		t.Errorf("upload result = %+v", up)
	}
	for _, n := range []string{"cucm-pub", "cucm-sub1", "imp-pub"} {
		if got := e.cl.InstalledCertificate(n, "tomcat"); got == nil || !got.Equal(leaf) {
			t.Errorf("%s does not hold the new certificate", n)
		}
		if c, err := e.check("cucm.cert.upload", n, upWith); err != nil || c.State != steps.Done {
			t.Errorf("upload check on %s = %+v, %v", n, c, err)
		}
	}
	// Leftover self-signed certificates stay listed (CSCur97909).
	list := e.must("cucm.cert.list", "cucm-sub1", "unit: tomcat").(*CertListResult)
	if len(list.SelfSigned) != 0 || len(list.Leftovers) != 1 {
		t.Errorf("cert list = %+v", list)
	}
	show := e.must("cucm.cert.show", "cucm-sub1", "unit: tomcat").(*CertShowResult)
	if show.Serial != up.Serial || show.SelfSigned || !reflect.DeepEqual(show.SANs, leaf.DNSNames) {
		t.Errorf("cert show = %+v", show)
	}
}

func containsCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, l := range list {
		if l.Equal(c) {
			return true
		}
	}
	return false
}

func TestUploadWithChainAndAPI(t *testing.T) {
	tests := []struct{ name, with string }{
		{"cli imports the chain first", "{unit: tomcat, certificate: tomcat.pem, chain: [root.pem, issuing.pem]}"},
		{"api", "{unit: tomcat, certificate: tomcat.pem, chain: [root.pem, issuing.pem], " +
			"method: api, api_insecure: true}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			p := newPKI(t)
			p.files(e)
			e.writeFile("tomcat.pem", x509test.PEM(p.sign(t, e.multiServerCSR())))
			if strings.Contains(tt.with, "api") {
				e.must("cucm.cert.upload_trust", "cucm-pub",
					"{unit: tomcat, certificates: [root.pem, issuing.pem], method: api, api_insecure: true}")
			}
			up := e.must("cucm.cert.upload", "cucm-pub", tt.with).(*UploadResult)
			if !reflect.DeepEqual(up.Nodes, allNodes) {
				t.Errorf("result = %+v", up)
			}
			if !strings.Contains(tt.with, "api") && !reflect.DeepEqual(up.TrustImported,
				[]string{"tomcat-trust/Lab_Root_CA.pem", "tomcat-trust/Lab_Issuing_CA.pem"}) {
				t.Errorf("trust imported = %q", up.TrustImported)
			}
		})
	}
}

func TestUploadRefused(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(e *env, p pki)
		with    string
		wantErr string
	}{
		{name: "chain not trusted",
			prepare: func(e *env, p pki) {
				e.writeFile("tomcat.pem", x509test.PEM(p.sign(t, e.multiServerCSR())))
			},
			with: "{unit: tomcat, certificate: tomcat.pem}",
			wantErr: `cucm-pub refused the tomcat certificate (CN=cucm-pub.lab.example.com): the CLI said ` +
				`"Error: the issuer \"CN=Lab Issuing CA,O=Lab\" of \"CN=cucm-pub.lab.example.com,O=Lab,` +
				`L=San Jose,ST=CA,C=US\" is not in tomcat-trust; upload the CA chain to tomcat-trust first, ` +
				`root first" (Executed command unsuccessfully); tomcat-trust does not list its issuer ` +
				`Lab Issuing CA: upload the CA chain first, root first (cucm.cert.upload_trust)`},
		{name: "stale CSR",
			prepare: func(e *env, p pki) {
				old := e.multiServerCSR()
				e.multiServerCSR()
				e.writeFile("tomcat.pem", x509test.PEM(p.sign(t, old)))
				e.must("cucm.cert.upload_trust", "cucm-pub", "{unit: tomcat, certificates: "+p.files(e)+"}")
			},
			with: "{unit: tomcat, certificate: tomcat.pem}",
			wantErr: `cucm-pub refused the tomcat certificate (CN=cucm-pub.lab.example.com): the CLI said ` +
				`"Error: the certificate does not match the key of the current CSR for tomcat on ` +
				`cucm-pub: generate a new CSR and have that one signed" (Executed command ` +
				`unsuccessfully); its key is not the one of the pending CSR for tomcat on cucm-pub: ` +
				`it was signed from an older CSR; have the current CSR signed (cucm.csr.download)`},
		{name: "stale CSR over the API",
			prepare: func(e *env, p pki) {
				old := e.multiServerCSR()
				e.multiServerCSR()
				e.writeFile("tomcat.pem", x509test.PEM(p.sign(t, old)))
				e.must("cucm.cert.upload_trust", "cucm-pub", "{unit: tomcat, certificates: "+p.files(e)+"}")
			},
			with: "{unit: tomcat, certificate: tomcat.pem, method: api, api_insecure: true}",
			wantErr: `cucm-pub refused the tomcat certificate (CN=cucm-pub.lab.example.com): REST API of ` +
				`cucm-pub: POST identity/certificates: 400 the certificate does not match the key of ` +
				`the current CSR for tomcat on cucm-pub: generate a new CSR and have that one signed; ` +
				`its key is not the one of the pending CSR for tomcat on cucm-pub: it was signed ` +
				`from an older CSR; have the current CSR signed (cucm.csr.download)`},
		{name: "landed on fewer nodes than expected",
			prepare: func(e *env, p pki) {
				csr := e.must("cucm.csr.generate", "cucm-pub", "{unit: tomcat, api_insecure: true}").(*CSRResult)
				e.writeFile("tomcat.pem", x509test.PEM(p.sign(t, csr.PEM)))
				e.must("cucm.cert.upload_trust", "cucm-pub", "{unit: tomcat, certificates: "+p.files(e)+"}")
			},
			with: "{unit: tomcat, certificate: tomcat.pem, expect_nodes: [cucm-pub.lab.example.com, " +
				"cucm-sub1.lab.example.com]}",
			wantErr: "the tomcat certificate landed on cucm-pub.lab.example.com but not on " +
				"cucm-sub1.lab.example.com, which it must be on; the node list of a multi-server " +
				"upload comes from the pending CSR: generate it again with every node up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			tt.prepare(e, newPKI(t))
			_, err := e.run("cucm.cert.upload", "cucm-pub", tt.with)
			if errText(err) != tt.wantErr {
				t.Errorf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
		})
	}
}

func TestUploadTrustRefused(t *testing.T) {
	other := x509test.NewRoot(t, "Other Root")
	tests := []struct {
		name    string
		certs   func(p pki) []*x509.Certificate
		wantErr string
	}{
		{name: "out of order",
			certs: func(p pki) []*x509.Certificate { return []*x509.Certificate{p.issuing.Cert, p.root.Cert} },
			wantErr: "certificate #1 (CN=Lab Issuing CA) is issued by #2 (CN=Lab Root CA), which comes " +
				"after it: list the root first, then each intermediate in order"},
		{name: "intermediate of another root",
			certs: func(p pki) []*x509.Certificate { return []*x509.Certificate{other.Cert, p.issuing.Cert} },
			wantErr: "certificate #2 (CN=Lab Issuing CA) is not issued by #1 (CN=Other Root): list the root " +
				"first, then each intermediate in order"},
		{name: "a server certificate",
			certs: func(p pki) []*x509.Certificate {
				return []*x509.Certificate{p.root.Cert, p.issuing.Leaf(t, x509test.ECKey(t), nil, "x.lab.example.com")}
			},
			wantErr: "certificate #2 (CN=x.lab.example.com) is not a CA certificate; a signed node " +
				"certificate goes up with cucm.cert.upload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			e.writeFile("chain.pem", x509test.PEM(tt.certs(newPKI(t))...))
			_, err := e.run("cucm.cert.upload_trust", "cucm-pub", "{unit: tomcat, certificates: [chain.pem]}")
			if errText(err) != tt.wantErr {
				t.Errorf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
			for _, cmd := range e.cliCommands("cucm-pub") {
				if !readOnly(cmd) {
					t.Errorf("sent %q", cmd)
				}
			}
		})
	}
}
