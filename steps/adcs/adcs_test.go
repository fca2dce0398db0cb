package adcs

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/adcs/adcstest"
	"github.com/ucops/runbook/steps/stepstest"
	x509inspect "github.com/ucops/runbook/steps/x509"
	"github.com/ucops/runbook/steps/x509/x509test"
)

type creds = stepstest.Credentials

const (
	user     = `LAB\svc-runbook`
	password = "S3cret!pass"
)

func startCA(t *testing.T, cfg adcstest.Config) *adcstest.Server {
	t.Helper()
	if cfg.Username == "" {
		cfg.Username, cfg.Password = user, password
	}
	s, err := adcstest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func runtime(t *testing.T, pass string) *steps.Runtime {
	return &steps.Runtime{
		Step:        "sign-tomcat",
		Artifacts:   stepstest.Artifacts(t.TempDir()),
		Credentials: creds{"adcs": {Username: user, Password: pass}},
	}
}

func input(t *testing.T, s *adcstest.Server, csr *x509.CertificateRequest, extra string) *Input {
	t.Helper()
	src := fmt.Sprintf("url: %s\ncredential: adcs\ncsr: |\n%s\nca_bundle: |\n%s\n%s", s.URL(),
		indent(x509test.CSRPEM(csr)), indent(s.TLSBundle()), extra)
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatal(err)
	}
	var errs decode.Errors
	in := new(Input)
	decode.New("t.yaml", &errs).Decode(&n, in)
	if err := errs.Err(); err != nil {
		t.Fatal(err)
	}
	return in
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

func newCSR(t *testing.T) *x509.CertificateRequest {
	return x509test.CSR(t, x509test.ECKey(t), nil, "cucm-pub.lab.example.com", "cucm-sub1.lab.example.com")
}

func TestSubmitIssued(t *testing.T) {
	cases := []struct {
		name       string
		cfg        adcstest.Config
		extra      string
		clientAuth bool
		auth       string
	}{
		{"ntlm web server", adcstest.Config{}, "", false, `ntlm LAB\svc-runbook ok`},
		{"basic, client auth template, renewed CA", adcstest.Config{Basic: true, Renewals: 2},
			"auth: basic\ntemplate: WebServerClient", true, `basic LAB\svc-runbook ok`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startCA(t, tc.cfg)
			rt, csr := runtime(t, password), newCSR(t)
			in := input(t, s, csr, tc.extra)
			res, err := submit(context.Background(), rt, in)
			if err != nil {
				t.Fatal(err)
			}
			checkResult(t, s, res, csr, tc.clientAuth)
			if log := s.AuthLog(); !slices.Contains(log, tc.auth) || slices.ContainsFunc(log,
				func(e string) bool { return strings.HasSuffix(e, "refused") }) {
				t.Errorf("auth log %q, want %q and no refusal", log, tc.auth)
			}
			if res.CARenewal != tc.cfg.Renewals {
				t.Errorf("CA renewal %d, want %d", res.CARenewal, tc.cfg.Renewals)
			}

			// Run again: the recorded request is collected, not submitted twice.
			again, err := submit(context.Background(), rt, in)
			if err != nil || again.SHA256 != res.SHA256 || len(s.Requests()) != 1 {
				t.Errorf("second run: %v, %d requests", err, len(s.Requests()))
			}
			chk, err := submitted(context.Background(), rt, in)
			if err != nil || chk.State != steps.Done || chk.Detail != "AD CS request 1 was issued (serial "+
				res.Serial+")" || chk.Result.(*Result).CertificateFile != res.CertificateFile {
				t.Errorf("check: %v %v %q", chk.State, err, chk.Detail)
			}
		})
	}
}

func checkResult(t *testing.T, s *adcstest.Server, res *Result, csr *x509.CertificateRequest, clientAuth bool) {
	t.Helper()
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Template != map[bool]string{false: "WebServer", true: "WebServerClient"}[clientAuth] {
		t.Fatalf("CA saw %+v", reqs)
	}
	b, err := x509inspect.Parse([]byte(res.Certificate + res.Chain))
	if err != nil {
		t.Fatal(err)
	}
	leaf := b.Certs[0]
	if string(leaf.RawSubjectPublicKeyInfo) != string(csr.RawSubjectPublicKeyInfo) {
		t.Error("certificate is not for the CSR's key")
	}
	chain := s.Chain()
	if len(res.ChainCerts) != 2 || res.ChainCerts[0] != x509test.PEM(chain[0]) ||
		res.ChainCerts[1] != x509test.PEM(chain[1]) {
		t.Errorf("chain is not the CA's, root first: %d certificates", len(res.ChainCerts))
	}
	if res.CACertificate != x509test.PEM(chain[1]) {
		t.Error("CA certificate is not the issuing CA's")
	}
	if x509inspect.Describe(leaf).ClientAuth != clientAuth {
		t.Errorf("client auth = %v, want %v", !clientAuth, clientAuth)
	}
	if res.RequestID != 1 || res.Disposition != "issued" || res.CertificateFile == "" || res.ChainFile == "" {
		t.Errorf("result %+v", res)
	}
}

