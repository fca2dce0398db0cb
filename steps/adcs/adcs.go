// Package adcs implements adcs.submit: Microsoft AD CS web enrolment. It
// posts a CSR to certfnsh.asp with a certificate template, reads the
// disposition (issued, pending, denied) from the reply page, and collects
// the certificate (certnew.cer), its chain (certnew.p7b) and the CA's own
// certificate (certcarc.asp and certnew.cer?ReqID=CACert), over HTTPS with
// NTLM or basic authentication.
//
// A request is recorded as an artifact as soon as the CA has given it a
// number, so running the step again collects that request instead of
// submitting a second one: a pending request is simply polled again. The
// check uses the same record. CSR and chain parsing are steps/x509's;
// the fake server for tests is adcstest.
package adcs

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/ucops/runbook/steps"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// Input is the `with` block of adcs.submit.
type Input struct {
	URL        string        `yaml:"url" required:"true" doc:"the certsrv base URL, such as https://ca.lab.example.com/certsrv"`
	CSR        string        `yaml:"csr" required:"true" doc:"the CSR: PEM text (an earlier output) or a file path"`
	Template   string        `yaml:"template" default:"WebServer" doc:"template name (the internal one, no spaces)"`
	Credential string        `yaml:"credential" required:"true" doc:"site credential to log in with (DOMAIN\\user for NTLM)"`
	Auth       string        `yaml:"auth" enum:"ntlm,basic" default:"ntlm" doc:"how to authenticate to the web server"`
	CABundle   string        `yaml:"ca_bundle" doc:"CA certificates to trust for HTTPS: file or PEM; default system roots"`
	RequestID  int           `yaml:"request_id" doc:"collect this earlier request instead of submitting"`
	Timeout    time.Duration `yaml:"timeout" default:"60s" doc:"how long the whole exchange may take"`
}

// Result is what adcs.submit outputs.
type Result struct {
	RequestID       int       `json:"request_id" doc:"the CA's request number"`
	Disposition     string    `json:"disposition" doc:"issued, pending or denied"`
	Certificate     string    `json:"certificate" doc:"the issued certificate, PEM"`
	CertificateFile string    `json:"certificate_file" doc:"artifact holding the certificate"`
	Chain           string    `json:"chain" doc:"the CA certificates, root first, PEM: the trust upload order"`
	ChainCerts      []string  `json:"chain_certs" doc:"the CA certificates one by one, root first"`
	ChainFile       string    `json:"chain_file" doc:"artifact holding chain"`
	CACertificate   string    `json:"ca_certificate" doc:"the issuing CA's current certificate, PEM"`
	CARenewal       int       `json:"ca_renewal" doc:"the CA certificate's renewal index (nRenewals)"`
	Serial          string    `json:"serial" doc:"serial number of the certificate, hex"`
	SHA256          string    `json:"sha256" doc:"SHA-256 fingerprint of the certificate"`
	Issuer          string    `json:"issuer" doc:"issuer of the certificate"`
	NotAfter        time.Time `json:"not_after" doc:"end of the certificate's validity"`
}

// DispositionError is a request the CA did not issue: pending, denied, or
// refused with an error page.
type DispositionError struct {
	RequestID int
	State     string
	Message   string
}

// Error quotes the CA's disposition message.
func (e *DispositionError) Error() string {
	switch e.State {
	case Pending:
		return fmt.Sprintf("AD CS request %d is pending: %q; once an administrator issues it, "+
			"run the step again to collect it", e.RequestID, e.Message)
	case Denied:
		if e.RequestID == 0 {
			return fmt.Sprintf("AD CS denied the request: %q", e.Message)
		}
		return fmt.Sprintf("AD CS request %d was denied: %q", e.RequestID, e.Message)
	}
	return fmt.Sprintf("AD CS did not issue the certificate: %q", e.Message)
}

// Actions returns the adcs family's actions.
func Actions() []steps.Action {
	return []steps.Action{
		steps.Func[Input, Result]{
			Name:    "adcs.submit",
			Doc:     "Have a Microsoft AD CS sign a CSR through its web enrolment pages.",
			Mutates: true,
			Run:     submit,
			Check:   submitted,
		}.Action(),
	}
}

