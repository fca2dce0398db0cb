package httpreq

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
)

type creds = stepstest.Credentials

// newServer is a real HTTPS server on loopback with a small API.
func newServer(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		user, pass, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Add("X-Seen", "a")
		w.Header().Add("X-Seen", "b")
		json.NewEncoder(w).Encode(map[string]any{
			"method": r.Method, "body": string(body), "ctype": r.Header.Get("Content-Type"),
			"user": user, "pass": pass, "authz": r.Header.Get("Authorization"), "x": r.Header.Get("X-Trace"),
		})
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upload refused: certificate chain incomplete", http.StatusInternalServerError)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("/notjson", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "<html>oops</html>")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", 100))
	})
	s := httptest.NewUnstartedServer(mux)
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are test cases
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func certPEM(s *httptest.Server) string {
	return "-----BEGIN CERTIFICATE-----\n" + b64(s.Certificate().Raw) + "\n-----END CERTIFICATE-----\n"
}

func decodeInput(t *testing.T, src string) *Input {
	t.Helper()
	return stepstest.Decode[Input](t, src)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

func TestRequest(t *testing.T) {
	s := newServer(t)
	bundle := "ca_bundle: |\n" + indent(certPEM(s)) + "\n"
	rt := &steps.Runtime{Credentials: creds{
		"os_admin": {Username: "admin", Password: "pw"},
		"token":    {Password: "tok-123"},
	}}
	cases := []struct {
		name, with string
		want       map[string]any
	}{
		{"get with headers", "url: " + s.URL + "/echo\nheaders: {X-Trace: t1}\n" + bundle,
			map[string]any{"method": "GET", "x": "t1", "user": ""}},
		{"post json with basic auth", "method: POST\nurl: " + s.URL + "/echo\njson: {service: [tomcat], n: 2}\n" +
			"credential: os_admin\n" + bundle,
			map[string]any{"method": "POST", "body": `{"n":2,"service":["tomcat"]}`,
				"ctype": "application/json", "user": "admin", "pass": "pw"}},
		{"put text with bearer", "method: PUT\nurl: " + s.URL + "/echo\nbody: hello\ncredential: token\n" +
			"auth: bearer\n" + bundle,
			map[string]any{"method": "PUT", "body": "hello", "authz": "Bearer tok-123"}},
		{"insecure", "url: " + s.URL + "/echo\ninsecure: true", map[string]any{"method": "GET"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := request(context.Background(), rt, decodeInput(t, tc.with))
			if err != nil {
				t.Fatal(err)
			}
			got, ok := res.JSON.(map[string]any)
			if !ok || res.Status != 200 || res.Headers["X-Seen"] != "a, b" {
				t.Fatalf("result %+v", res)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("server saw %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestRequestFailures(t *testing.T) {
	s := newServer(t)
	bundle := "ca_bundle: |\n" + indent(certPEM(s)) + "\n"
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	cases := []struct{ name, with, want string }{
		{"unexpected status", "method: POST\nurl: " + s.URL + "/fail\nbody: x\n" + bundle,
			"POST " + s.URL + "/fail: HTTP 500 Internal Server Error, expected a 2xx status: " +
				"upload refused: certificate chain incomplete"},
		{"status not in list", "url: " + s.URL + "/echo\nexpect_status: [201, 204]\n" + bundle,
			"GET " + s.URL + "/echo: HTTP 200 OK, expected 201 or 204: {\"authz\":\"\",\"body\":\"\"," +
				"\"ctype\":\"\",\"method\":\"GET\",\"pass\":\"\",\"user\":\"\",\"x\":\"\"}"},
		{"untrusted", "url: " + s.URL + "/echo", "GET " + s.URL +
			"/echo: tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{"refused", "url: https://" + closed + "/", "GET https://" + closed +
			"/: dial tcp " + closed + ": connect: connection refused"},
		{"timeout", "url: " + s.URL + "/slow\ntimeout: 200ms\n" + bundle,
			"GET " + s.URL + "/slow: no answer within 200ms"},
		{"bad json reply", "url: " + s.URL + "/notjson\n" + bundle, "GET " + s.URL +
			"/notjson: response says it is JSON but is not: invalid character '<' looking for beginning of value"},
		{"body and json", "method: POST\nurl: " + s.URL + "\nbody: a\njson: {a: 1}",
			"give body or json, not both"},
		{"password in url redacted", "url: https://admin:pw@" + closed + "/x",
			"GET https://admin:xxxxx@" + closed + "/x: dial tcp " + closed + ": connect: connection refused"},
		{"unknown credential", "url: " + s.URL + "\ncredential: nope",
			`credential "nope": the site defines no credential "nope"`},
	}
	rt := &steps.Runtime{Credentials: creds{}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := request(context.Background(), rt, decodeInput(t, tc.with))
			if err == nil || strings.TrimSpace(err.Error()) != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	s := newServer(t)
	res, err := request(context.Background(), &steps.Runtime{},
		decodeInput(t, "url: "+s.URL+"/big\ninsecure: true\nmax_body: 10"))
	if err != nil || !res.Truncated || res.Body != "xxxxxxxxxx" {
		t.Fatalf("%+v, %v", res, err)
	}
}

func TestMutatesFor(t *testing.T) {
	a := Actions()[0].(interface{ MutatesFor(any) bool })
	cases := []struct {
		with string
		want bool
	}{
		{"url: x", false},
		{"url: x\nmethod: HEAD", false},
		{"url: x\nmethod: POST", true},
		{"url: x\nmethod: DELETE", true},
		{"url: x\nmethod: POST\nmutates: false", false},
		{"url: x\nmutates: true", true},
	}
	for _, tc := range cases {
		if got := a.MutatesFor(decodeInput(t, tc.with)); got != tc.want {
			t.Errorf("MutatesFor(%q) = %v, want %v", tc.with, got, tc.want)
		}
	}
	if !Actions()[0].Mutates() {
		t.Error("static Mutates must be the safe answer, true")
	}
}

func b64(b []byte) string {
	var sb strings.Builder
	enc := base64.StdEncoding.EncodeToString(b)
	for len(enc) > 64 {
		sb.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	sb.WriteString(enc)
	return sb.String()
}