func TestSubmitPendingThenIssued(t *testing.T) {
	s := startCA(t, adcstest.Config{Templates: map[string]adcstest.Template{"CUCM-Tomcat": {Pending: true}}})
	rt, csr := runtime(t, password), newCSR(t)
	in := input(t, s, csr, "template: CUCM-Tomcat")
	ctx := context.Background()

	res, err := submit(ctx, rt, in)
	wantErr := `AD CS request 1 is pending: "Taken Under Submission"; once an administrator issues it, ` +
		"run the step again to collect it"
	if err == nil || err.Error() != wantErr || res == nil || res.RequestID != 1 || res.Disposition != "pending" {
		t.Fatalf("first run: %+v, %v", res, err)
	}
	chk, err := submitted(ctx, rt, in)
	if err != nil || chk.State != steps.NotDone || chk.Detail != wantErr {
		t.Fatalf("check while pending: %v %v %q", chk.State, err, chk.Detail)
	}
	if _, err := submit(ctx, rt, in); err == nil || err.Error() != wantErr {
		t.Fatalf("second run while pending: %v", err)
	}
	if err := s.Approve(1); err != nil {
		t.Fatal(err)
	}
	if res, err = submit(ctx, rt, in); err != nil || res.RequestID != 1 {
		t.Fatalf("after approval: %+v, %v", res, err)
	}
	if n := len(s.Requests()); n != 1 {
		t.Errorf("CA received %d requests, want 1", n)
	}
}

func TestSubmitPendingThenDenied(t *testing.T) {
	s := startCA(t, adcstest.Config{Templates: map[string]adcstest.Template{"CUCM-Tomcat": {Pending: true}}})
	rt, csr := runtime(t, password), newCSR(t)
	in := input(t, s, csr, "template: CUCM-Tomcat")
	ctx := context.Background()
	submit(ctx, rt, in)
	s.Deny(1, "Denied by an administrator")
	_, err := submit(ctx, rt, in)
	if want := `AD CS request 1 was denied: "Denied by an administrator"`; err == nil || err.Error() != want {
		t.Fatalf("after denial: %v, want %s", err, want)
	}
	// A denied request is not collected again: the next run submits anew.
	_, err = submit(ctx, rt, in)
	if want := `AD CS request 2 is pending: "Taken Under Submission"; once an administrator issues it, ` +
		"run the step again to collect it"; err == nil || err.Error() != want {
		t.Fatalf("resubmission: %v", err)
	}
}

func TestSubmitFailures(t *testing.T) {
	s := startCA(t, adcstest.Config{})
	basic := startCA(t, adcstest.Config{Basic: true})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l.Addr().String()
	l.Close()
	csr := newCSR(t)
	cases := []struct {
		name   string
		srv    *adcstest.Server
		pass   string
		extra  string
		mutate func(*Input)
		want   string
	}{
		{"unknown template", s, password, "template: NoSuchTemplate", nil,
			`AD CS request 1 was denied: "Denied by Policy Module  0x80094800, The requested certificate ` +
				`template is not supported by this CA."`},
		{"ntlm wrong password", s, "wrong", "", nil,
			`AD CS at ` + s.URL() + ` refused the credentials of LAB\svc-runbook (HTTP 401, NTLM authentication)`},
		{"basic wrong password", basic, "wrong", "auth: basic", nil,
			`AD CS at ` + basic.URL() + ` refused the credentials of LAB\svc-runbook (HTTP 401, BASIC authentication)`},
		{"untrusted server", s, password, "", func(in *Input) { in.CABundle = x509test.PEM(x509test.NewRoot(t, "X").Cert) },
			"AD CS /certsrv/certfnsh.asp: tls: failed to verify certificate: x509: certificate signed by unknown authority"},
		{"connection refused", s, password, "", func(in *Input) { in.URL = "https://" + closed + "/certsrv" },
			"AD CS /certsrv/certfnsh.asp: dial tcp " + closed + ": connect: connection refused"},
		{"unknown credential", s, password, "", func(in *Input) { in.Credential = "nope" },
			`credential "nope": the site defines no credential "nope"`},
		{"request id not found", s, password, "request_id: 42", nil,
			`AD CS request 42 was denied: "Cannot find the request: 42"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := input(t, tc.srv, csr, tc.extra)
			if tc.mutate != nil {
				tc.mutate(in)
			}
			_, err := submit(context.Background(), runtime(t, tc.pass), in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
	if log := s.AuthLog(); !slices.Contains(log, `ntlm LAB\svc-runbook refused`) {
		t.Errorf("fake saw no refused NTLM login: %q", log)
	}
}

func TestCollectByRequestID(t *testing.T) {
	s := startCA(t, adcstest.Config{})
	csr := newCSR(t)
	ctx := context.Background()
	if _, err := submit(ctx, runtime(t, password), input(t, s, csr, "")); err != nil {
		t.Fatal(err)
	}
	// A fresh run (no record) that names the request collects it.
	res, err := submit(ctx, runtime(t, password), input(t, s, csr, "request_id: 1"))
	if err != nil || res.RequestID != 1 || len(s.Requests()) != 1 {
		t.Fatalf("collect: %+v, %v, %d requests", res, err, len(s.Requests()))
	}
	// Another CSR's key: the certificate of request 1 is not its.
	_, err = submit(ctx, runtime(t, password), input(t, s, newCSR(t), "request_id: 1"))
	want := "AD CS request 1 holds a certificate for CN=cucm-pub.lab.example.com with another key than the CSR's"
	if err == nil || err.Error() != want {
		t.Fatalf("other key: %v", err)
	}
}

func TestCheckWithoutRecord(t *testing.T) {
	s := startCA(t, adcstest.Config{})
	chk, err := submitted(context.Background(), runtime(t, password), input(t, s, newCSR(t), ""))
	if err != nil || chk.State != steps.NotDone || chk.Detail != "no AD CS request recorded for this CSR" {
		t.Fatalf("check: %v %v %q", chk.State, err, chk.Detail)
	}
	if len(s.Requests()) != 0 {
		t.Error("the check submitted a request")
	}
}
