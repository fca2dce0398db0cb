package cucm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// CertListInput is the input of cucm.cert.list.
type CertListInput struct {
	Access `yaml:",inline"`
	Store  string `yaml:"store" default:"own" enum:"own,trust" doc:"own for the node's identity certificates, trust for its trust stores."`
	Unit   string `yaml:"unit" doc:"Only this unit or trust store, such as tomcat or tomcat-trust."`
}

// CertEntry is one certificate file of a node.
type CertEntry struct {
	Unit        string `json:"unit" doc:"Unit or trust store, such as tomcat or tomcat-trust."`
	File        string `json:"file" doc:"File name, such as tomcat.pem."`
	Description string `json:"description" doc:"What the CLI says of it."`
	SelfSigned  bool   `json:"self_signed" doc:"Whether it is self-signed."`
	Issuer      string `json:"issuer" doc:"Issuer, for a certificate signed by a CA."`
}

// CertListResult is the output of cucm.cert.list.
type CertListResult struct {
	Certificates []CertEntry `json:"certificates" doc:"Every certificate listed."`
	Units        []string    `json:"units" doc:"Units or stores listed, in order."`
	SelfSigned   []string    `json:"self_signed" doc:"Identity units with no CA-signed certificate."`
	Leftovers    []string    `json:"leftovers" doc:"Self-signed files still listed beside a CA-signed one (CSCur97909)."`
}

func certListAction() steps.Action {
	return steps.Func[CertListInput, CertListResult]{
		Name: "cucm.cert.list",
		Doc:  "Lists the node's identity certificates or trust stores (show cert list own|trust).",
		Run:  certList,
	}.Action()
}

func certList(ctx context.Context, rt *steps.Runtime, in *CertListInput) (*CertListResult, error) {
	list, err := readParsed(ctx, rt, in.Access, "show cert list "+in.Store, parse.CertList)
	if err != nil {
		return nil, err
	}
	res := &CertListResult{Certificates: []CertEntry{}, Units: []string{},
		SelfSigned: []string{}, Leftovers: []string{}}
	for _, e := range list {
		if in.Unit != "" && !strings.EqualFold(e.Unit, in.Unit) {
			continue
		}
		res.Certificates = append(res.Certificates, CertEntry{Unit: e.Unit, File: e.File,
			Description: e.Description, SelfSigned: e.SelfSigned, Issuer: e.Issuer})
		if !slices.Contains(res.Units, e.Unit) {
			res.Units = append(res.Units, e.Unit)
		}
	}
	if in.Store == "own" {
		res.selfSigned()
	}
	return res, nil
}

// selfSigned fills SelfSigned and Leftovers.
func (r *CertListResult) selfSigned() {
	for _, unit := range r.Units {
		signed := slices.ContainsFunc(r.Certificates, func(e CertEntry) bool {
			return e.Unit == unit && !e.SelfSigned
		})
		if !signed {
			r.SelfSigned = append(r.SelfSigned, unit)
			continue
		}
		for _, e := range r.Certificates {
			if e.Unit == unit && e.SelfSigned {
				r.Leftovers = append(r.Leftovers, unit+"/"+e.File)
			}
		}
	}
}

// CertShowInput is the input of cucm.cert.show.
type CertShowInput struct {
	Access `yaml:",inline"`
	Unit   string `yaml:"unit" required:"true" doc:"Identity unit, such as tomcat or CallManager."`
}

// CertShowResult is the output of cucm.cert.show.
type CertShowResult struct {
	Unit       string   `json:"unit" doc:"The unit shown."`
	Subject    string   `json:"subject" doc:"Subject name."`
	Issuer     string   `json:"issuer" doc:"Issuer name."`
	Serial     string   `json:"serial" doc:"Serial number in upper-case hexadecimal."`
	NotBefore  string   `json:"not_before" doc:"Start of validity, as printed."`
	NotAfter   string   `json:"not_after" doc:"End of validity, as printed."`
	SANs       []string `json:"sans" doc:"DNS subject alternative names."`
	Key        string   `json:"key" doc:"Key type and size, such as RSA 2048 bits."`
	SelfSigned bool     `json:"self_signed" doc:"Whether subject and issuer are the same."`
	PEM        string   `json:"pem" doc:"The certificate in PEM, when the CLI prints it."`
	SHA256     string   `json:"sha256" doc:"SHA-256 fingerprint, when the PEM is known."`
}

func certShowAction() steps.Action {
	return steps.Func[CertShowInput, CertShowResult]{
		Name: "cucm.cert.show",
		Doc:  "Shows the node's identity certificate of a unit (show cert own UNIT).",
		Run:  certShow,
	}.Action()
}

func certShow(ctx context.Context, rt *steps.Runtime, in *CertShowInput) (*CertShowResult, error) {
	c, err := readParsed(ctx, rt, in.Access, "show cert own "+in.Unit, parse.CertDetail)
	if err != nil {
		return nil, err
	}
	res := &CertShowResult{Unit: in.Unit, Subject: c.Subject(), Issuer: c.Issuer(),
		Serial: c.Serial(), NotBefore: c.Fields["Validity From"], NotAfter: c.Fields["To"],
		SANs: c.SANs(), Key: c.Fields["Key"], PEM: c.PEM}
	if c.Cert != nil {
		res.NotBefore = c.Cert.NotBefore.UTC().Format(time.RFC3339)
		res.NotAfter = c.Cert.NotAfter.UTC().Format(time.RFC3339)
		sum := sha256.Sum256(c.Cert.Raw)
		res.SHA256 = hex.EncodeToString(sum[:])
	}
	if res.SANs == nil {
		res.SANs = []string{}
	}
	res.SelfSigned = res.Subject != "" && res.Subject == res.Issuer
	return res, nil
}

// ownCert reads the node's installed certificate of unit; it fails when
// the CLI printed no serial number.
func ownCert(ctx context.Context, rt *steps.Runtime, acc Access, unit string) (parse.Certificate, error) {
	c, err := readParsed(ctx, rt, acc, "show cert own "+unit, parse.CertDetail)
	if err != nil {
		return c, err
	}
	if c.Serial() == "" {
		return c, fmt.Errorf("show cert own %s on %s printed no serial number", unit, rt.Node.Name)
	}
	return c, nil
}
