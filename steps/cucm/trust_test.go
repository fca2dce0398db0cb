package cucm

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
	"github.com/ucops/runbook/steps/cucm/parse"
	"github.com/ucops/runbook/steps/x509/x509test"
)

// runCancelled runs an action on node and cancels its context as soon as
// it reports a progress line containing at.
func (e *env) runCancelled(name, node, with, at string) error {
	e.t.Helper()
	a := lookup(e.t, name)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt := e.runtime(node)
	rt.Notify = func(msg string) {
		if strings.Contains(msg, at) {
			cancel()
		}
	}
	_, err := a.Run(ctx, rt, input(e.t, a, with))
	return err
}

// TestTrustSameName: a new CA chain whose names are those of a chain
// already in tomcat-trust (a lab CA made again, a CA renewed with a new
// key). Over the CLI the import is interrupted after the root, as Ctrl-C
// does: the check must not say done because a file of the issuing CA's
// name is there, and running again imports the new issuing CA only. Over
// the REST API both are missing at first. Afterwards a certificate of the
// new CA uploads.
func TestTrustSameName(t *testing.T) {
	tests := []struct {
		name, method string
		interrupt    bool
	}{
		{"cli, interrupted after the root", "cli", true},
		{"api", "api", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			old, p := newPKI(t), newPKI(t)
			old.files(e)
			e.must("cucm.cert.upload_trust", "cucm-pub", "{unit: tomcat, certificates: [root.pem, issuing.pem]}")
			with := "{unit: tomcat, certificates: " + p.files(e) + ", method: " + tt.method +
				", api_insecure: true}"

			wantLack := "CN=Lab Issuing CA (serial " + serialOf(p.issuing.Cert) + "): " +
				"tomcat-trust/Lab_Issuing_CA.pem holds another certificate (serial " +
				serialOf(old.issuing.Cert) + ", issued by " + old.issuing.Cert.Issuer.String() + ")"
			want := "tomcat-trust lacks " + wantLack
			if tt.interrupt {
				err := e.runCancelled("cucm.cert.upload_trust", "cucm-pub", with, "imported into")
				wantErr := "import certificate #2 (CN=Lab Issuing CA) into tomcat-trust on cucm-pub: " +
					"context canceled"
				if !errors.Is(err, context.Canceled) || errText(err) != wantErr {
					t.Fatalf("interrupted run: %v, want %s", err, wantErr)
				}
			} else {
				want = "tomcat-trust lacks CN=Lab Root CA (serial " + serialOf(p.root.Cert) + "): " +
					"tomcat-trust/Lab_Root_CA.pem holds another certificate (serial " +
					serialOf(old.root.Cert) + ", issued by " + old.root.Cert.Issuer.String() + "); " +
					wantLack
			}
			if c, err := e.check("cucm.cert.upload_trust", "cucm-pub", with); c.State != steps.NotDone ||
				c.Detail != want {
				t.Errorf("check = %+v, %v\nwant detail %s", c, err, want)
			}

			res := e.must("cucm.cert.upload_trust", "cucm-pub", with).(*TrustResult)
			imported, present := files(res.Imported), files(res.Present)
			wantImported, wantPresent := "tomcat-trust/Lab_Issuing_CA.pem", "tomcat-trust/Lab_Root_CA.pem"
			if !tt.interrupt {
				wantImported, wantPresent = wantPresent+" "+wantImported, ""
			}
			if imported != wantImported || present != wantPresent {
				t.Errorf("imported %q, present %q; want %q, %q", imported, present, wantImported, wantPresent)
			}
			if c, err := e.check("cucm.cert.upload_trust", "cucm-pub", with); c.State != steps.Done {
				t.Errorf("check after = %+v, %v", c, err)
			}
			if got := e.cl.TrustCertificates("tomcat-trust"); !containsCert(got, p.issuing.Cert) ||
				!containsCert(got, p.root.Cert) {
				t.Error("the simulator's tomcat-trust lacks the new chain")
			}
			e.writeFile("tomcat.pem", x509test.PEM(p.sign(t, e.multiServerCSR())))
			e.must("cucm.cert.upload", "cucm-pub", "{unit: tomcat, certificate: tomcat.pem}")
		})
	}
}

func files(list []TrustCert) string {
	var out []string
	for _, c := range list {
		out = append(out, c.File)
	}
	return strings.Join(out, " ")
}

