package cucm

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/parse"
	"github.com/ucops/runbook/steps/cucm/platform"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// CSRInput is the input of cucm.csr.generate.
type CSRInput struct {
	Access          `yaml:",inline"`
	API             `yaml:",inline"`
	Unit            string   `yaml:"unit" required:"true" doc:"Certificate unit: tomcat, CallManager, cup-xmpp, cup-xmpp-s2s, ..."`
	Distribution    string   `yaml:"distribution" default:"this-server" enum:"this-server,multi-server" doc:"One CSR for this node, or one for every node holding the unit (SAN), made on the publisher."`
	KeyType         string   `yaml:"key_type" default:"RSA" enum:"RSA,EC" doc:"Key type."`
	KeySize         int      `yaml:"key_size" default:"2048" doc:"Key size: RSA 1024 to 4096, EC 256 or 384."`
	Hash            string   `yaml:"hash" default:"SHA256" enum:"SHA256,SHA384,SHA512" doc:"Signature hash."`
	CommonName      string   `yaml:"common_name" doc:"Subject CN; the node's FQDN when omitted."`
	AltNames        []string `yaml:"alt_names" doc:"Extra DNS names for the SAN."`
	IncludeOU       bool     `yaml:"include_ou" doc:"CLI: answer yes to Include OU in CSR (asked from 14SU1 on)."`
	Method          string   `yaml:"method" default:"auto" enum:"auto,api,cli,gui" doc:"auto: the REST API on 14 and later, else the CLI for this-server and the GUI hand-off for multi-server."`
	CSRFile         string   `yaml:"csr_file" doc:"GUI hand-off: the CSR the operator generated in Cisco Unified OS Administration and downloaded."`
	APIDistribution string   `yaml:"api_distribution" default:"multi-server" doc:"Value the REST API takes for a multi-server CSR; Cisco does not document it publicly."`
	ExpectNodes     []string `yaml:"expect_nodes" doc:"FQDNs the CSR must name; by default every node holding the unit (multi-server) or the node itself."`
}

func (in *CSRInput) multi() bool { return in.Distribution == "multi-server" }

func csrGenerateAction() steps.Action {
	return steps.Func[CSRInput, CSRResult]{
		Name: "cucm.csr.generate",
		Doc: "Generates a CSR for a unit (REST API on 14 and later, CLI for this-server), or " +
			"validates the one an operator generated in the GUI, checks that it names every " +
			"expected node, and stores it as an artifact.",
		Mutates: true,
		Run:     csrGenerate,
		Check:   csrGenerated,
	}.Action()
}

func csrGenerate(ctx context.Context, rt *steps.Runtime, in *CSRInput) (*CSRResult, error) {
	if _, err := rt.Target(); err != nil {
		return nil, err
	}
	method, err := csrMethod(ctx, rt, in)
	if err != nil {
		return nil, err
	}
	var csr *x509.CertificateRequest
	var pemText []byte
	switch method {
	case "api":
		csr, pemText, err = csrByAPI(ctx, rt, in)
	case "cli":
		csr, pemText, err = csrByCLI(ctx, rt, in)
	default:
		csr, pemText, err = csrFromGUI(ctx, rt, in)
	}
	if err != nil {
		return nil, err
	}
	return acceptCSR(ctx, rt, in, method, csr, pemText)
}

// acceptCSR checks the CSR against the cluster and the request, and
// stores it.
func acceptCSR(ctx context.Context, rt *steps.Runtime, in *CSRInput, method string,
	csr *x509.CertificateRequest, pemText []byte) (*CSRResult, error) {
	want, err := expectNodes(ctx, rt, in.Access, in.Unit, in.multi(), in.ExpectNodes)
	if err != nil {
		return nil, err
	}
	res := describeCSR(csr, pemText, want)
	res.Unit, res.Distribution, res.Method = in.Unit, in.Distribution, method
	problems := res.check(csr)
	if method == "gui" {
		problems = append(problems, res.checkRequested(in)...)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the %s CSR for %s from %s is not fit to sign: %s", in.Distribution,
			in.Unit, csrSource(rt, in, method), strings.Join(problems, "; "))
	}
	return res, storeCSR(rt, res)
}

