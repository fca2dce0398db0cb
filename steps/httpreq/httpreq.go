// Package httpreq implements http.request: one HTTP(S) request with
// headers, a text or JSON body, basic or bearer authentication from a
// site credential, a CA bundle, expected statuses and a timeout. The
// response's status, headers and body are outputs, and a JSON body is
// decoded so expressions can reach into it (result.json.items[0].name).
//
// Whether a request mutates depends on it: GET, HEAD and OPTIONS are
// read-only, other methods mutate, and a runbook can say otherwise with
// `mutates:` (a read-only POST query, say). The action's static Mutates
// is true, the safe answer; MutatesFor gives the answer for one input.
// No generic check can tell whether a mutating request already took
// effect, so the action has none: a step that needs reconciliation gives
// a `verify` expression or a read-only http.request after it.
package httpreq

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// Input is the `with` block of http.request.
type Input struct {
	Method       string            `yaml:"method" default:"GET" enum:"GET,HEAD,OPTIONS,POST,PUT,PATCH,DELETE" doc:"HTTP method"`
	URL          string            `yaml:"url" required:"true" doc:"the URL to request"`
	Headers      map[string]string `yaml:"headers" doc:"request headers"`
	Body         string            `yaml:"body" doc:"request body as text"`
	JSON         any               `yaml:"json" doc:"request body as JSON (Content-Type: application/json)"`
	Credential   string            `yaml:"credential" doc:"name of the site credential to authenticate with"`
	Auth         string            `yaml:"auth" enum:"basic,bearer" default:"basic" doc:"basic: user and password; bearer: the password as a token"`
	CABundle     string            `yaml:"ca_bundle" doc:"CA certificates to trust: file or PEM; default the system roots"`
	Insecure     bool              `yaml:"insecure" doc:"do not verify the server's certificate (labs only)"`
	ExpectStatus []int             `yaml:"expect_status" doc:"statuses that count as success; default any 2xx"`
	Timeout      time.Duration     `yaml:"timeout" default:"30s" doc:"how long the request may take"`
	MaxBody      int               `yaml:"max_body" default:"4194304" doc:"largest response body kept, in bytes"`
	Mutates      *bool             `yaml:"mutates" doc:"whether the request changes the server; default by method"`
}

// Result is what http.request outputs.
type Result struct {
	Status     int               `json:"status" doc:"HTTP status code"`
	StatusText string            `json:"status_text" doc:"status line text, such as 200 OK"`
	Headers    map[string]string `json:"headers" doc:"response headers; repeated values joined by \", \""`
	Body       string            `json:"body" doc:"response body as text"`
	JSON       any               `json:"json" doc:"the body decoded, when it is JSON"`
	Truncated  bool              `json:"truncated" doc:"the body was cut at max_body"`
	ElapsedMS  int64             `json:"elapsed_ms" doc:"time the request took, in milliseconds"`
}

// Actions returns the http family's actions.
func Actions() []steps.Action {
	return []steps.Action{steps.Func[Input, Result]{
		Name:       "http.request",
		Doc:        "Send an HTTP request and return its status, headers and body.",
		Mutates:    true,
		Run:        request,
		MutatesFor: Mutating,
	}.Action()}
}

// Mutating reports whether in's request changes the server.
func Mutating(in *Input) bool {
	if in.Mutates != nil {
		return *in.Mutates
	}
	return !slices.Contains([]string{"", "GET", "HEAD", "OPTIONS"}, strings.ToUpper(in.Method))
}

func request(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	if in.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, in.Timeout)
		defer cancel()
	}
	req, err := build(ctx, rt, in)
	if err != nil {
		return nil, err
	}
	c, err := httpClient(rt, in)
	if err != nil {
		return nil, err
	}
	defer c.CloseIdleConnections()
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return nil, describeError(in, err)
	}
	defer resp.Body.Close()
	res, err := read(resp, in.MaxBody)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, redactURL(req.URL), err)
	}
	res.ElapsedMS = time.Since(start).Milliseconds()
	return res, checkStatus(req, res, in.ExpectStatus)
}

