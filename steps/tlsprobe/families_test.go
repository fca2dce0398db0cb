package tlsprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/adcs"
	"github.com/ucops/runbook/steps/adcs/adcstest"
	"github.com/ucops/runbook/steps/ca"
	"github.com/ucops/runbook/steps/stepstest"
	x509inspect "github.com/ucops/runbook/steps/x509"
	"github.com/ucops/runbook/steps/x509/x509test"
)

type creds = stepstest.Credentials

// TestSignedChainIsServedAndTrusted runs the certificate families the way
// the canned runbook does: inspect the cluster CSR, have it signed (local
// CA, then AD CS), serve the result, and probe it against the CA chain.
func TestSignedChainIsServedAndTrusted(t *testing.T) {
	names := []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com", "imp-pub.lab.example.com"}
	key := x509test.RSAKey(t, 2048)
	csrPEM := x509test.CSRPEM(x509test.CSR(t, key, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth,
		x509.ExtKeyUsageClientAuth}, names...))
	b, err := x509inspect.Parse([]byte(csrPEM))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509inspect.Inspect(b, x509inspect.Expect{SANs: names, CNInSAN: true, NoWildcard: true,
		ClientAuth: true, MinHash: "SHA-256"}, time.Now()); err != nil {
		t.Fatalf("CSR expectations: %v", err)
	}
	rt := &steps.Runtime{Step: "sign", Artifacts: stepstest.Artifacts(t.TempDir()),
		Credentials: creds{"adcs": {Username: `LAB\svc`, Password: "pw"}}}

	local, err := ca.Actions()[0].Run(context.Background(), rt, &ca.Input{CSR: csrPEM,
		Profile: "server-client", Intermediate: true, Name: "Lab", Days: 30, KeyType: "ec-p256"})
	if err != nil {
		t.Fatal(err)
	}
	lr := local.(*ca.Result)
	fullchain, _ := os.ReadFile(lr.FullChainFile)
	probeServed(t, fullchain, key, lr.Chain)

	srv, err := adcstest.New(adcstest.Config{Username: `LAB\svc`, Password: "pw"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	issued, err := adcs.Actions()[0].Run(context.Background(), rt, &adcs.Input{URL: srv.URL(), CSR: csrPEM,
		Template: "WebServerClient", Credential: "adcs", Auth: "ntlm", CABundle: srv.TLSBundle(),
		Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ar := issued.(*adcs.Result)
	probeServed(t, []byte(ar.Certificate+ar.ChainCerts[1]), key, ar.Chain)
}

// probeServed serves the leaf-first chain with key and probes it with the
// root-first CA chain as the bundle.
func probeServed(t *testing.T, chainPEM []byte, key any, caChain string) {
	t.Helper()
	b, err := x509inspect.Parse(chainPEM)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{PrivateKey: key}
	for _, c := range b.Certs {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	s := httptest.NewUnstartedServer(http.NotFoundHandler())
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.StartTLS()
	defer s.Close()
	srv := &server{Server: s}
	node := &steps.Node{Name: "cucm-sub1", Host: "127.0.0.1", FQDN: "cucm-sub1.lab.example.com",
		Ports: map[string]int{"https": srv.port(t)}}
	res, err := probe(context.Background(), &steps.Runtime{Node: node},
		&Input{CABundle: caChain, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Verified || !res.Leaf.ClientAuth || res.ChainOrder != "leaf-first" {
		t.Errorf("probe: verified %v (%s), client auth %v, order %s",
			res.Verified, res.TrustError, res.Leaf.ClientAuth, res.ChainOrder)
	}
}
