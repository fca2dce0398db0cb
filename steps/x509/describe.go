package x509inspect

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"net"
	"slices"
	"strings"
	"time"
)

// Cert describes one certificate or CSR the way runbook expressions see
// it. Lists are never null, so `"x" in result.leaf.dns_names` always works.
type Cert struct {
	Kind               string    `json:"kind" doc:"certificate or csr"`
	Subject            string    `json:"subject" doc:"the subject distinguished name"`
	CN                 string    `json:"cn" doc:"the subject common name"`
	DNSNames           []string  `json:"dns_names" doc:"DNS subject alternative names"`
	IPAddresses        []string  `json:"ip_addresses" doc:"IP address subject alternative names"`
	Issuer             string    `json:"issuer" doc:"the issuer distinguished name (certificates only)"`
	IssuerCN           string    `json:"issuer_cn" doc:"the issuer common name (certificates only)"`
	Serial             string    `json:"serial" doc:"the serial number in hex (certificates only)"`
	SHA256             string    `json:"sha256" doc:"SHA-256 fingerprint of the DER, colon-separated hex"`
	NotBefore          time.Time `json:"not_before,omitzero" doc:"start of validity (certificates only)"`
	NotAfter           time.Time `json:"not_after,omitzero" doc:"end of validity (certificates only)"`
	KeyType            string    `json:"key_type" doc:"RSA, EC or Ed25519"`
	KeySize            int       `json:"key_size" doc:"key size in bits (RSA modulus, EC curve)"`
	SignatureAlgorithm string    `json:"signature_algorithm" doc:"such as SHA256-RSA"`
	SignatureHash      string    `json:"signature_hash" doc:"hash of the signature: SHA-1, SHA-256, ..."`
	KeyUsage           []string  `json:"key_usage" doc:"key usages, such as digital_signature"`
	ExtKeyUsage        []string  `json:"ext_key_usage" doc:"extended key usages, such as server_auth"`
	ServerAuth         bool      `json:"server_auth" doc:"the TLS Web Server Authentication usage is present"`
	ClientAuth         bool      `json:"client_auth" doc:"the TLS Web Client Authentication usage is present"`
	IsCA               bool      `json:"is_ca" doc:"basic constraints say this is a CA"`
	SelfSigned         bool      `json:"self_signed" doc:"issuer and subject are the same and the signature checks"`
	Wildcard           bool      `json:"wildcard" doc:"the CN or a DNS name uses a wildcard"`
	PEM                string    `json:"pem" doc:"the certificate or CSR as PEM"`
}

// Describe returns the description of certificate c.
func Describe(c *x509.Certificate) Cert {
	d := Cert{
		Kind:               "certificate",
		Subject:            c.Subject.String(),
		CN:                 c.Subject.CommonName,
		DNSNames:           nonNil(c.DNSNames),
		IPAddresses:        ipStrings(c.IPAddresses),
		Issuer:             c.Issuer.String(),
		IssuerCN:           c.Issuer.CommonName,
		Serial:             hex.EncodeToString(c.SerialNumber.Bytes()),
		SHA256:             Fingerprint(c.Raw),
		NotBefore:          c.NotBefore.UTC(),
		NotAfter:           c.NotAfter.UTC(),
		SignatureAlgorithm: c.SignatureAlgorithm.String(),
		SignatureHash:      hashOf(c.SignatureAlgorithm),
		KeyUsage:           keyUsageNames(c.KeyUsage),
		ExtKeyUsage:        extKeyUsageNames(c.ExtKeyUsage, c.UnknownExtKeyUsage),
		IsCA:               c.BasicConstraintsValid && c.IsCA,
		SelfSigned:         Issued(c, c),
		PEM:                pemOf("CERTIFICATE", c.Raw),
	}
	d.KeyType, d.KeySize = keyInfo(c.PublicKey)
	d.finish()
	return d
}

// DescribeCSR returns the description of certificate request r, with the
// key usages it asks for.
func DescribeCSR(r *x509.CertificateRequest) Cert {
	d := Cert{
		Kind:               "csr",
		Subject:            r.Subject.String(),
		CN:                 r.Subject.CommonName,
		DNSNames:           nonNil(r.DNSNames),
		IPAddresses:        ipStrings(r.IPAddresses),
		SHA256:             Fingerprint(r.Raw),
		SignatureAlgorithm: r.SignatureAlgorithm.String(),
		SignatureHash:      hashOf(r.SignatureAlgorithm),
		KeyUsage:           []string{},
		ExtKeyUsage:        []string{},
		SelfSigned:         false,
		PEM:                pemOf("CERTIFICATE REQUEST", r.Raw),
	}
	d.KeyType, d.KeySize = keyInfo(r.PublicKey)
	requestedUsages(&d, r)
	d.finish()
	return d
}