func csrSource(rt *steps.Runtime, in *CSRInput, method string) string {
	if method == "gui" {
		return in.CSRFile
	}
	return rt.Node.Name
}

// csrMethod picks how to make the CSR and refuses combinations the
// release cannot do.
func csrMethod(ctx context.Context, rt *steps.Runtime, in *CSRInput) (string, error) {
	r, err := release(ctx, rt, in.Access)
	if err != nil {
		return "", err
	}
	m := in.Method
	switch {
	case m == "auto" && r.Major >= 14:
		m = "api"
	case m == "auto" && in.multi():
		m = "gui"
	case m == "auto":
		m = "cli"
	}
	return m, csrMethodOK(rt, in, r, m)
}

func csrMethodOK(rt *steps.Runtime, in *CSRInput, r parse.Release, m string) error {
	switch {
	case m == "api" && r.Major < 14:
		return fmt.Errorf("release %s of %s has no certificate REST API (14 and later); "+
			"use method cli (this-server) or gui", r.Version, rt.Node.Name)
	case m == "cli" && in.multi():
		return fmt.Errorf("the CLI has no multi-server distribution; use method api " +
			"(release 14 and later) or gui")
	case m == "cli" && (in.KeyType != "RSA" || in.KeySize != 2048 || in.Hash != "SHA256" ||
		in.CommonName != "" || len(in.AltNames) > 0):
		return fmt.Errorf("the CLI makes RSA 2048 SHA256 CSRs for the node's own name only; " +
			"use method api (release 14 and later) or gui for other keys, hashes or names")
	case m == "gui" && in.CSRFile == "":
		return guiHandOff(rt, in, r)
	}
	return nil
}

// guiHandOff is the error that tells the operator what to do in the GUI.
func guiHandOff(rt *steps.Runtime, in *CSRInput, r parse.Release) error {
	dist := "Distribution " + rt.Node.Name
	if in.multi() {
		dist = "Distribution Multi-server (SAN)"
	}
	return fmt.Errorf("on release %s this CSR is made in Cisco Unified OS Administration of %s: "+
		"Security > Certificate Management > Generate CSR, Certificate Purpose %s, %s, Key Type "+
		"%s, Key Length %d, Hash Algorithm %s; download it and give its path as csr_file "+
		"(a manual step before this one can ask the operator for it)",
		r.Version, rt.Node.Name, in.Unit, dist, in.KeyType, in.KeySize, in.Hash)
}

// csrByAPI generates the CSR over the REST API.
func csrByAPI(ctx context.Context, rt *steps.Runtime,
	in *CSRInput) (*x509.CertificateRequest, []byte, error) {
	c, err := apiClient(rt, in.Access, in.API)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	dist := "this-server"
	if in.multi() {
		dist = in.APIDistribution
	}
	text, err := c.GenerateCSR(ctx, platform.CSRRequest{Service: in.Unit, Distribution: dist,
		CommonName: in.CommonName, KeyType: in.KeyType, KeyLength: in.KeySize,
		HashAlgorithm: in.Hash, AltNames: in.AltNames})
	if err != nil {
		return nil, nil, apiError(rt.Node.Name, err)
	}
	csr, pemText, err := parse.CSR(text)
	if err != nil {
		return nil, nil, fmt.Errorf("REST API of %s: %w", rt.Node.Name, err)
	}
	rt.Progress("%s: generated a %s CSR for %s over the REST API",
		rt.Node.Name, in.Distribution, in.Unit)
	return csr, pemText, nil
}