func submit(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	csr, c, err := prepare(rt, in)
	if err != nil {
		return nil, err
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()

	id, err := requestFor(ctx, rt, c, in, csr)
	if err != nil {
		return partial(err), err
	}
	res, err := collect(ctx, c, id, csr)
	if err != nil {
		recordOutcome(rt, in, csr, err)
		return partial(err), err
	}
	if err := writeArtifacts(rt, res); err != nil {
		return nil, err
	}
	rt.Progress("AD CS request %d issued: %s, serial %s", id, res.Issuer, res.Serial)
	return res, nil
}

// submitted is adcs.submit's check: done when the request recorded for
// this CSR (or request_id) has been issued.
func submitted(ctx context.Context, rt *steps.Runtime, in *Input) (steps.Check, error) {
	csr, c, err := prepare(rt, in)
	if err != nil {
		return steps.Check{}, err
	}
	defer c.close()
	id := in.RequestID
	if rec, ok := loadRecord(rt, in, csr); id == 0 && ok {
		id = rec.RequestID
	}
	if id == 0 {
		return notDone("no AD CS request recorded for this CSR"), nil
	}
	ctx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()
	res, err := collect(ctx, c, id, csr)
	var de *DispositionError
	switch {
	case errors.As(err, &de):
		return notDone(de.Error()), nil
	case err != nil:
		return steps.Check{State: steps.Unknown, Detail: err.Error()}, err
	}
	existingArtifacts(rt, res)
	return steps.Check{State: steps.Done, Result: res,
		Detail: fmt.Sprintf("AD CS request %d was issued (serial %s)", id, res.Serial)}, nil
}

func prepare(rt *steps.Runtime, in *Input) (*x509.CertificateRequest, *client, error) {
	data, err := x509inspect.Read(rt, in.CSR)
	if err != nil {
		return nil, nil, fmt.Errorf("read CSR: %w", err)
	}
	csr, err := x509inspect.CSR(data)
	if err != nil {
		return nil, nil, fmt.Errorf("read CSR: %w", err)
	}
	if rt.Credentials == nil {
		return nil, nil, fmt.Errorf("credential %q: this run has no credentials", in.Credential)
	}
	cred, err := rt.Credentials.Credential(in.Credential)
	if err != nil {
		return nil, nil, fmt.Errorf("credential %q: %w", in.Credential, err)
	}
	var roots *x509.CertPool
	if in.CABundle != "" {
		if roots, err = x509inspect.LoadPool(rt, in.CABundle); err != nil {
			return nil, nil, err
		}
	}
	return csr, newClient(in.URL, in.Auth, cred, roots), nil
}

// partial is the result that goes with a disposition error, so the
// request number reaches the journal and the operator.
func partial(err error) *Result {
	var de *DispositionError
	if errors.As(err, &de) && de.RequestID > 0 {
		return &Result{RequestID: de.RequestID, Disposition: de.State}
	}
	return nil
}

// requestFor returns the request to collect: request_id, the one recorded
// for this CSR, or a new submission.
func requestFor(ctx context.Context, rt *steps.Runtime, c *client, in *Input,
	csr *x509.CertificateRequest) (int, error) {
	if in.RequestID > 0 {
		return in.RequestID, nil
	}
	if rec, ok := loadRecord(rt, in, csr); ok && rec.State != Denied {
		rt.Progress("collecting AD CS request %d, submitted earlier for this CSR", rec.RequestID)
		return rec.RequestID, nil
	}
	page, err := c.submit(ctx, csr.Raw, in.Template)
	if err != nil {
		return 0, err
	}
	reply := ParseReply(page)
	if reply.RequestID > 0 {
		if err := saveRecord(rt, in, csr, reply); err != nil {
			return 0, err
		}
	}
	if reply.State != Issued {
		return 0, reply.err()
	}
	return reply.RequestID, nil
}

func notDone(detail string) steps.Check { return steps.Check{State: steps.NotDone, Detail: detail} }
