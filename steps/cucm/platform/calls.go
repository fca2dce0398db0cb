package platform

import (
	"context"
	"errors"
	"time"
)

// CSRRequest is the body of POST csr.
type CSRRequest struct {
	// Service is the unit, such as tomcat or CallManager.
	Service string `json:"service"`
	// Distribution is "this-server" or the value the release takes for a
	// multi-server (SAN) CSR, which is not documented publicly.
	Distribution  string   `json:"distribution"`
	CommonName    string   `json:"commonName,omitempty"`
	KeyType       string   `json:"keyType,omitempty"`
	KeyLength     int      `json:"keyLength,omitempty"`
	HashAlgorithm string   `json:"hashAlgorithm,omitempty"`
	AltNames      []string `json:"altNames,omitempty"`
}

// GenerateCSR generates a CSR (and a new pending key) and returns its PEM.
func (c *Client) GenerateCSR(ctx context.Context, req CSRRequest) (string, error) {
	var out struct {
		CSR string `json:"csr"`
	}
	if err := c.do(ctx, "POST", "csr", req, &out); err != nil {
		return "", err
	}
	if out.CSR == "" {
		return "", errors.New("POST csr: the answer holds no CSR")
	}
	return out.CSR, nil
}

// Upload is the answer to an identity certificate upload.
type Upload struct {
	Message string `json:"message"`
	// Nodes lists the nodes the certificate was installed on.
	Nodes []string `json:"nodes"`
}

// UploadIdentity uploads a signed certificate for service, leaf first,
// then its chain.
func (c *Client) UploadIdentity(ctx context.Context, service string,
	certs []string) (Upload, error) {
	body := struct {
		Service      string   `json:"service"`
		Certificates []string `json:"certificates"`
	}{service, certs}
	var out Upload
	err := c.do(ctx, "POST", "identity/certificates", body, &out)
	return out, err
}

// UploadTrust adds certificates to the trust stores of services.
func (c *Client) UploadTrust(ctx context.Context, services, certs []string,
	description string) ([]string, error) {
	body := struct {
		Service      []string `json:"service"`
		Certificates []string `json:"certificates"`
		Description  string   `json:"description,omitempty"`
	}{services, certs, description}
	var out struct {
		Imported []string `json:"imported"`
	}
	err := c.do(ctx, "POST", "trust/certificates", body, &out)
	return out.Imported, err
}

// Cert is one certificate as the API lists it.
type Cert struct {
	Service      string    `json:"service"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	MultiServer  bool      `json:"multiServer"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	SerialNumber string    `json:"serialNumber"`
	NotAfter     time.Time `json:"notAfter"`
	SANs         []string  `json:"sans"`
	Description  string    `json:"description"`
	// Certificate is the PEM.
	Certificate string `json:"certificate"`
}

// Identity returns the identity certificate of service.
func (c *Client) Identity(ctx context.Context, service string) (Cert, error) {
	var out Cert
	err := c.do(ctx, "GET", query("identity/certificate", service), nil, &out)
	return out, err
}

// Trust returns the certificates of service's trust store.
func (c *Client) Trust(ctx context.Context, service string) ([]Cert, error) {
	var out struct {
		Certificates []Cert `json:"certificates"`
	}
	err := c.do(ctx, "GET", query("trust/certificate", service), nil, &out)
	return out.Certificates, err
}

// Snapshot is every certificate of a node.
type Snapshot struct {
	Node     string `json:"node"`
	Identity []Cert `json:"identity"`
	Trust    []Cert `json:"trust"`
}

// Snapshot returns every certificate of the node.
func (c *Client) Snapshot(ctx context.Context) (Snapshot, error) {
	var out Snapshot
	err := c.do(ctx, "GET", "snapshot/server", nil, &out)
	return out, err
}