// csrByCLI generates the CSR with set csr gen and reads it back.
func csrByCLI(ctx context.Context, rt *steps.Runtime,
	in *CSRInput) (*x509.CertificateRequest, []byte, error) {
	cmd := "set csr gen " + in.Unit
	ou := "no"
	if in.IncludeOU {
		ou = "yes"
	}
	out, err := change(ctx, rt, in.Access, cmd,
		cli.Answer{Question: "Proceed with regeneration", Reply: "yes"},
		cli.Answer{Question: "Include OU in CSR", Reply: ou})
	if err != nil {
		return nil, nil, err
	}
	if _, err := parse.CSRGenerated(out); err != nil {
		return nil, nil, fmt.Errorf("%s on %s: %w", cmd, rt.Node.Name, err)
	}
	rt.Progress("%s: generated a CSR for %s", rt.Node.Name, in.Unit)
	return pendingCSR(ctx, rt, in.Access, in.Unit)
}

// csrFromGUI reads the operator's CSR and checks that it is the one the
// node holds.
func csrFromGUI(ctx context.Context, rt *steps.Runtime,
	in *CSRInput) (*x509.CertificateRequest, []byte, error) {
	data, err := os.ReadFile(rt.Path(in.CSRFile))
	if err != nil {
		return nil, nil, fmt.Errorf("csr_file: %w", err)
	}
	csr, err := x509inspect.CSR(data)
	if err != nil {
		return nil, nil, fmt.Errorf("csr_file %s: %w", in.CSRFile, err)
	}
	pending, _, err := pendingCSR(ctx, rt, in.Access, in.Unit)
	if err != nil {
		return nil, nil, fmt.Errorf("%w; the CSR in %s cannot be the current one: generate "+
			"it again in OS Administration and download it", err, in.CSRFile)
	}
	if !bytes.Equal(pending.RawSubjectPublicKeyInfo, csr.RawSubjectPublicKeyInfo) {
		return nil, nil, fmt.Errorf("the CSR in %s is not the one %s holds for %s (its key "+
			"differs): a CSR was generated after it, and a certificate signed from it would be "+
			"refused; download the current CSR", in.CSRFile, rt.Node.Name, in.Unit)
	}
	return csr, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr.Raw}), nil
}

// csrGenerated is the Check of cucm.csr.generate: done when the CSR this
// step stored is still the one the node holds.
func csrGenerated(ctx context.Context, rt *steps.Runtime, in *CSRInput) (steps.Check, error) {
	if _, err := rt.Target(); err != nil {
		return steps.Check{}, err
	}
	stored, ok := storedCSR(rt, in.Unit)
	if !ok {
		return steps.Check{State: steps.NotDone, Detail: "no CSR stored for " + in.Unit}, nil
	}
	pending, pemText, err := pendingCSR(ctx, rt, in.Access, in.Unit)
	if err != nil || !bytes.Equal(pending.RawSubjectPublicKeyInfo, stored.RawSubjectPublicKeyInfo) {
		return steps.Check{State: steps.NotDone, Detail: fmt.Sprintf(
			"%s no longer holds the stored CSR for %s", rt.Node.Name, in.Unit)}, nil
	}
	want, err := expectNodes(ctx, rt, in.Access, in.Unit, in.multi(), in.ExpectNodes)
	if err != nil {
		return steps.Check{}, err
	}
	res := describeCSR(pending, pemText, want)
	res.Unit, res.Distribution = in.Unit, in.Distribution
	res.Path = storedPath(rt, in.Unit)
	return steps.Check{State: steps.Done, Result: res, Detail: fmt.Sprintf(
		"%s holds the CSR for %s stored in %s", rt.Node.Name, in.Unit, res.Path)}, nil
}

func storedPath(rt *steps.Runtime, unit string) string {
	if rt.Artifacts == nil {
		return ""
	}
	return rt.Artifacts.Dir() + string(os.PathSeparator) + csrArtifact(rt.Node.Name, unit)
}

func storedCSR(rt *steps.Runtime, unit string) (*x509.CertificateRequest, bool) {
	p := storedPath(rt, unit)
	if p == "" {
		return nil, false
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	csr, err := x509inspect.CSR(data)
	return csr, err == nil
}
