package adcs

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"github.com/ucops/runbook/steps"
)

// record is what the run keeps of a request, so the step can pick it up
// again instead of submitting the CSR twice.
type record struct {
	URL       string `json:"url"`
	Template  string `json:"template"`
	CSRSHA256 string `json:"csr_sha256"`
	RequestID int    `json:"request_id"`
	State     string `json:"state"`
	Message   string `json:"message"`
}

func prefix(rt *steps.Runtime) string {
	p := "adcs-submit"
	if rt.Step != "" {
		p = rt.Step
	}
	if rt.Node != nil {
		p += "-" + rt.Node.Name
	}
	return p
}

func recordName(rt *steps.Runtime) string { return prefix(rt) + "-adcs-request.json" }

func artifactNames(rt *steps.Runtime) (cert, chain string) {
	return prefix(rt) + "-cert.pem", prefix(rt) + "-chain.pem"
}

func csrDigest(csr *x509.CertificateRequest) string {
	sum := sha256.Sum256(csr.Raw)
	return hex.EncodeToString(sum[:])
}

// loadRecord returns the request recorded for this CSR, URL and template.
func loadRecord(rt *steps.Runtime, in *Input, csr *x509.CertificateRequest) (record, bool) {
	if rt.Artifacts == nil {
		return record{}, false
	}
	data, err := os.ReadFile(filepath.Join(rt.Artifacts.Dir(), recordName(rt)))
	var rec record
	if err != nil || json.Unmarshal(data, &rec) != nil {
		return record{}, false
	}
	ok := rec.URL == in.URL && rec.Template == in.Template && rec.CSRSHA256 == csrDigest(csr) &&
		rec.RequestID > 0
	return rec, ok
}

func saveRecord(rt *steps.Runtime, in *Input, csr *x509.CertificateRequest, r Reply) error {
	if rt.Artifacts == nil {
		return nil
	}
	rec := record{URL: in.URL, Template: in.Template, CSRSHA256: csrDigest(csr),
		RequestID: r.RequestID, State: r.State, Message: r.Message}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	_, err = rt.Artifacts.Write(recordName(rt), append(data, '\n'))
	return err
}

// recordOutcome notes a denial found while collecting, so that the next
// run submits afresh instead of collecting a request that will never be
// issued.
func recordOutcome(rt *steps.Runtime, in *Input, csr *x509.CertificateRequest, err error) {
	var de *DispositionError
	if !errors.As(err, &de) || de.State != Denied || in.RequestID > 0 {
		return
	}
	// Best effort: without the note the next run collects the denial again.
	_ = saveRecord(rt, in, csr, Reply{State: Denied, RequestID: de.RequestID, Message: de.Message})
}

func writeArtifacts(rt *steps.Runtime, res *Result) error {
	if rt.Artifacts == nil {
		return nil
	}
	cert, chain := artifactNames(rt)
	var err error
	if res.CertificateFile, err = rt.Artifacts.Write(cert, []byte(res.Certificate)); err != nil {
		return err
	}
	res.ChainFile, err = rt.Artifacts.Write(chain, []byte(res.Chain))
	return err
}

// existingArtifacts fills the artifact paths of files that already hold
// what writeArtifacts would write; a check writes nothing.
func existingArtifacts(rt *steps.Runtime, res *Result) {
	if rt.Artifacts == nil {
		return
	}
	cert, chain := artifactNames(rt)
	res.CertificateFile = sameContent(filepath.Join(rt.Artifacts.Dir(), cert), res.Certificate)
	res.ChainFile = sameContent(filepath.Join(rt.Artifacts.Dir(), chain), res.Chain)
}

func sameContent(path, want string) string {
	if data, err := os.ReadFile(path); err == nil && string(data) == want {
		return path
	}
	return ""
}
