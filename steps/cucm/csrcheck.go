package cucm

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// CSRResult is the output of cucm.csr.generate and cucm.csr.download.
type CSRResult struct {
	Unit         string   `json:"unit" doc:"Certificate unit."`
	Distribution string   `json:"distribution" doc:"this-server or multi-server."`
	Method       string   `json:"method" doc:"How the CSR was made: api, cli, gui or download."`
	PEM          string   `json:"pem" doc:"The CSR in PEM."`
	Path         string   `json:"path" doc:"Artifact file holding the CSR."`
	CommonName   string   `json:"common_name" doc:"Subject common name."`
	SANs         []string `json:"sans" doc:"DNS subject alternative names."`
	Nodes        []string `json:"nodes" doc:"Expected cluster nodes the CSR names."`
	Missing      []string `json:"missing" doc:"Expected cluster nodes the CSR does not name."`
	KeyType      string   `json:"key_type" doc:"RSA or EC."`
	KeySize      int      `json:"key_size" doc:"Key size in bits."`
	Hash         string   `json:"hash" doc:"Signature hash, such as SHA256."`
	CNInSAN      bool     `json:"cn_in_san" doc:"Whether the CN is also a SAN (not on 10.5.2, CSCus47235)."`
	ClientAuth   bool     `json:"client_auth" doc:"Whether the CSR asks for TLS client authentication."`
	PublicKey    string   `json:"public_key_sha256" doc:"SHA-256 of the public key, which ties a signed certificate to this CSR."`
	Warnings     []string `json:"warnings" doc:"Findings that do not stop the step."`
}

// describeCSR fills a result from a parsed CSR and the nodes it must name.
func describeCSR(csr *x509.CertificateRequest, pemText []byte, want []string) *CSRResult {
	d := x509inspect.DescribeCSR(csr)
	names := append([]string{d.CN}, d.DNSNames...)
	res := &CSRResult{PEM: string(pemText), CommonName: d.CN, SANs: d.DNSNames,
		Missing: missingNames(want, names), KeyType: d.KeyType, KeySize: d.KeySize,
		Hash: strings.ReplaceAll(d.SignatureHash, "-", ""), ClientAuth: d.ClientAuth,
		PublicKey: keyHash(csr.RawSubjectPublicKeyInfo), Warnings: []string{}}
	res.Nodes = commonNames(want, names)
	res.CNInSAN = d.CN == "" || slices.ContainsFunc(d.DNSNames, func(n string) bool {
		return strings.EqualFold(n, d.CN)
	})
	if !res.CNInSAN {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the CN %s is not among the SANs "+
			"(CSCus47235); Expressway/MRA needs every node name as a SAN", d.CN))
	}
	if res.Missing == nil {
		res.Missing = []string{}
	}
	return res
}

func keyHash(spki []byte) string {
	sum := sha256.Sum256(spki)
	return hex.EncodeToString(sum[:])
}

// check returns the problems that make a CSR unfit to be signed.
func (r *CSRResult) check(csr *x509.CertificateRequest) []string {
	var problems []string
	if len(r.Missing) > 0 {
		problems = append(problems, fmt.Sprintf("it does not name %s: a node drops out of a "+
			"multi-server CSR when its Cisco Tomcat or Platform Administrative Web Service "+
			"is down; start them there (cucm.service.status shows them) and generate "+
			"the CSR again", strings.Join(r.Missing, ", ")))
	}
	if d := x509inspect.DescribeCSR(csr); d.Wildcard {
		problems = append(problems, "it uses a wildcard name, which CUCM does not support")
	}
	return problems
}

// checkRequested returns the ways a CSR differs from the key and hash the
// step asks for.
func (r *CSRResult) checkRequested(in *CSRInput) []string {
	var problems []string
	if !strings.EqualFold(r.KeyType, in.KeyType) || r.KeySize != in.KeySize {
		problems = append(problems, fmt.Sprintf("it has an %s %d key, the step asks for %s %d",
			r.KeyType, r.KeySize, in.KeyType, in.KeySize))
	}
	if !strings.EqualFold(r.Hash, in.Hash) {
		problems = append(problems, fmt.Sprintf("it is signed with %s, the step asks for %s",
			r.Hash, in.Hash))
	}
	return problems
}

// pendingCSR reads the CSR the node holds for unit (show csr own).
func pendingCSR(ctx context.Context, rt *steps.Runtime, acc Access,
	unit string) (*x509.CertificateRequest, []byte, error) {
	cmd := "show csr own " + unit
	out, err := read(ctx, rt, acc, cmd)
	if err != nil {
		return nil, nil, err
	}
	csr, pemText, err := parse.CSR(out)
	if errors.Is(err, parse.ErrNoCSR) {
		return nil, nil, fmt.Errorf("%s holds no pending CSR for %s: %w", rt.Node.Name, unit, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s on %s: %w", cmd, rt.Node.Name, err)
	}
	return csr, pemText, nil
}

// csrArtifact names the file a node's CSR for unit is kept in.
func csrArtifact(node, unit string) string {
	return fmt.Sprintf("%s.%s.csr.pem", node, unit)
}

// storeCSR writes the CSR as an artifact, unless the engine is planning.
func storeCSR(rt *steps.Runtime, res *CSRResult) error {
	if rt.Artifacts == nil || rt.Planning {
		return nil
	}
	path, err := rt.Artifacts.Write(csrArtifact(rt.Node.Name, res.Unit), []byte(res.PEM))
	if err != nil {
		return fmt.Errorf("store the CSR: %w", err)
	}
	res.Path = path
	return nil
}

// CSRDownloadInput is the input of cucm.csr.download.
type CSRDownloadInput struct {
	Access       `yaml:",inline"`
	Unit         string   `yaml:"unit" required:"true" doc:"Certificate unit, such as tomcat."`
	Distribution string   `yaml:"distribution" default:"this-server" enum:"this-server,multi-server" doc:"Whether the CSR should name this node or every node holding the unit."`
	ExpectNodes  []string `yaml:"expect_nodes" doc:"FQDNs the CSR should name; by default from show network cluster."`
}

func csrDownloadAction() steps.Action {
	return steps.Func[CSRDownloadInput, CSRResult]{
		Name: "cucm.csr.download",
		Doc: "Reads the node's pending CSR of a unit (show csr own UNIT), reports the " +
			"cluster nodes it names and misses, and stores it as an artifact.",
		Run: csrDownload,
	}.Action()
}

func csrDownload(ctx context.Context, rt *steps.Runtime, in *CSRDownloadInput) (*CSRResult, error) {
	if _, err := rt.Target(); err != nil {
		return nil, err
	}
	csr, pemText, err := pendingCSR(ctx, rt, in.Access, in.Unit)
	if err != nil {
		return nil, err
	}
	multi := in.Distribution == "multi-server"
	want, err := expectNodes(ctx, rt, in.Access, in.Unit, multi, in.ExpectNodes)
	if err != nil {
		return nil, err
	}
	res := describeCSR(csr, pemText, want)
	res.Unit, res.Distribution, res.Method = in.Unit, in.Distribution, "download"
	return res, storeCSR(rt, res)
}
