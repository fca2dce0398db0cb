package adcs

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	x509inspect "github.com/ucops/runbook/steps/x509"
)

// collect fetches request id's certificate, chain and CA certificate.
func collect(ctx context.Context, c *client, id int,
	csr *x509.CertificateRequest) (*Result, error) {
	cert, err := fetchCert(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if string(cert.RawSubjectPublicKeyInfo) != string(csr.RawSubjectPublicKeyInfo) {
		return nil, fmt.Errorf("AD CS request %d holds a certificate for %s "+
			"with another key than the CSR's", id, x509inspect.Label(cert))
	}
	chain, err := fetchChain(ctx, c, id, cert)
	if err != nil {
		return nil, err
	}
	caCert, renewal, err := fetchCA(ctx, c)
	if err != nil {
		return nil, err
	}
	d := x509inspect.Describe(cert)
	res := &Result{
		RequestID: id, Disposition: Issued, Certificate: d.PEM,
		CACertificate: x509inspect.Describe(caCert).PEM, CARenewal: renewal,
		Serial: d.Serial, SHA256: d.SHA256, Issuer: d.Issuer, NotAfter: d.NotAfter,
	}
	for _, ca := range chain {
		res.ChainCerts = append(res.ChainCerts, x509inspect.Describe(ca).PEM)
	}
	res.Chain = strings.Join(res.ChainCerts, "")
	return res, nil
}

func fetchCert(ctx context.Context, c *client, id int) (*x509.Certificate, error) {
	body, _, err := c.get(ctx, fmt.Sprintf("certnew.cer?ReqID=%d&Enc=b64", id))
	if err != nil {
		return nil, err
	}
	if !strings.Contains(body, "-----BEGIN") {
		// TODO(adcs-pending-page): what a real certsrv serves at
		// certnew.cer for a request that is still pending is not
		// captured; any page saying pending, denied or neither is read.
		reply := ParseReply(body)
		if reply.State == Issued {
			reply.State = Failed // a page instead of a certificate is no issue
		}
		reply.RequestID = id
		return nil, reply.err()
	}
	b, err := x509inspect.Parse([]byte(body))
	if err != nil || len(b.Certs) != 1 {
		return nil, fmt.Errorf("AD CS certnew.cer for request %d: not one certificate: %v", id, err)
	}
	return b.Certs[0], nil
}

// fetchChain returns the CA certificates above cert, root first.
func fetchChain(ctx context.Context, c *client, id int,
	cert *x509.Certificate) ([]*x509.Certificate, error) {
	body, _, err := c.get(ctx, fmt.Sprintf("certnew.p7b?ReqID=%d&Enc=b64", id))
	if err != nil {
		return nil, err
	}
	b, err := x509inspect.Parse([]byte(body))
	if err == nil && len(b.Certs) == 0 {
		err = fmt.Errorf("no certificates")
	}
	if err != nil {
		return nil, fmt.Errorf("AD CS chain of request %d: %w", id, err)
	}
	sorted, err := x509inspect.SortChain(b.Certs)
	if err != nil {
		return nil, fmt.Errorf("AD CS chain of request %d: %w", id, err)
	}
	if !sorted[0].Equal(cert) {
		return nil, fmt.Errorf("AD CS chain of request %d does not start at its certificate "+
			"but at %s", id, x509inspect.Label(sorted[0]))
	}
	cas := sorted[1:]
	slices.Reverse(cas)
	return cas, nil
}

// fetchCA returns the CA's current certificate and its renewal index.
func fetchCA(ctx context.Context, c *client) (*x509.Certificate, int, error) {
	page, _, err := c.get(ctx, "certcarc.asp")
	if err != nil {
		return nil, 0, err
	}
	k, err := ParseRenewals(page)
	if err != nil {
		return nil, 0, fmt.Errorf("AD CS certcarc.asp: %w", err)
	}
	body, _, err := c.get(ctx, fmt.Sprintf("certnew.cer?ReqID=CACert&Renewal=%d&Enc=b64", k))
	if err != nil {
		return nil, 0, err
	}
	b, err := x509inspect.Parse([]byte(body))
	if err != nil || len(b.Certs) != 1 {
		return nil, 0, fmt.Errorf("AD CS CA certificate (renewal %d): not one certificate: %v",
			k, err)
	}
	return b.Certs[0], k, nil
}
