package ca

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/ucops/runbook/steps/file"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// The signing profiles: which extended key usages a certificate gets.
const (
	ProfileServer       = "server"
	ProfileServerClient = "server-client"
)

// Issuer returns the level that signs: the intermediate when there is
// one, else the root.
func (a *Authority) Issuer() *Level {
	if a.Issuing != nil {
		return a.Issuing
	}
	return a.Root
}

// Chain returns the CA certificates root first, the order CUCM wants
// them uploaded as trust.
func (a *Authority) Chain() []*x509.Certificate {
	if a.Issuing == nil {
		return []*x509.Certificate{a.Root.Cert}
	}
	return []*x509.Certificate{a.Root.Cert, a.Issuing.Cert}
}

// Sign issues a certificate for csr with profile, valid for days (never
// past the issuer's own end), keeping the CSR's subject and alternative
// names. A certificate this CA already issued for the same key, profile,
// subject and names, still valid for a day, is returned instead of a new
// one, with reused true.
func (a *Authority) Sign(csr *x509.CertificateRequest, profile string, days int) (
	*x509.Certificate, bool, error) {
	if err := checkProfile(csr, profile); err != nil {
		return nil, false, err
	}
	if c, err := a.Issued(csr, profile); err != nil || c != nil {
		return c, c != nil, err
	}
	iss := a.Issuer()
	tmpl := template(csr, profile, days, iss.Cert.NotAfter)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, iss.Cert, csr.PublicKey, iss.Key)
	if err != nil {
		return nil, false, fmt.Errorf("sign %s: %w", csr.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, false, err
	}
	return cert, false, file.WriteAtomic(a.issuedPath(csr, profile), pemOf(cert), 0o644)
}

// Issued returns the certificate this CA issued for csr with profile, or
// nil when there is none that still matches and is valid for a day.
func (a *Authority) Issued(csr *x509.CertificateRequest, profile string) (
	*x509.Certificate, error) {
	data, err := os.ReadFile(a.issuedPath(csr, profile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(mustDER(data))
	if err != nil || !matches(cert, csr) || time.Until(cert.NotAfter) < 24*time.Hour {
		return nil, nil // unreadable or stale: sign anew
	}
	return cert, nil
}

func (a *Authority) issuedPath(csr *x509.CertificateRequest, profile string) string {
	key := sha256.Sum256(csr.RawSubjectPublicKeyInfo)
	issuer := sha256.Sum256(a.Issuer().Cert.Raw)
	name := fmt.Sprintf("%x-%s-by-%x.pem", key[:12], profile, issuer[:6])
	return filepath.Join(a.Dir, issuedDir, name)
}

func mustDER(data []byte) []byte {
	der, err := parseOne(data, "CERTIFICATE")
	if err != nil {
		return nil
	}
	return der
}

func matches(cert *x509.Certificate, csr *x509.CertificateRequest) bool {
	return string(cert.RawSubjectPublicKeyInfo) == string(csr.RawSubjectPublicKeyInfo) &&
		cert.Subject.String() == csr.Subject.String() &&
		slices.Equal(cert.DNSNames, csr.DNSNames) &&
		slices.EqualFunc(cert.IPAddresses, csr.IPAddresses, net.IP.Equal)
}

// checkProfile refuses to strip a usage the CSR asks for: a certificate
// without Client Authentication breaks TLS-client features (SIP trunks,
// XMPP federation) on a cluster that asked for it.
func checkProfile(csr *x509.CertificateRequest, profile string) error {
	switch profile {
	case ProfileServer:
		if x509inspect.DescribeCSR(csr).ClientAuth {
			return fmt.Errorf("CSR for %s asks for Client Authentication, "+
				"which profile %s would strip; use profile %s",
				csr.Subject.CommonName, ProfileServer, ProfileServerClient)
		}
	case ProfileServerClient:
	default:
		return fmt.Errorf("unknown profile %q: want %s or %s",
			profile, ProfileServer, ProfileServerClient)
	}
	return nil
}

func template(csr *x509.CertificateRequest, profile string, days int,
	limit time.Time) *x509.Certificate {
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:   randomSerial(),
		Subject:        csr.Subject,
		DNSNames:       csr.DNSNames,
		IPAddresses:    csr.IPAddresses,
		EmailAddresses: csr.EmailAddresses,
		URIs:           csr.URIs,
		NotBefore:      now.Add(-5 * time.Minute),
		NotAfter:       now.AddDate(0, 0, days),
		KeyUsage:       x509.KeyUsageDigitalSignature,
		ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},

		BasicConstraintsValid: true,
	}
	if tmpl.NotAfter.After(limit) {
		tmpl.NotAfter = limit
	}
	if _, ok := csr.PublicKey.(*rsa.PublicKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	if profile == ProfileServerClient {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	return tmpl
}
