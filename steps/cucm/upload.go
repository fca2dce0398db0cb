package cucm

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/parse"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// UploadInput is the input of cucm.cert.upload.
type UploadInput struct {
	Access      `yaml:",inline"`
	API         `yaml:",inline"`
	Unit        string   `yaml:"unit" required:"true" doc:"Identity unit, such as tomcat or CallManager."`
	Certificate string   `yaml:"certificate" required:"true" doc:"The signed certificate: PEM text or a file; certificates after the first are taken as its chain."`
	Chain       []string `yaml:"chain" doc:"CA certificates that issued it, root first: PEM text or files. The CLI imports the ones the trust store lacks first."`
	Method      string   `yaml:"method" default:"cli" enum:"cli,api" doc:"cli pastes it into set cert import own; api uses the REST API (14 and later)."`
	ExpectNodes []string `yaml:"expect_nodes" doc:"FQDNs it must land on; by default the node and every cluster node holding the unit that it names."`
}

// UploadResult is the output of cucm.cert.upload.
type UploadResult struct {
	Unit          string   `json:"unit" doc:"The unit."`
	Nodes         []string `json:"nodes" doc:"FQDNs of the nodes the certificate was installed on."`
	Subject       string   `json:"subject" doc:"Subject name."`
	Serial        string   `json:"serial" doc:"Serial number in upper-case hexadecimal."`
	SHA256        string   `json:"sha256" doc:"SHA-256 fingerprint."`
	SANs          []string `json:"sans" doc:"DNS subject alternative names."`
	MultiServer   bool     `json:"multi_server" doc:"Whether it landed on more than one node."`
	Message       string   `json:"message" doc:"What the node said."`
	TrustImported []string `json:"trust_imported" doc:"Chain certificates imported into the trust store first."`
}

func uploadAction() steps.Action {
	return steps.Func[UploadInput, UploadResult]{
		Name: "cucm.cert.upload",
		Doc: "Uploads a CA-signed certificate for a unit; a multi-server certificate lands on " +
			"every node it names. It becomes active when the unit's services restart.",
		Mutates: true,
		Run:     upload,
		Check:   uploaded,
	}.Action()
}

func upload(ctx context.Context, rt *steps.Runtime, in *UploadInput) (*UploadResult, error) {
	if _, err := rt.Target(); err != nil {
		return nil, err
	}
	leaf, chain, err := uploadCerts(rt, in)
	if err != nil {
		return nil, err
	}
	res := &UploadResult{Unit: in.Unit, Subject: leaf.Subject.String(),
		Serial: strings.ToUpper(leaf.SerialNumber.Text(16)), SHA256: x509inspect.Fingerprint(leaf.Raw),
		SANs: nonNil(leaf.DNSNames), TrustImported: []string{}}
	if in.Method == "api" {
		err = identityByAPI(ctx, rt, in, leaf, chain, res)
	} else {
		err = identityByCLI(ctx, rt, in, leaf, chain, res)
	}
	if err != nil {
		return nil, err
	}
	res.MultiServer = len(res.Nodes) > 1
	return res, landedEverywhere(ctx, rt, in, leaf, res)
}