func (d *Cert) finish() {
	d.ServerAuth = slices.Contains(d.ExtKeyUsage, "server_auth")
	d.ClientAuth = slices.Contains(d.ExtKeyUsage, "client_auth")
	d.Wildcard = strings.Contains(d.CN, "*")
	for _, n := range d.DNSNames {
		d.Wildcard = d.Wildcard || strings.Contains(n, "*")
	}
}

// Fingerprint returns the SHA-256 of der as colon-separated upper-case
// hex, the form browsers and `openssl x509 -fingerprint` show.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

func keyInfo(pub any) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "EC", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return "unknown", 0
}

// hashRank orders signature hashes by strength for `min_hash`.
var hashRank = map[string]int{"MD5": 1, "SHA-1": 2, "SHA-256": 3, "SHA-384": 4, "SHA-512": 5}

func hashOf(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.MD5WithRSA:
		return "MD5"
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return "SHA-1"
	case x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256, x509.DSAWithSHA256:
		return "SHA-256"
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		return "SHA-384"
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512, x509.PureEd25519:
		return "SHA-512"
	}
	return "unknown"
}

var keyUsageBits = []string{
	"digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
	"key_agreement", "cert_sign", "crl_sign", "encipher_only", "decipher_only",
}

func keyUsageNames(ku x509.KeyUsage) []string {
	names := []string{}
	for i, n := range keyUsageBits {
		if ku&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return names
}

var extKeyUsageOIDs = map[string]string{
	"2.5.29.37.0":       "any",
	"1.3.6.1.5.5.7.3.1": "server_auth",
	"1.3.6.1.5.5.7.3.2": "client_auth",
	"1.3.6.1.5.5.7.3.3": "code_signing",
	"1.3.6.1.5.5.7.3.4": "email_protection",
	"1.3.6.1.5.5.7.3.5": "ipsec_end_system",
	"1.3.6.1.5.5.7.3.6": "ipsec_tunnel",
	"1.3.6.1.5.5.7.3.7": "ipsec_user",
	"1.3.6.1.5.5.7.3.8": "time_stamping",
	"1.3.6.1.5.5.7.3.9": "ocsp_signing",
}

var extKeyUsageByType = map[x509.ExtKeyUsage]string{
	x509.ExtKeyUsageAny:             "any",
	x509.ExtKeyUsageServerAuth:      "server_auth",
	x509.ExtKeyUsageClientAuth:      "client_auth",
	x509.ExtKeyUsageCodeSigning:     "code_signing",
	x509.ExtKeyUsageEmailProtection: "email_protection",
	x509.ExtKeyUsageIPSECEndSystem:  "ipsec_end_system",
	x509.ExtKeyUsageIPSECTunnel:     "ipsec_tunnel",
	x509.ExtKeyUsageIPSECUser:       "ipsec_user",
	x509.ExtKeyUsageTimeStamping:    "time_stamping",
	x509.ExtKeyUsageOCSPSigning:     "ocsp_signing",
}

func extKeyUsageNames(known []x509.ExtKeyUsage, unknown []asn1.ObjectIdentifier) []string {
	names := []string{}
	for _, u := range known {
		if n, ok := extKeyUsageByType[u]; ok {
			names = append(names, n)
		} else {
			names = append(names, "unknown")
		}
	}
	for _, oid := range unknown {
		names = append(names, oid.String())
	}
	return names
}

var (
	oidKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// requestedUsages fills the key usages a CSR asks for in its extension
// request; Go leaves them unparsed in CertificateRequest.Extensions.
func requestedUsages(d *Cert, r *x509.CertificateRequest) {
	for _, ext := range r.Extensions {
		switch {
		case ext.Id.Equal(oidKeyUsage):
			var bits asn1.BitString
			if _, err := asn1.Unmarshal(ext.Value, &bits); err == nil {
				d.KeyUsage = bitNames(bits)
			}
		case ext.Id.Equal(oidExtKeyUsage):
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(ext.Value, &oids); err == nil {
				d.ExtKeyUsage = oidNames(oids)
			}
		}
	}
}

func bitNames(bits asn1.BitString) []string {
	names := []string{}
	for i, n := range keyUsageBits {
		if bits.At(i) == 1 {
			names = append(names, n)
		}
	}
	return names
}

func oidNames(oids []asn1.ObjectIdentifier) []string {
	names := make([]string, 0, len(oids))
	for _, oid := range oids {
		if n, ok := extKeyUsageOIDs[oid.String()]; ok {
			names = append(names, n)
		} else {
			names = append(names, oid.String())
		}
	}
	return names
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
