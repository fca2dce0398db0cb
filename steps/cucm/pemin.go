package cucm

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/ucops/runbook/steps"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// readCerts reads the certificates refs stand for (PEM text, or files
// relative to the site file), in order.
func readCerts(rt *steps.Runtime, field string, refs ...string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for i, ref := range refs {
		data, err := x509inspect.Read(rt, ref)
		if err != nil {
			return nil, fmt.Errorf("%s #%d: %w", field, i+1, err)
		}
		b, err := x509inspect.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s #%d: %w", field, i+1, err)
		}
		if len(b.Certs) == 0 {
			return nil, fmt.Errorf("%s #%d: no certificate in it", field, i+1)
		}
		certs = append(certs, b.Certs...)
	}
	return certs, nil
}

func pemOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// selfSigned reports whether c signed itself.
func selfSigned(c *x509.Certificate) bool { return x509inspect.Issued(c, c) }

// trustFile is the file name CUCM gives a trust certificate: its CN with
// spaces and slashes made underscores.
func trustFile(c *x509.Certificate) string {
	name := c.Subject.CommonName
	if name == "" {
		name = c.SerialNumber.Text(16)
	}
	return strings.NewReplacer(" ", "_", "/", "_").Replace(name) + ".pem"
}

// checkChain refuses certificates that are not CAs or not in order: each
// must be a root or issued by the one before it, and none may come before
// its issuer.
func checkChain(certs []*x509.Certificate) error {
	for i, c := range certs {
		if !c.IsCA {
			return fmt.Errorf("certificate #%d (%s) is not a CA certificate; a signed node "+
				"certificate goes up with cucm.cert.upload", i+1, x509inspect.Label(c))
		}
		for j, earlier := range certs[:i] {
			if !selfSigned(earlier) && x509inspect.Issued(earlier, c) {
				return fmt.Errorf("certificate #%d (%s) is issued by #%d (%s), which comes after "+
					"it: list the root first, then each intermediate in order", j+1,
					x509inspect.Label(earlier), i+1, x509inspect.Label(c))
			}
		}
		if i > 0 && !selfSigned(c) && !x509inspect.Issued(c, certs[i-1]) {
			return fmt.Errorf("certificate #%d (%s) is not issued by #%d (%s): list the root "+
				"first, then each intermediate in order", i+1, x509inspect.Label(c), i,
				x509inspect.Label(certs[i-1]))
		}
	}
	return nil
}
