// Package ca implements ca.sign: a local certificate authority for labs,
// tests and the demo. It is created on first use in a directory (by
// default the run's artifacts), optionally with an intermediate so chains
// have two levels, and signs CSRs with a profile (server, or server and
// client authentication), keeping the CSR's subject and alternative names.
//
// ca.sign counts as mutating although it changes nothing on the target
// system: it creates CA keys and issues certificates, which plan must not
// do, and a second signature would give a different certificate. Its check
// finds a certificate already issued for the CSR's key, and Run returns
// that one instead of signing again, so a resumed run hands the same
// certificate on. Reading CSRs is left to steps/x509; uploading the result
// is the CUCM family's business.
package ca

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// Input is the `with` block of ca.sign.
type Input struct {
	CSR          string `yaml:"csr" required:"true" doc:"the CSR: PEM text (an earlier output) or a file path"`
	Profile      string `yaml:"profile" enum:"server,server-client" default:"server" doc:"server: Server Authentication; server-client: also Client Authentication"`
	Dir          string `yaml:"dir" doc:"directory of the CA, made on first use; default local-ca in the artifacts"`
	Name         string `yaml:"name" default:"Runbook Lab" doc:"name of a new CA: \"NAME Root CA\" and \"NAME Issuing CA\""`
	Intermediate bool   `yaml:"intermediate" doc:"sign with an intermediate, so the chain has two levels"`
	Days         int    `yaml:"days" default:"365" doc:"validity in days, never past the CA's own"`
	KeyType      string `yaml:"ca_key" enum:"rsa-2048,rsa-3072,rsa-4096,ec-p256,ec-p384" default:"rsa-2048" doc:"key of CA certificates it creates"`
}

// Result is what ca.sign outputs.
type Result struct {
	Certificate     string    `json:"certificate" doc:"the signed certificate, PEM"`
	CertificateFile string    `json:"certificate_file" doc:"artifact holding the certificate"`
	Chain           string    `json:"chain" doc:"the CA certificates, root first, PEM: the trust upload order"`
	ChainCerts      []string  `json:"chain_certs" doc:"the CA certificates one by one, root first"`
	ChainFile       string    `json:"chain_file" doc:"artifact holding chain"`
	FullChainFile   string    `json:"fullchain_file" doc:"artifact with the certificate, then the CA certificates"`
	Serial          string    `json:"serial" doc:"serial number of the certificate, hex"`
	SHA256          string    `json:"sha256" doc:"SHA-256 fingerprint of the certificate"`
	NotAfter        time.Time `json:"not_after" doc:"end of the certificate's validity"`
	Profile         string    `json:"profile" doc:"the profile it was signed with"`
	CADir           string    `json:"ca_dir" doc:"directory of the CA"`
	RootFile        string    `json:"root_file" doc:"the root CA certificate file"`
	RootSHA256      string    `json:"root_sha256" doc:"SHA-256 fingerprint of the root"`
	IssuingFile     string    `json:"issuing_file" doc:"the intermediate's certificate file, if any"`
	IssuingSHA256   string    `json:"issuing_sha256" doc:"SHA-256 fingerprint of the intermediate, if any"`
	Reused          bool      `json:"reused" doc:"an earlier certificate for this key was returned"`
}

// Actions returns the ca family's actions.
func Actions() []steps.Action {
	return []steps.Action{
		steps.Func[Input, Result]{
			Name:    "ca.sign",
			Doc:     "Sign a CSR with a local lab CA, created on first use.",
			Mutates: true,
			Run:     sign,
			Check:   signed,
		}.Action(),
	}
}

func sign(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	csr, dir, err := prepare(rt, in)
	if err != nil {
		return nil, err
	}
	a, err := Open(dir, in.Name, in.KeyType, in.Intermediate)
	if err != nil {
		return nil, fmt.Errorf("CA in %s: %w", dir, err)
	}
	cert, reused, err := a.Sign(csr, in.Profile, in.Days)
	if err != nil {
		return nil, err
	}
	res := result(a, cert, in.Profile, reused)
	if err := writeArtifacts(rt, res); err != nil {
		return nil, err
	}
	rt.Progress("%s signed by %s (serial %s, until %s)", x509inspect.Label(cert),
		x509inspect.Label(a.Issuer().Cert), res.Serial, res.NotAfter.Format(time.DateOnly))
	return res, nil
}

