// Package x509inspect implements the x509.inspect action: it reads a CSR,
// a certificate or a chain (PEM, DER or PKCS#7, from a file or from an
// earlier step's output), describes it (names, key, signature hash, key
// usages, wildcard use, chain order) and checks a runbook's expectations,
// failing with one line per expectation that does not hold.
//
// It also exports the parsing and description helpers the other
// certificate families share: tls.probe (steps/tlsprobe) describes served
// chains with Describe, ca.sign (steps/ca) and adcs.submit (steps/adcs)
// read CSRs with CSR and chains with ParsePKCS7 and SortChain. Signing,
// fetching and uploading are theirs; this package only reads.
package x509inspect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucops/runbook/steps"
)

// Input is the `with` block of x509.inspect.
type Input struct {
	Source string `yaml:"source" required:"true" doc:"the CSR, certificate or chain: a file path (PEM or DER) or PEM text such as an earlier step's output"`
	Expect Expect `yaml:"expect" doc:"what must hold; each violation fails the step with its own line"`
}

// Result is what x509.inspect outputs.
type Result struct {
	Kind         string `json:"kind" doc:"csr, certificate or chain"`
	Count        int    `json:"count" doc:"how many certificates or CSRs the source holds"`
	Leaf         Cert   `json:"leaf" doc:"the CSR, the single certificate, or the chain's end-entity certificate"`
	Certificates []Cert `json:"certificates" doc:"every certificate in the order given (empty for a CSR)"`
	Order        string `json:"order" doc:"single, leaf-first, root-first or unordered"`
	Complete     bool   `json:"complete" doc:"the chain ends in a self-signed root"`
}

// Actions returns the x509 family's actions.
func Actions() []steps.Action {
	return []steps.Action{
		steps.Func[Input, Result]{
			Name: "x509.inspect",
			Doc:  "Describe a CSR, certificate or chain and check expectations about it.",
			Run:  inspect,
		}.Action(),
	}
}

func inspect(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	data, err := Read(rt, in.Source)
	if err != nil {
		return nil, err
	}
	b, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shortRef(in.Source), err)
	}
	res, subj, err := describe(b)
	if err != nil {
		return nil, err
	}
	subj.now = time.Now()
	if v := in.Expect.check(subj); len(v) > 0 {
		return res, v
	}
	return res, nil
}

// Inspect describes the bundle b and checks e against it, for callers in
// Go: nil error means every expectation holds.
func Inspect(b *Bundle, e Expect, now time.Time) (*Result, error) {
	res, subj, err := describe(b)
	if err != nil {
		return nil, err
	}
	subj.now = now
	if v := e.check(subj); len(v) > 0 {
		return res, v
	}
	return res, nil
}

func describe(b *Bundle) (*Result, subject, error) {
	switch {
	case len(b.CSRs) > 1:
		return nil, subject{}, errors.New("holds more than one CSR")
	case len(b.CSRs) == 1:
		leaf := DescribeCSR(b.CSRs[0])
		res := &Result{Kind: "csr", Count: 1, Leaf: leaf, Certificates: []Cert{},
			Order: OrderSingle}
		return res, subject{noun: "CSR", leaf: leaf}, nil
	case len(b.Certs) == 0:
		return nil, subject{}, errors.New("holds no certificate or CSR")
	}
	res := &Result{Kind: "certificate", Count: len(b.Certs), Order: Order(b.Certs),
		Complete: Complete(b.Certs)}
	for _, c := range b.Certs {
		res.Certificates = append(res.Certificates, Describe(c))
	}
	leaf := b.Certs[0]
	if len(b.Certs) > 1 {
		res.Kind = "chain"
		if sorted, err := SortChain(b.Certs); err == nil {
			leaf = sorted[0]
		}
	}
	res.Leaf = Describe(leaf)
	return res, subject{noun: "certificate", leaf: res.Leaf, certs: b.Certs}, nil
}