// uploadCerts reads the leaf and its chain.
func uploadCerts(rt *steps.Runtime, in *UploadInput) (*x509.Certificate,
	[]*x509.Certificate, error) {
	certs, err := readCerts(rt, "certificate", in.Certificate)
	if err != nil {
		return nil, nil, err
	}
	chain, err := readCerts(rt, "chain", in.Chain...)
	if err != nil {
		return nil, nil, err
	}
	chain = append(chain, certs[1:]...)
	return certs[0], chain, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func identityByCLI(ctx context.Context, rt *steps.Runtime, in *UploadInput, leaf *x509.Certificate,
	chain []*x509.Certificate, res *UploadResult) error {
	if err := trustChain(ctx, rt, in, chain, res); err != nil {
		return err
	}
	out, err := change(ctx, rt, in.Access, "set cert import own "+in.Unit,
		cli.Answer{Question: "Paste the Certificate", Reply: cli.Paste(pemOf(leaf))})
	if err != nil {
		return err
	}
	imp, err := parse.CertImport(out)
	if err != nil {
		return refused(ctx, rt, in, leaf, err)
	}
	res.Message, res.Nodes = imp.Message, imp.Nodes
	if len(res.Nodes) == 0 {
		res.Nodes = []string{selfName(ctx, rt, in.Access)}
	}
	rt.Progress("%s: %s certificate installed on %s", rt.Node.Name, in.Unit,
		strings.Join(res.Nodes, ", "))
	return nil
}

// trustChain imports the chain certificates the trust store lacks - the
// certificates themselves, not files of their names.
func trustChain(ctx context.Context, rt *steps.Runtime, in *UploadInput, chain []*x509.Certificate,
	res *UploadResult) error {
	if len(chain) == 0 {
		return nil
	}
	if err := checkChain(chain); err != nil {
		return fmt.Errorf("chain: %w", err)
	}
	held, err := storeHolds(ctx, rt, in.Access, API{}, "cli", in.Unit, chain)
	if err != nil {
		return err
	}
	t := &TrustInput{Access: in.Access, Unit: in.Unit, Method: "cli"}
	for _, h := range missingHeld(held) {
		t.Certificates = append(t.Certificates, pemOf(h.cert))
	}
	tr := &TrustResult{Store: trustStore(in.Unit)}
	if err := trustEachByCLI(ctx, rt, t, missingHeld(held), tr); err != nil {
		return err
	}
	if err := confirmTrusted(ctx, rt, t, tr); err != nil {
		return err
	}
	for _, c := range tr.Imported {
		res.TrustImported = append(res.TrustImported, c.File)
	}
	return nil
}

func identityByAPI(ctx context.Context, rt *steps.Runtime, in *UploadInput, leaf *x509.Certificate,
	chain []*x509.Certificate, res *UploadResult) error {
	c, err := apiClient(rt, in.Access, in.API)
	if err != nil {
		return err
	}
	defer c.Close()
	pems := []string{pemOf(leaf)}
	for _, cert := range chain {
		pems = append(pems, pemOf(cert))
	}
	up, err := c.UploadIdentity(ctx, in.Unit, pems)
	if err != nil {
		return refused(ctx, rt, in, leaf, apiError(rt.Node.Name, err))
	}
	res.Message, res.Nodes = up.Message, up.Nodes
	if len(res.Nodes) == 0 {
		res.Nodes = []string{selfName(ctx, rt, in.Access)}
	}
	return nil
}

// selfName returns the node's FQDN as the cluster knows it.
func selfName(ctx context.Context, rt *steps.Runtime, acc Access) string {
	if cluster, err := clusterNodes(ctx, rt, acc); err == nil {
		if n, ok := self(cluster, rt.Node); ok {
			return n.FQDN
		}
	}
	if rt.Node.FQDN != "" {
		return rt.Node.FQDN
	}
	return rt.Node.Name
}

// refused explains a refused upload: the node's reason, and what this
// step can see of the cause.
func refused(ctx context.Context, rt *steps.Runtime, in *UploadInput, leaf *x509.Certificate,
	err error) error {
	msg := fmt.Sprintf("%s refused the %s certificate (%s): %v", rt.Node.Name, in.Unit,
		x509inspect.Label(leaf), err)
	if hint := diagnose(ctx, rt, in, leaf); hint != "" {
		msg += "; " + hint
	}
	return errors.New(msg)
}

// diagnose looks, read-only, for the usual causes of a refusal: a
// certificate signed from an older CSR, or an issuer not trusted.
func diagnose(ctx context.Context, rt *steps.Runtime, in *UploadInput,
	leaf *x509.Certificate) string {
	pending, _, err := pendingCSR(ctx, rt, in.Access, in.Unit)
	switch {
	case errors.Is(err, parse.ErrNoCSR):
		return fmt.Sprintf("%s holds no pending CSR for %s: generate one and have it signed",
			rt.Node.Name, in.Unit)
	case err == nil && !bytes.Equal(pending.RawSubjectPublicKeyInfo, leaf.RawSubjectPublicKeyInfo):
		return fmt.Sprintf("its key is not the one of the pending CSR for %s on %s: it was "+
			"signed from an older CSR; have the current CSR signed (cucm.csr.download)",
			in.Unit, rt.Node.Name)
	}
	issuer := &x509.Certificate{Subject: leaf.Issuer}
	store := trustStore(in.Unit)
	if listed, err := listsFile(ctx, rt, in.Access, store, issuer); err == nil && !listed {
		return fmt.Sprintf("%s does not list its issuer %s: upload the CA chain first, root "+
			"first (cucm.cert.upload_trust)", store, leaf.Issuer.CommonName)
	}
	return ""
}

// landedEverywhere fails when the certificate missed nodes it must be on.
func landedEverywhere(ctx context.Context, rt *steps.Runtime, in *UploadInput,
	leaf *x509.Certificate, res *UploadResult) error {
	want := in.ExpectNodes
	if len(want) == 0 {
		cluster, err := clusterNodes(ctx, rt, in.Access)
		if err != nil {
			return err
		}
		names := append([]string{leaf.Subject.CommonName}, leaf.DNSNames...)
		want = commonNames(unitNodes(cluster, in.Unit), names)
	}
	if missing := missingNames(want, res.Nodes); len(missing) > 0 {
		return fmt.Errorf("the %s certificate landed on %s but not on %s, which it must be on; "+
			"the node list of a multi-server upload comes from the pending CSR: generate it "+
			"again with every node up", in.Unit, strings.Join(res.Nodes, ", "),
			strings.Join(missing, ", "))
	}
	return nil
}

// uploaded is the Check of cucm.cert.upload: done when the node's
// installed certificate of the unit is this one (the same serial number
// and issuer, as show cert own prints them).
func uploaded(ctx context.Context, rt *steps.Runtime, in *UploadInput) (steps.Check, error) {
	if _, err := rt.Target(); err != nil {
		return steps.Check{}, err
	}
	leaf, _, err := uploadCerts(rt, in)
	if err != nil {
		return steps.Check{}, err
	}
	own, err := ownCert(ctx, rt, in.Access, in.Unit)
	if err != nil {
		return steps.Check{}, err
	}
	if !holdsCert(own, leaf) {
		return steps.Check{State: steps.NotDone, Detail: fmt.Sprintf("%s holds the %s certificate "+
			"with serial %s issued by %s, not %s issued by %s", rt.Node.Name, in.Unit, own.Serial(),
			own.Issuer(), serialOf(leaf), leaf.Issuer)}, nil
	}
	return steps.Check{State: steps.Done, Detail: fmt.Sprintf("%s holds the %s certificate with "+
		"serial %s issued by %s", rt.Node.Name, in.Unit, own.Serial(), own.Issuer())}, nil
}
