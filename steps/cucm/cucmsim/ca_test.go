package cucmsim

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"testing"
	"time"
)

// testCA is a throwaway two-level CA: a root and an issuing intermediate.
type testCA struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	ca := &testCA{rootKey: ecKey(t), interKey: ecKey(t)}
	ca.root = makeCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Lab Root CA"}, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}, nil, ca.rootKey.Public(), ca.rootKey)
	ca.inter = makeCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "Lab Issuing CA"}, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true,
	}, ca.root, ca.interKey.Public(), ca.rootKey)
	return ca
}

func ecKey(t testing.TB) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func makeCert(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	return makeCertUntil(t, tmpl, parent, pub, key, time.Now().Add(24*time.Hour))
}

// makeCertUntil is makeCert with a chosen end of validity.
func makeCertUntil(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer,
	notAfter time.Time) *x509.Certificate {
	t.Helper()
	tmpl.SerialNumber, _ = rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = notAfter
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sign issues a server and client certificate for a CSR from the
// intermediate, copying its subject and SANs.
func (ca *testCA) sign(t testing.TB, csrPEM string) *x509.Certificate {
	t.Helper()
	csr := parseCSR(t, csrPEM)
	return makeCert(t, &x509.Certificate{
		Subject: csr.Subject, DNSNames: csr.DNSNames,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}, ca.inter, csr.PublicKey, ca.interKey)
}

// parseCSR decodes a PEM CSR.
func parseCSR(t testing.TB, csrPEM string) *x509.CertificateRequest {
	t.Helper()
	block, _ := pem.Decode([]byte(csrPEM))
	if block == nil {
		t.Fatalf("no PEM in %q", csrPEM)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

// request sends a JSON request to a node's API port with the admin's
// credentials and decodes the JSON answer into out; it returns the
// status.
func request(t testing.TB, c *Cluster, node, method, path string, body, out any) int {
	t.Helper()
	status, err := tryRequest(c, node, method, path, body, out)
	if err != nil {
		t.Fatalf("%s %s on %s: %v", method, path, node, err)
	}
	return status
}

func tryRequest(c *Cluster, node, method, path string, body, out any) (int, error) {
	info, _ := c.Node(node)
	var buf bytes.Buffer
	if body != nil {
		json.NewEncoder(&buf).Encode(body)
	}
	req, err := http.NewRequest(method, "https://"+info.APIAddr()+path, &buf)
	if err != nil {
		return 0, err
	}
	req.SetBasicAuth(c.Username(), c.Password())
	resp, err := insecureClient().Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil {
		json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode, nil
}

// insecureClient trusts whatever certificate a node serves.
func insecureClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
}
