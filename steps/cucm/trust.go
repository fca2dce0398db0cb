package cucm

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/parse"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// TrustInput is the input of cucm.cert.upload_trust.
type TrustInput struct {
	Access       `yaml:",inline"`
	API          `yaml:",inline"`
	Unit         string   `yaml:"unit" required:"true" doc:"Unit whose trust store takes them: tomcat puts them in tomcat-trust."`
	Certificates []string `yaml:"certificates" required:"true" doc:"CA certificates, root first, then each intermediate: PEM text or files."`
	Description  string   `yaml:"description" doc:"Description stored with them (REST API only)."`
	Method       string   `yaml:"method" default:"cli" enum:"cli,api" doc:"cli pastes each into set cert import trust; api uses the REST API (14 and later)."`
}

// TrustCert is one certificate put in a trust store.
type TrustCert struct {
	Subject string `json:"subject" doc:"Subject name."`
	File    string `json:"file" doc:"Store and file, such as tomcat-trust/Lab_Root_CA.pem."`
	SHA256  string `json:"sha256" doc:"SHA-256 fingerprint."`
}

// TrustResult is the output of cucm.cert.upload_trust.
type TrustResult struct {
	Store    string      `json:"store" doc:"The trust store, such as tomcat-trust."`
	Imported []TrustCert `json:"imported" doc:"The certificates imported, in order."`
}

func uploadTrustAction() steps.Action {
	return steps.Func[TrustInput, TrustResult]{
		Name: "cucm.cert.upload_trust",
		Doc: "Uploads a CA chain, root first, into a unit's trust store; trust stores are " +
			"replicated to every node of the cluster.",
		Mutates: true,
		Run:     uploadTrust,
		Check:   trusted,
	}.Action()
}

// trustStore names the trust store of a unit (or returns a store name as
// given). IM and Presence keeps the CAs of cup-xmpp-s2s in cup-xmpp-trust,
// with the other XMPP trust (Cisco's IM and Presence configuration guide,
// certificate types).
func trustStore(unit string) string {
	if strings.HasSuffix(strings.ToLower(unit), "-trust") {
		return unit
	}
	return trustUnit(unit) + "-trust"
}

// trustUnit is the unit whose trust store holds the CAs of unit, as typed
// after set cert import trust: the unit itself, but cup-xmpp for
// cup-xmpp-s2s.
func trustUnit(unit string) string {
	if strings.EqualFold(unit, "cup-xmpp-s2s") {
		return "cup-xmpp"
	}
	return unit
}

func uploadTrust(ctx context.Context, rt *steps.Runtime, in *TrustInput) (*TrustResult, error) {
	if _, err := rt.Target(); err != nil {
		return nil, err
	}
	certs, err := readCerts(rt, "certificates", in.Certificates...)
	if err != nil {
		return nil, err
	}
	if err := checkChain(certs); err != nil {
		return nil, err
	}
	res := &TrustResult{Store: trustStore(in.Unit), Imported: []TrustCert{}}
	if in.Method == "api" {
		return res, trustByAPI(ctx, rt, in, certs, res)
	}
	for i, c := range certs {
		if err := trustByCLI(ctx, rt, in, c); err != nil {
			return nil, fmt.Errorf("import certificate #%d (%s) into %s on %s: %w",
				i+1, x509inspect.Label(c), res.Store, rt.Node.Name, err)
		}
		res.Imported = append(res.Imported, trustCert(res.Store+"/"+trustFile(c), c))
	}
	return res, nil
}

func trustCert(file string, c *x509.Certificate) TrustCert {
	return TrustCert{Subject: c.Subject.String(), File: file,
		SHA256: x509inspect.Fingerprint(c.Raw)}
}

func trustByCLI(ctx context.Context, rt *steps.Runtime, in *TrustInput, c *x509.Certificate) error {
	out, err := change(ctx, rt, in.Access, "set cert import trust "+trustUnit(in.Unit),
		cli.Answer{Question: "Paste the Certificate", Reply: cli.Paste(pemOf(c))})
	if err != nil {
		return err
	}
	if _, err := parse.CertImport(out); err != nil {
		return err
	}
	rt.Progress("%s: %s imported into %s", rt.Node.Name, x509inspect.Label(c), trustStore(in.Unit))
	return nil
}

func trustByAPI(ctx context.Context, rt *steps.Runtime, in *TrustInput, certs []*x509.Certificate,
	res *TrustResult) error {
	c, err := apiClient(rt, in.Access, in.API)
	if err != nil {
		return err
	}
	defer c.Close()
	pems := make([]string, len(certs))
	for i, cert := range certs {
		pems[i] = pemOf(cert)
	}
	files, err := c.UploadTrust(ctx, []string{trustUnit(in.Unit)}, pems, in.Description)
	if err != nil {
		return apiError(rt.Node.Name, err)
	}
	for i, cert := range certs {
		file := res.Store + "/" + trustFile(cert)
		if i < len(files) {
			file = files[i]
		}
		res.Imported = append(res.Imported, trustCert(file, cert))
	}
	return nil
}

// trusted is the Check of cucm.cert.upload_trust: done when the store
// lists a file named after each certificate.
func trusted(ctx context.Context, rt *steps.Runtime, in *TrustInput) (steps.Check, error) {
	if _, err := rt.Target(); err != nil {
		return steps.Check{}, err
	}
	certs, err := readCerts(rt, "certificates", in.Certificates...)
	if err != nil {
		return steps.Check{}, err
	}
	store := trustStore(in.Unit)
	missing, err := notTrusted(ctx, rt, in.Access, store, certs)
	if err != nil {
		return steps.Check{}, err
	}
	if len(missing) > 0 {
		return steps.Check{State: steps.NotDone, Detail: fmt.Sprintf("%s does not list %s",
			store, strings.Join(missing, ", "))}, nil
	}
	return steps.Check{State: steps.Done, Detail: fmt.Sprintf("%s lists a file for each "+
		"certificate (matched by name; the CLI does not show their contents)", store)}, nil
}

// notTrusted returns the file names of certs that store does not list.
func notTrusted(ctx context.Context, rt *steps.Runtime, acc Access, store string,
	certs []*x509.Certificate) ([]string, error) {
	list, err := readParsed(ctx, rt, acc, "show cert list trust", parse.CertList)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, c := range certs {
		found := false
		for _, e := range list {
			found = found || strings.EqualFold(e.Unit, store) && strings.EqualFold(e.File, trustFile(c))
		}
		if !found {
			missing = append(missing, trustFile(c))
		}
	}
	return missing, nil
}
