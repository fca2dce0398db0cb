// Package x509test mints real keys, CAs, certificates and CSRs for the
// tests of the certificate families (x509.inspect, tls.probe, ca.sign,
// adcs.submit). It is a test helper: every function stops the test on
// error. The production CA is steps/ca; this one only serves tests.
package x509test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

// ECKey returns a new P-256 key.
func ECKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// RSAKey returns a new RSA key of bits.
func RSAKey(t testing.TB, bits int) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// CA is a certificate authority for tests.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewRoot returns a self-signed root CA called cn.
func NewRoot(t testing.TB, cn string) *CA {
	t.Helper()
	key := ECKey(t)
	tmpl := caTemplate(cn)
	return &CA{Cert: create(t, tmpl, tmpl, key.Public(), key), Key: key}
}

// Sub returns an intermediate CA called cn, issued by ca.
func (ca *CA) Sub(t testing.TB, cn string) *CA {
	t.Helper()
	key := ECKey(t)
	return &CA{Cert: create(t, caTemplate(cn), ca.Cert, key.Public(), ca.Key), Key: key}
}

// Leaf issues a certificate for key with the given extended key usages;
// the first name is the CN and every name is a SAN (IP addresses as IP
// SANs).
func (ca *CA) Leaf(t testing.TB, key crypto.Signer, eku []x509.ExtKeyUsage,
	names ...string) *x509.Certificate {
	t.Helper()
	tmpl := Template(names...)
	tmpl.ExtKeyUsage = eku
	return ca.Issue(t, tmpl, key.Public())
}

// Issue signs tmpl for pub.
func (ca *CA) Issue(t testing.TB, tmpl *x509.Certificate, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	return create(t, tmpl, ca.Cert, pub, ca.Key)
}

// SelfSigned returns a self-signed end-entity certificate for names, as
// CUCM makes for itself.
func SelfSigned(t testing.TB, key crypto.Signer, names ...string) *x509.Certificate {
	t.Helper()
	tmpl := Template(names...)
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	return create(t, tmpl, tmpl, key.Public(), key)
}

// Template returns an end-entity template valid from an hour ago for a
// year: the first name is the CN, every name a SAN.
func Template(names ...string) *x509.Certificate {
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
	}
	if len(names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: names[0], Organization: []string{"Lab"}}
	}
	tmpl.DNSNames, tmpl.IPAddresses = split(names)
	return tmpl
}

// CSR returns a signed CSR for key; the first name is the CN, every name
// a SAN, and eku, when given, is requested as an extension.
func CSR(t testing.TB, key crypto.Signer, eku []x509.ExtKeyUsage,
	names ...string) *x509.CertificateRequest {
	t.Helper()
	tmpl := &x509.CertificateRequest{}
	if len(names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: names[0], Organization: []string{"Lab"}}
	}
	tmpl.DNSNames, tmpl.IPAddresses = split(names)
	if len(eku) > 0 {
		tmpl.ExtraExtensions = []pkix.Extension{ekuExtension(t, eku)}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// PEM encodes certs as CERTIFICATE blocks, in order.
func PEM(certs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range certs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.String()
}

// CSRPEM encodes r as a CERTIFICATE REQUEST block.
func CSRPEM(r *x509.CertificateRequest) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: r.Raw}))
}

// KeyPEM encodes key as a PKCS#8 PRIVATE KEY block.
func KeyPEM(t testing.TB, key crypto.Signer) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Lab"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey,
	key crypto.Signer) *x509.Certificate {
	t.Helper()
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

func split(names []string) (dns []string, ips []net.IP) {
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, n)
		}
	}
	return dns, ips
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	return n
}

var ekuOIDs = map[x509.ExtKeyUsage][]int{
	x509.ExtKeyUsageServerAuth: {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth: {1, 3, 6, 1, 5, 5, 7, 3, 2},
}