// TestTrustImportNotHeld: the node says it imported the certificates but
// its store does not hold them; the upload must not report success.
func TestTrustImportNotHeld(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.Responses = []cucmsim.Response{{Node: "cucm-pub", Command: "set cert import trust tomcat",
		Text: "Successfully imported certificate for tomcat.\n" +
			"Please restart services related to tomcat for the new certificate to become active."}}
	e := startEnv(t, cfg)
	p := newPKI(t)
	_, err := e.run("cucm.cert.upload_trust", "cucm-pub", "{unit: tomcat, certificates: "+p.files(e)+"}")
	want := "cucm-pub accepted the import but tomcat-trust does not hold CN=Lab Root CA (serial " +
		serialOf(p.root.Cert) + "): no tomcat-trust/Lab_Root_CA.pem; CN=Lab Issuing CA (serial " +
		serialOf(p.issuing.Cert) + "): no tomcat-trust/Lab_Issuing_CA.pem"
	if errText(err) != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
}

// TestHoldsCert compares what show cert trust printed with a certificate:
// by PEM when printed, else by serial and issuer in the spellings the CLI
// uses.
func TestHoldsCert(t *testing.T) {
	p := newPKI(t)
	c := p.issuing.Cert
	other := newPKI(t).issuing.Cert
	dump := func(serial, issuer string) parse.Certificate {
		return parse.Certificate{Fields: map[string]string{"Serial Number": serial, "Issuer Name": issuer}}
	}
	tests := []struct {
		name string
		d    parse.Certificate
		want bool
	}{
		{"PEM, same", parse.Certificate{Cert: c}, true},
		{"PEM, another of the same name", parse.Certificate{Cert: other}, false},
		{"serial and Go issuer", dump(serialOf(c), c.Issuer.String()), true},
		{"Java issuer", dump(serialOf(c), "CN=Lab Root CA, O=Lab"), true},
		{"issuer in another order, lower-case serial", dump(strings.ToLower(serialOf(c)), "O=Lab, CN=Lab Root CA"), true},
		{"serial with colons and a leading zero", dump("0"+colons(serialOf(c)), "CN=Lab Root CA"), true},
		{"quoted CN", dump(serialOf(c), `CN="Lab Root CA", O=Lab`), true},
		{"another serial", dump(serialOf(other), c.Issuer.String()), false},
		{"another issuer", dump(serialOf(c), "CN=Other Root CA, O=Lab"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := holdsCert(tt.d, c); got != tt.want {
				t.Errorf("holdsCert = %v, want %v", got, tt.want)
			}
		})
	}
}

func colons(hex string) string {
	var b strings.Builder
	for i := 0; i < len(hex); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(hex[i:min(i+2, len(hex))])
	}
	return b.String()
}

func TestSameIssuer(t *testing.T) {
	withCN := pkix.Name{CommonName: "Lab Root CA", Organization: []string{"Lab"}}
	noCN := pkix.Name{Organization: []string{"Lab"}, Country: []string{"US"}}
	tests := []struct {
		printed string
		n       pkix.Name
		want    bool
	}{
		{"CN=Lab Root CA,O=Lab", withCN, true},
		{"cn=lab root ca, o=Lab", withCN, true},
		{`CN=Lab\, Root CA,O=Lab`, pkix.Name{CommonName: "Lab, Root CA"}, true},
		{"CN=Lab Root CA 2,O=Lab", withCN, false},
		{"O=Lab, C=US", noCN, true},
		{"o=lab,c=us", noCN, true},
		{"O=Other, C=US", noCN, false},
	}
	for _, tt := range tests {
		if got := sameIssuer(tt.printed, tt.n); got != tt.want {
			t.Errorf("sameIssuer(%q, %q) = %v, want %v", tt.printed, tt.n, got, tt.want)
		}
	}
}

// FuzzSameIssuer: any printed name is compared without panicking, and a
// name always matches its own Go spelling and a Java-like one with spaces.
func FuzzSameIssuer(f *testing.F) {
	f.Add("Lab Root CA", "Lab", `CN="x", O=y`)
	f.Add("a,b", "", "CN=")
	f.Add(`x\`, "O=1", `CN=\`)
	f.Fuzz(func(t *testing.T, cn, org, printed string) {
		sameIssuer(printed, pkix.Name{CommonName: cn})
		n := pkix.Name{CommonName: cn}
		if org != "" {
			n.Organization = []string{org}
		}
		if !sameIssuer(n.String(), n) {
			t.Errorf("%q does not match its own name %q", n.String(), cn)
		}
	})
}
