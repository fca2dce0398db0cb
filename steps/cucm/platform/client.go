// Package platform is a client for the CUCM and IM&P platform certificate
// REST API of release 14 and later (/platformcom/api/v1/certmgr/config/ on
// the node's Tomcat HTTPS port, basic auth of the OS administrator): CSR
// generation, identity and trust certificate uploads, and the certificate
// listings.
//
// The API lives in Tomcat, so it is down while Cisco Tomcat restarts; it
// never restarts services itself. The package only speaks HTTP: choosing
// between the API and the CLI, and what to do with the answers, is
// steps/cucm's business.
package platform

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Prefix is the path of the certificate API.
const Prefix = "/platformcom/api/v1/certmgr/config/"

// Client calls the API of one node.
type Client struct {
	// Base is the node's HTTPS origin, such as https://cucm-pub:8443.
	Base string
	// User and Password are the OS administrator's.
	User, Password string
	// HTTP is the client used; New sets one with the given TLS config.
	HTTP *http.Client
}

// New returns a client for base that verifies the node with tlsConfig.
func New(base, user, password string, tlsConfig *tls.Config) *Client {
	tr := &http.Transport{TLSClientConfig: tlsConfig, TLSHandshakeTimeout: 30 * time.Second,
		ResponseHeaderTimeout: 5 * time.Minute, MaxIdleConnsPerHost: 2}
	return &Client{Base: strings.TrimRight(base, "/"), User: user, Password: password,
		HTTP: &http.Client{Transport: tr}}
}

// Close releases idle connections.
func (c *Client) Close() error {
	c.HTTP.CloseIdleConnections()
	return nil
}

// Error is an answer other than 2xx.
type Error struct {
	// Call is "METHOD path", such as "POST csr".
	Call   string
	Status int
	// Message is the message of the JSON error body, or the body's text.
	Message string
}

// Error names the call, the status and the message.
func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("%s: %d %s", e.Call, e.Status, msg)
}

// do sends a request with a JSON body (when in is not nil) and decodes the
// JSON answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	call := method + " " + strings.SplitN(path, "?", 2)[0]
	req, err := c.request(ctx, method, path, in)
	if err != nil {
		return fmt.Errorf("%s: %w", call, err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		// TODO(api-outcome): a POST whose connection fails after the request
		// was written (a reset, a timeout) may have taken effect; the CLI's
		// changes report that as steps.ErrOutcomeUnknown so that the engine
		// checks before a retry. Do the same here, telling a request never
		// sent (dial, TLS) from one sent (httptrace.WroteRequest).
		return fmt.Errorf("%s: %w", call, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %w", call, err)
	}
	if resp.StatusCode/100 != 2 {
		return &Error{Call: call, Status: resp.StatusCode, Message: errorMessage(body)}
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("%s: read the answer: %w", call, err)
		}
	}
	return nil
}

func (c *Client) request(ctx context.Context, method, path string, in any) (*http.Request, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+Prefix+path, body)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.User, c.Password)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// errorMessage reads the message of an error answer: a JSON object's
// "message" (or "error") field, else the body's first line.
func errorMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Message != "" || e.Error != "") {
		return strings.TrimSpace(e.Message + " " + e.Error)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	if len(line) > 200 {
		line = line[:200] + "..."
	}
	return line
}

// query builds path?service=NAME.
func query(path, service string) string {
	return path + "?" + url.Values{"service": {service}}.Encode()
}
