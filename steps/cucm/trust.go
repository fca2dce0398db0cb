package cucm

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
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
	Present  []TrustCert `json:"present" doc:"Certificates the store already held (the same certificate, not only its name), not imported again."`
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
	held, err := storeHolds(ctx, rt, in.Access, in.API, in.Method, in.Unit, certs)
	if err != nil {
		return nil, err
	}
	res := &TrustResult{Store: trustStore(in.Unit), Imported: []TrustCert{}, Present: []TrustCert{}}
	if in.Method == "api" {
		err = trustByAPI(ctx, rt, in, held, res)
	} else {
		err = trustEachByCLI(ctx, rt, in, held, res)
	}
	if err != nil {
		return nil, err
	}
	return res, confirmTrusted(ctx, rt, in, res)
}

// trustEachByCLI imports, root first, the certificates of held that the
// store lacks; those it holds are recorded as present.
func trustEachByCLI(ctx context.Context, rt *steps.Runtime, in *TrustInput, held []trustHeld,
	res *TrustResult) error {
	for i, h := range held {
		if h.file != "" {
			res.Present = append(res.Present, trustCert(h.file, h.cert))
			rt.Progress("%s: %s is already in %s", rt.Node.Name, x509inspect.Label(h.cert), h.file)
			continue
		}
		err := context.Cause(ctx)
		if err == nil {
			err = trustByCLI(ctx, rt, in, h.cert)
		}
		if err != nil {
			return fmt.Errorf("import certificate #%d (%s) into %s on %s: %w",
				i+1, x509inspect.Label(h.cert), res.Store, rt.Node.Name, err)
		}
		res.Imported = append(res.Imported, trustCert(res.Store+"/"+trustFile(h.cert), h.cert))
	}
	return nil
}

// confirmTrusted reads the store again: every certificate reported
// imported must be the one the store now holds, not only a file of its
// name.
func confirmTrusted(ctx context.Context, rt *steps.Runtime, in *TrustInput,
	res *TrustResult) error {
	if len(res.Imported) == 0 {
		return nil
	}
	certs, err := readCerts(rt, "certificates", in.Certificates...)
	if err != nil {
		return err
	}
	certs = slices.DeleteFunc(certs, func(c *x509.Certificate) bool {
		return !slices.ContainsFunc(res.Imported, func(t TrustCert) bool {
			return t.SHA256 == x509inspect.Fingerprint(c.Raw)
		})
	})
	held, err := storeHolds(ctx, rt, in.Access, in.API, in.Method, in.Unit, certs)
	if err != nil {
		return fmt.Errorf("read %s on %s after the import: %w", res.Store, rt.Node.Name, err)
	}
	if miss := missingHeld(held); len(miss) > 0 {
		return fmt.Errorf("%s accepted the import but %s does not hold %s", rt.Node.Name,
			res.Store, lacks(miss, res.Store))
	}
	for i, h := range held {
		res.Imported[i].File = h.file
	}
	return nil
}

// lacks says, for each certificate a store lacks, what it holds instead.
func lacks(miss []trustHeld, store string) string {
	out := make([]string, len(miss))
	for i, h := range miss {
		out[i] = h.lack(store)
	}
	return strings.Join(out, "; ")
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

func trustByAPI(ctx context.Context, rt *steps.Runtime, in *TrustInput, held []trustHeld,
	res *TrustResult) error {
	var certs []*x509.Certificate
	for _, h := range held {
		if h.file != "" {
			res.Present = append(res.Present, trustCert(h.file, h.cert))
		} else {
			certs = append(certs, h.cert)
		}
	}
	if len(certs) == 0 {
		return nil
	}
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
// holds each certificate itself - compared by serial number and issuer
// (show cert trust) or by PEM (REST API), since a file of the same name
// may hold an older CA of the same name.
func trusted(ctx context.Context, rt *steps.Runtime, in *TrustInput) (steps.Check, error) {
	if _, err := rt.Target(); err != nil {
		return steps.Check{}, err
	}
	certs, err := readCerts(rt, "certificates", in.Certificates...)
	if err != nil {
		return steps.Check{}, err
	}
	held, err := storeHolds(ctx, rt, in.Access, in.API, in.Method, in.Unit, certs)
	if err != nil {
		return steps.Check{}, err
	}
	store := trustStore(in.Unit)
	if miss := missingHeld(held); len(miss) > 0 {
		return steps.Check{State: steps.NotDone, Detail: fmt.Sprintf("%s lacks %s", store,
			lacks(miss, store))}, nil
	}
	files := make([]string, len(held))
	for i, h := range held {
		files[i] = h.file
	}
	how := "serial number and issuer"
	if in.Method == "api" {
		how = "certificate"
	}
	return steps.Check{State: steps.Done, Detail: fmt.Sprintf("%s holds each certificate, "+
		"matched by %s: %s", store, how, strings.Join(files, ", "))}, nil
}

// listsFile reports whether store lists a file named after c, whatever
// it holds.
func listsFile(ctx context.Context, rt *steps.Runtime, acc Access, store string,
	c *x509.Certificate) (bool, error) {
	list, err := readParsed(ctx, rt, acc, "show cert list trust", parse.CertList)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(list, func(e parse.CertEntry) bool {
		return strings.EqualFold(e.Unit, store) && strings.EqualFold(e.File, trustFile(c))
	}), nil
}
