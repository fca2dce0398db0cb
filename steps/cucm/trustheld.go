package cucm

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
	"github.com/ucops/runbook/steps/cucm/platform"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// A trust store names a certificate after its CN, so a name says nothing
// of which certificate a file holds: a CA re-created under the same name
// (a new lab CA, a renewed enterprise CA with a new key) has the same
// file name as the old one. What a store holds is therefore compared
// certificate by certificate: by the PEM where the node shows it (the
// REST API), else by serial number and issuer (show cert trust).

// trustHeld is what a trust store holds of one certificate.
type trustHeld struct {
	cert *x509.Certificate
	// file is the store/file that holds it; empty when none does.
	file string
	// other says what the file of its name holds instead, when it does.
	other string
}

// lack says why the store does not hold h's certificate.
func (h trustHeld) lack(store string) string {
	what := fmt.Sprintf("%s (serial %s)", x509inspect.Label(h.cert), serialOf(h.cert))
	if h.other != "" {
		return what + ": " + h.other
	}
	return fmt.Sprintf("%s: no %s/%s", what, store, trustFile(h.cert))
}

// serialOf is a certificate's serial as the CLI prints it.
func serialOf(c *x509.Certificate) string {
	return strings.ToUpper(c.SerialNumber.Text(16))
}

// missingHeld returns the certificates of held that the store lacks.
func missingHeld(held []trustHeld) []trustHeld {
	return slices.DeleteFunc(slices.Clone(held), func(h trustHeld) bool { return h.file != "" })
}

// storeHolds reads what the trust store of unit holds of certs: over the
// REST API with method api, else over the CLI.
func storeHolds(ctx context.Context, rt *steps.Runtime, acc Access, api API, method, unit string,
	certs []*x509.Certificate) ([]trustHeld, error) {
	if method == "api" {
		return heldByAPI(ctx, rt, acc, api, unit, certs)
	}
	return heldByCLI(ctx, rt, acc, trustStore(unit), certs)
}

// heldByCLI lists the store (show cert list trust) and shows each file
// that may hold one of certs (show cert trust STORE/FILE).
func heldByCLI(ctx context.Context, rt *steps.Runtime, acc Access, store string,
	certs []*x509.Certificate) ([]trustHeld, error) {
	list, err := readParsed(ctx, rt, acc, "show cert list trust", parse.CertList)
	if err != nil {
		return nil, err
	}
	show := trustShower(ctx, rt, acc)
	held := make([]trustHeld, len(certs))
	for i, c := range certs {
		held[i] = trustHeld{cert: c}
		for _, e := range trustCandidates(list, store, c) {
			d, err := show(e.Path())
			if err != nil {
				return nil, err
			}
			if holdsCert(d, c) {
				held[i].file, held[i].other = e.Path(), ""
				break
			}
			if held[i].other == "" {
				held[i].other = otherCert(e.Path(), d.Serial(), d.Issuer())
			}
		}
	}
	return held, nil
}

// trustShower returns a function that shows a trust file once and
// remembers what it printed.
func trustShower(ctx context.Context, rt *steps.Runtime,
	acc Access) func(path string) (parse.Certificate, error) {
	shown := map[string]parse.Certificate{}
	return func(path string) (parse.Certificate, error) {
		if d, ok := shown[path]; ok {
			return d, nil
		}
		d, err := readParsed(ctx, rt, acc, "show cert trust "+path, parse.CertDetail)
		if err == nil {
			shown[path] = d
		}
		return d, err
	}
}

// otherCert says what a file of a certificate's name holds instead.
func otherCert(path, serial, issuer string) string {
	return fmt.Sprintf("%s holds another certificate (serial %s, issued by %s)",
		path, serial, issuer)
}

// trustCandidates returns the files of store that may hold c: the one
// named after its CN first, then others whose name starts like it (in case
// a release keeps two CAs of one name under different file names).
func trustCandidates(list []parse.CertEntry, store string, c *x509.Certificate) []parse.CertEntry {
	name := trustFile(c)
	base := strings.ToLower(strings.TrimSuffix(name, ".pem"))
	var exact, similar []parse.CertEntry
	for _, e := range list {
		switch {
		case !strings.EqualFold(e.Unit, store):
		case strings.EqualFold(e.File, name):
			exact = append(exact, e)
		case strings.HasPrefix(strings.ToLower(e.File), base):
			similar = append(similar, e)
		}
	}
	return append(exact, similar...)
}

// holdsCert tells whether what show cert trust printed is c: the same
// certificate when it printed the PEM, else the same serial and issuer.
func holdsCert(d parse.Certificate, c *x509.Certificate) bool {
	if d.Cert != nil {
		return d.Cert.Equal(c)
	}
	return d.Serial() == serialOf(c) && sameIssuer(d.Issuer(), c.Issuer)
}

var cnValue = regexp.MustCompile(`(?i)(?:^|[^\\],)\s*CN=("(?:\\.|[^"])*"|(?:\\.|[^,])*)`)

// sameIssuer compares an issuer name as the CLI prints it (Java's form,
// attribute order and spacing vary by release) with n: by CN when both
// have one, else by the whole name without spaces or case.
func sameIssuer(printed string, n pkix.Name) bool {
	if m := cnValue.FindStringSubmatch(printed); m != nil && n.CommonName != "" {
		return strings.EqualFold(dnValue(m[1]), n.CommonName)
	}
	squash := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	return squash(printed) == squash(n.String())
}

// dnValue undoes the quoting and escapes of an attribute value in a
// distinguished name: "quoted", \, (a character) and \2C (a byte in hex).
func dnValue(v string) string {
	v = strings.TrimLeft(v, " ")
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		switch {
		case v[i] != '\\' || i+1 == len(v):
			b.WriteByte(v[i])
		case i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			x, _ := strconv.ParseUint(v[i+1:i+3], 16, 8)
			b.WriteByte(byte(x))
			i += 2
		default:
			i++
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// heldByAPI reads the store over the REST API, which gives each
// certificate's PEM.
func heldByAPI(ctx context.Context, rt *steps.Runtime, acc Access, api API, unit string,
	certs []*x509.Certificate) ([]trustHeld, error) {
	c, err := apiClient(rt, acc, api)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	list, err := c.Trust(ctx, trustUnit(unit))
	if err != nil {
		return nil, apiError(rt.Node.Name, err)
	}
	store := trustStore(unit)
	held := make([]trustHeld, len(certs))
	for i, cert := range certs {
		held[i] = heldIn(list, store, cert)
	}
	return held, nil
}

// heldIn finds cert in a store's listing from the REST API.
func heldIn(list []platform.Cert, store string, cert *x509.Certificate) trustHeld {
	h := trustHeld{cert: cert}
	for _, l := range list {
		path := store + "/" + l.Name
		if apiHolds(l, cert) {
			return trustHeld{cert: cert, file: path}
		}
		if h.other == "" && strings.EqualFold(l.Name, trustFile(cert)) {
			h.other = otherCert(path, l.SerialNumber, l.Issuer)
		}
	}
	return h
}

// apiHolds tells whether a listed certificate is cert: by its PEM, else by
// serial and issuer.
func apiHolds(l platform.Cert, cert *x509.Certificate) bool {
	if certs, err := x509inspect.Parse([]byte(l.Certificate)); err == nil && len(certs.Certs) > 0 {
		return certs.Certs[0].Equal(cert)
	}
	serial := strings.TrimLeft(strings.ToUpper(strings.ReplaceAll(l.SerialNumber, ":", "")), "0")
	return serial == serialOf(cert) && sameIssuer(l.Issuer, cert.Issuer)
}
