package x509inspect

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ucops/runbook/steps"
)

// Bundle is what a PEM or DER input held: certificates in the order given,
// or certificate requests.
type Bundle struct {
	Certs []*x509.Certificate
	CSRs  []*x509.CertificateRequest
}

// maxInput bounds what Read loads: certificate material is a few KiB.
const maxInput = 4 << 20

// Read returns the data ref stands for: ref itself when it holds PEM text
// (an earlier step's output), else the contents of the file at ref, taken
// relative to the site file's directory.
func Read(rt *steps.Runtime, ref string) ([]byte, error) {
	if strings.Contains(ref, "-----BEGIN") {
		return []byte(ref), nil
	}
	if strings.TrimSpace(ref) == "" {
		return nil, errors.New("no file or PEM text given")
	}
	path := rt.Path(ref)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInput+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("read %s: larger than %d bytes: not certificate material",
			path, maxInput)
	}
	return data, nil
}

// Parse reads certificates or CSRs from data: PEM blocks (CERTIFICATE,
// CERTIFICATE REQUEST, NEW CERTIFICATE REQUEST, PKCS7; a CERTIFICATE block
// that holds PKCS#7, as AD CS serves its chains, is accepted), DER, or
// unarmoured base64 of DER. Private keys are refused.
func Parse(data []byte) (*Bundle, error) {
	var b Bundle
	var err error
	switch {
	case bytes.Contains(data, []byte("-----BEGIN")):
		err = b.addPEM(data)
	case isBase64(data):
		der, _ := base64.StdEncoding.DecodeString(string(squeeze(data)))
		err = b.addDER(der)
	default:
		err = b.addDER(data)
	}
	if err != nil {
		return nil, err
	}
	if len(b.Certs) > 0 && len(b.CSRs) > 0 {
		return nil, errors.New("holds both certificates and a CSR; inspect them separately")
	}
	return &b, nil
}

func (b *Bundle) addPEM(data []byte) error {
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if err := b.addBlock(block); err != nil {
			return fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
	}
	if len(b.Certs)+len(b.CSRs) == 0 {
		return errors.New("no complete PEM block found (is the text cut short?)")
	}
	return nil
}

func (b *Bundle) addBlock(block *pem.Block) error {
	switch block.Type {
	case "CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE":
		c, err := x509.ParseCertificate(block.Bytes)
		if err == nil {
			b.Certs = append(b.Certs, c)
			return nil
		}
		if certs, perr := ParsePKCS7(block.Bytes); perr == nil {
			b.Certs = append(b.Certs, certs...)
			return nil
		}
		return err
	case "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		r, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			return err
		}
		b.CSRs = append(b.CSRs, r)
		return nil
	case "PKCS7":
		certs, err := ParsePKCS7(block.Bytes)
		b.Certs = append(b.Certs, certs...)
		return err
	}
	if strings.Contains(block.Type, "PRIVATE KEY") {
		return errors.New("this is a private key; give the certificate or CSR instead")
	}
	return errors.New("not a certificate, CSR or PKCS#7 chain")
}

func (b *Bundle) addDER(der []byte) error {
	if r, err := x509.ParseCertificateRequest(der); err == nil {
		b.CSRs = append(b.CSRs, r)
		return nil
	}
	if certs, err := x509.ParseCertificates(der); err == nil && len(certs) > 0 {
		b.Certs = certs
		return nil
	}
	if certs, err := ParsePKCS7(der); err == nil {
		b.Certs = certs
		return nil
	}
	return errors.New("neither PEM nor DER of a certificate, CSR or PKCS#7 chain")
}

// isBase64 reports whether data is base64 text once whitespace is gone.
func isBase64(data []byte) bool {
	s := squeeze(data)
	if len(s) == 0 || len(s)%4 != 0 {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(string(s))
	return err == nil
}

func squeeze(data []byte) []byte {
	return bytes.Join(bytes.Fields(data), nil)
}

// CSR returns the one certificate request in data, for actions that sign.
func CSR(data []byte) (*x509.CertificateRequest, error) {
	b, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if len(b.CSRs) != 1 {
		return nil, fmt.Errorf("want one CSR, found %d CSRs and %d certificates",
			len(b.CSRs), len(b.Certs))
	}
	if err := b.CSRs[0].CheckSignature(); err != nil {
		return nil, fmt.Errorf("CSR signature does not check: %w", err)
	}
	return b.CSRs[0], nil
}

// CertPool returns a pool of the certificates in data, for verifying
// chains and TLS servers.
func CertPool(data []byte) (*x509.CertPool, error) {
	b, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if len(b.Certs) == 0 {
		return nil, errors.New("holds no certificates")
	}
	pool := x509.NewCertPool()
	for _, c := range b.Certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// LoadPool reads a CA bundle given as a file path or PEM text (see Read)
// and returns its certificates as a pool.
func LoadPool(rt *steps.Runtime, ref string) (*x509.CertPool, error) {
	data, err := Read(rt, ref)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %w", err)
	}
	pool, err := CertPool(data)
	if err != nil {
		return nil, fmt.Errorf("CA bundle %s: %w", shortRef(ref), err)
	}
	return pool, nil
}

// shortRef names a file-or-PEM reference in messages without dumping PEM.
func shortRef(ref string) string {
	if strings.Contains(ref, "-----BEGIN") {
		return "(PEM text)"
	}
	return ref
}