func build(ctx context.Context, rt *steps.Runtime, in *Input) (*http.Request, error) {
	body, ctype, err := payload(in)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(in.Method)
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, method, in.URL, body)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", in.URL, errors.Unwrap(err))
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range in.Headers {
		req.Header.Set(k, v)
	}
	return req, authenticate(rt, in, req)
}

func payload(in *Input) (io.Reader, string, error) {
	switch {
	case in.JSON != nil && in.Body != "":
		return nil, "", errors.New("give body or json, not both")
	case in.JSON != nil:
		data, err := json.Marshal(in.JSON)
		if err != nil {
			return nil, "", fmt.Errorf("json body: %w", err)
		}
		return bytes.NewReader(data), "application/json", nil
	case in.Body != "":
		return strings.NewReader(in.Body), "", nil
	}
	return nil, "", nil
}

func authenticate(rt *steps.Runtime, in *Input, req *http.Request) error {
	if in.Credential == "" {
		return nil
	}
	if rt.Credentials == nil {
		return fmt.Errorf("credential %q: this run has no credentials", in.Credential)
	}
	cred, err := rt.Credentials.Credential(in.Credential)
	if err != nil {
		return fmt.Errorf("credential %q: %w", in.Credential, err)
	}
	if in.Auth == "bearer" {
		req.Header.Set("Authorization", "Bearer "+rt.Secret(cred.Password))
		return nil
	}
	req.SetBasicAuth(cred.Username, rt.Secret(cred.Password))
	return nil
}

func httpClient(rt *steps.Runtime, in *Input) (*http.Client, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case in.Insecure:
		cfg.InsecureSkipVerify = true
		rt.Progress("TLS certificate verification is off for %s", redactURL(mustParse(in.URL)))
	case in.CABundle != "":
		pool, err := x509inspect.LoadPool(rt, in.CABundle)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, Proxy: nil}}, nil
}

func read(resp *http.Response, limit int) (*Result, error) {
	if limit <= 0 {
		limit = 4 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	res := &Result{Status: resp.StatusCode, StatusText: resp.Status, Headers: map[string]string{}}
	if len(data) > limit {
		data, res.Truncated = data[:limit], true
	}
	res.Body = string(data)
	for k, v := range resp.Header {
		res.Headers[k] = strings.Join(v, ", ")
	}
	if isJSON(resp.Header.Get("Content-Type")) && !res.Truncated && len(data) > 0 {
		if err := json.Unmarshal(data, &res.JSON); err != nil {
			return nil, fmt.Errorf("response says it is JSON but is not: %w", err)
		}
	}
	return res, nil
}

func isJSON(ctype string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ctype), ";")
	mt = strings.TrimSpace(mt)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func checkStatus(req *http.Request, res *Result, expect []int) error {
	ok := res.Status >= 200 && res.Status < 300
	if len(expect) > 0 {
		ok = slices.Contains(expect, res.Status)
	}
	if ok {
		return nil
	}
	want := "a 2xx status"
	if len(expect) > 0 {
		s := make([]string, len(expect))
		for i, c := range expect {
			s[i] = strconv.Itoa(c)
		}
		want = strings.Join(s, " or ")
	}
	return fmt.Errorf("%s %s: HTTP %s, expected %s%s", req.Method, redactURL(req.URL),
		res.StatusText, want, bodyExcerpt(res.Body))
}

func bodyExcerpt(body string) string {
	body = strings.Join(strings.Fields(body), " ")
	if body == "" {
		return ""
	}
	if len(body) > 200 {
		body = body[:197] + "..."
	}
	return ": " + body
}

func describeError(in *Input, err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	what := strings.ToUpper(in.Method) + " " + redactURL(mustParse(in.URL))
	if errors.Is(ue.Err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: no answer within %s", what, in.Timeout)
	}
	return fmt.Errorf("%s: %w", what, ue.Err)
}

func mustParse(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{Opaque: "(bad URL)"}
	}
	return u
}

// redactURL prints a URL without a password written into it.
func redactURL(u *url.URL) string { return u.Redacted() }