// signed is ca.sign's check: done when the CA already issued a
// certificate for this CSR's key with this profile.
func signed(ctx context.Context, rt *steps.Runtime, in *Input) (steps.Check, error) {
	csr, dir, err := prepare(rt, in)
	if err != nil {
		return steps.Check{}, err
	}
	a, err := Peek(dir)
	if err != nil || a == nil {
		return notDone("no CA in " + dir + " yet"), err
	}
	if in.Intermediate && a.Issuing == nil {
		return notDone("the CA in " + dir + " has no intermediate yet"), nil
	}
	if !in.Intermediate {
		a.Issuing = nil
	}
	cert, err := a.Issued(csr, in.Profile)
	if err != nil || cert == nil {
		return notDone(fmt.Sprintf("the CA in %s has issued no %s certificate for this CSR's key",
			dir, in.Profile)), err
	}
	res := result(a, cert, in.Profile, true)
	existingArtifacts(rt, res)
	return steps.Check{State: steps.Done, Result: res, Detail: fmt.Sprintf(
		"%s already issued %s (serial %s)", x509inspect.Label(a.Issuer().Cert),
		x509inspect.Label(cert), res.Serial)}, nil
}

func notDone(detail string) steps.Check { return steps.Check{State: steps.NotDone, Detail: detail} }

func prepare(rt *steps.Runtime, in *Input) (*x509.CertificateRequest, string, error) {
	data, err := x509inspect.Read(rt, in.CSR)
	if err != nil {
		return nil, "", fmt.Errorf("read CSR: %w", err)
	}
	csr, err := x509inspect.CSR(data)
	if err != nil {
		return nil, "", fmt.Errorf("read CSR: %w", err)
	}
	dir := rt.Path(in.Dir)
	if dir == "" {
		if rt.Artifacts == nil {
			return nil, "", errors.New("no dir for the CA: set dir, " +
				"or run where the run keeps artifacts")
		}
		dir = filepath.Join(rt.Artifacts.Dir(), "local-ca")
	}
	if in.Days <= 0 {
		return nil, "", fmt.Errorf("days must be at least 1, got %d", in.Days)
	}
	return csr, dir, nil
}

func result(a *Authority, cert *x509.Certificate, profile string, reused bool) *Result {
	d := x509inspect.Describe(cert)
	res := &Result{
		Certificate: string(pemOf(cert)),
		Serial:      d.Serial,
		SHA256:      d.SHA256,
		NotAfter:    d.NotAfter,
		Profile:     profile,
		CADir:       a.Dir,
		RootFile:    a.Root.CertFile,
		RootSHA256:  x509inspect.Fingerprint(a.Root.Cert.Raw),
		Reused:      reused,
	}
	if a.Issuing != nil {
		res.IssuingFile = a.Issuing.CertFile
		res.IssuingSHA256 = x509inspect.Fingerprint(a.Issuing.Cert.Raw)
	}
	for _, c := range a.Chain() {
		res.ChainCerts = append(res.ChainCerts, string(pemOf(c)))
	}
	res.Chain = strings.Join(res.ChainCerts, "")
	return res
}

// artifactNames returns the artifact names for the step (and target).
func artifactNames(rt *steps.Runtime) (cert, chain, full string) {
	prefix := "ca-sign"
	if rt.Step != "" {
		prefix = rt.Step
	}
	if rt.Node != nil {
		prefix += "-" + rt.Node.Name
	}
	return prefix + "-cert.pem", prefix + "-chain.pem", prefix + "-fullchain.pem"
}

func writeArtifacts(rt *steps.Runtime, res *Result) error {
	if rt.Artifacts == nil {
		return nil
	}
	cert, chain, full := artifactNames(rt)
	var err error
	if res.CertificateFile, err = rt.Artifacts.Write(cert, []byte(res.Certificate)); err != nil {
		return err
	}
	if res.ChainFile, err = rt.Artifacts.Write(chain, []byte(res.Chain)); err != nil {
		return err
	}
	res.FullChainFile, err = rt.Artifacts.Write(full, []byte(fullChain(res)))
	return err
}

// existingArtifacts fills the artifact paths a check can vouch for: files
// already holding what Run would write.
func existingArtifacts(rt *steps.Runtime, res *Result) {
	if rt.Artifacts == nil {
		return
	}
	cert, chain, full := artifactNames(rt)
	res.CertificateFile = sameContent(rt.Artifacts.Dir(), cert, res.Certificate)
	res.ChainFile = sameContent(rt.Artifacts.Dir(), chain, res.Chain)
	res.FullChainFile = sameContent(rt.Artifacts.Dir(), full, fullChain(res))
}

func sameContent(dir, name, want string) string {
	p := filepath.Join(dir, name)
	if data, err := os.ReadFile(p); err == nil && string(data) == want {
		return p
	}
	return ""
}

// fullChain is the certificate then the CA certificates, leaf first.
func fullChain(res *Result) string {
	var b strings.Builder
	b.WriteString(res.Certificate)
	for i := len(res.ChainCerts) - 1; i >= 0; i-- {
		b.WriteString(res.ChainCerts[i])
	}
	return b.String()
}
