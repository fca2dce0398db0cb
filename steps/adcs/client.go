package adcs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/go-ntlmssp"

	"github.com/ucops/runbook/steps"
)

// maxPage bounds what is read of any certsrv reply.
const maxPage = 1 << 20

// client talks to one certsrv.
type client struct {
	base string // https://ca.lab.example.com/certsrv, no final slash
	http *http.Client
	cred steps.Credential
	auth string // ntlm or basic
}

func newClient(base, auth string, cred steps.Credential, roots *x509.CertPool) *client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		// NTLM authenticates a connection, so keep HTTP/1.1 and reuse.
		ForceAttemptHTTP2:   false,
		MaxIdleConnsPerHost: 1,
	}
	var rt http.RoundTripper = tr
	if auth != "basic" {
		rt = ntlmssp.Negotiator{RoundTripper: tr}
	}
	return &client{base: strings.TrimRight(base, "/"), http: &http.Client{Transport: rt},
		cred: cred, auth: auth}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// submit posts the CSR (DER) to certfnsh.asp and returns the reply page.
func (c *client) submit(ctx context.Context, csrDER []byte, template string) (string, error) {
	form := url.Values{
		"Mode":             {"newreq"},
		"CertRequest":      {wrap64(base64.StdEncoding.EncodeToString(csrDER))},
		"CertAttrib":       {"CertificateTemplate:" + template},
		"TargetStoreFlags": {"0"},
		"SaveCert":         {"yes"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/certfnsh.asp",
		strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	body, _, err := c.do(req)
	return body, err
}

// get fetches path (relative to the certsrv base) and returns its body
// and content type.
func (c *client) get(ctx context.Context, path string) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/"+path, nil)
	if err != nil {
		return "", "", err
	}
	return c.do(req)
}

func (c *client) do(req *http.Request) (string, string, error) {
	req.SetBasicAuth(c.cred.Username, c.cred.Password) // the negotiator turns it into NTLM
	resp, err := c.http.Do(req)
	if err != nil {
		return "", "", fmt.Errorf("AD CS %s: %w", req.URL.Path, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPage))
	if err != nil {
		return "", "", fmt.Errorf("AD CS %s: %w", req.URL.Path, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return "", "", fmt.Errorf("AD CS at %s refused the credentials of %s "+
			"(HTTP 401, %s authentication)", c.base, c.cred.Username, strings.ToUpper(c.auth))
	case resp.StatusCode != http.StatusOK:
		return "", "", fmt.Errorf("AD CS %s: HTTP %s: %s", req.URL.Path, resp.Status,
			excerpt(pageText(string(data))))
	}
	return string(data), resp.Header.Get("Content-Type"), nil
}

// unwrapURL drops net/url's `Post "https://...": ` prefix: the caller
// already names the page.
func unwrapURL(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func wrap64(s string) string {
	var b strings.Builder
	for len(s) > 64 {
		b.WriteString(s[:64])
		b.WriteString("\r\n")
		s = s[64:]
	}
	b.WriteString(s)
	return b.String()
}
