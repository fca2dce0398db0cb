package cucm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
	"github.com/ucops/runbook/steps/cucm/platform"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// heldCert is a node's installed certificate of a unit, as read.
type heldCert struct {
	file       string
	issuer     string
	issuerCN   string
	serial     string
	notAfter   time.Time // zero when the CLI did not say
	sans       []string
	selfSigned bool
	// noClientAuth is set when its extended key usages are known and
	// leave Client Authentication out.
	noClientAuth bool
	cert         *x509.Certificate // nil when the CLI printed no PEM
}

// key tells certificates apart across nodes: issuer and serial.
func (h *heldCert) key() string { return h.issuer + "/" + h.serial }

// storeCert is a certificate of a trust store, as read.
type storeCert struct {
	file string
	cert *x509.Certificate // nil when read by the CLI, which lists names only
}

// nodeRead is what the audit read of one node of the site.
type nodeRead struct {
	node      *steps.Node
	member    ClusterNode // its entry in show network cluster
	inCluster bool
	certs     map[string]*heldCert   // by unit
	leftovers map[string][]string    // self-signed files listed beside a CA-signed one, by unit
	trust     map[string][]storeCert // by store, lower case
	served    []*x509.Certificate    // the HTTPS chain, leaf first
	servedErr error
	err       error
}

// readNode reads what node holds of units, by method (cli or api), and
// what it serves on HTTPS when tomcat is audited.
func readNode(ctx context.Context, rt *steps.Runtime, in *AuditInput, method string,
	node *steps.Node, cluster *ClusterResult) *nodeRead {
	r := &nodeRead{node: node, certs: map[string]*heldCert{}, leftovers: map[string][]string{},
		trust: map[string][]storeCert{}}
	r.member, r.inCluster = self(cluster, node)
	units := r.units(in.Units)
	if len(units) == 0 {
		return r
	}
	nrt := *rt
	nrt.Node = node
	rt.Progress("%s: reading the %s certificates", node.Name, strings.Join(units, ", "))
	if method == "api" {
		r.err = r.readAPI(ctx, &nrt, in, units)
	} else {
		r.err = r.readCLI(ctx, &nrt, in.Access, units)
	}
	if r.err == nil && in.CheckServed && slices.Contains(units, "tomcat") {
		r.served, r.servedErr = servedChain(ctx, node, in.ProbeTimeout)
	}
	return r
}

// units returns the audited units the node holds, by its product.
func (r *nodeRead) units(audited []string) []string {
	var out []string
	for _, u := range audited {
		if r.inCluster && onProduct(u, r.member.Product) {
			out = append(out, u)
		}
	}
	return out
}

func (r *nodeRead) readCLI(ctx context.Context, rt *steps.Runtime, acc Access, units []string) error {
	own, err := readParsed(ctx, rt, acc, "show cert list own", parse.CertList)
	if err != nil {
		return err
	}
	for _, u := range units {
		c, err := readParsed(ctx, rt, acc, "show cert own "+u, parse.CertDetail)
		if err != nil {
			return err
		}
		h := heldFromCLI(c)
		var files []listedFile
		for _, e := range own {
			if strings.EqualFold(e.Unit, u) {
				files = append(files, listedFile{e.File, e.SelfSigned})
			}
		}
		h.file, r.leftovers[u] = sortOut(files)
		r.certs[u] = h
	}
	trust, err := readParsed(ctx, rt, acc, "show cert list trust", parse.CertList)
	if err != nil {
		return err
	}
	for _, e := range trust {
		store := strings.ToLower(e.Unit)
		r.trust[store] = append(r.trust[store], storeCert{file: e.File})
	}
	return nil
}

func (r *nodeRead) readAPI(ctx context.Context, rt *steps.Runtime, in *AuditInput, units []string) error {
	c, err := apiClient(rt, in.Access, in.API)
	if err != nil {
		return err
	}
	defer c.Close()
	snap, err := c.Snapshot(ctx)
	if err != nil {
		return apiError(rt.Node.Name, err)
	}
	for _, u := range units {
		if err := r.identityFromAPI(u, snap.Identity); err != nil {
			return err
		}
	}
	for _, t := range snap.Trust {
		cert, err := parsePEMCert(t.Certificate)
		if err != nil {
			return fmt.Errorf("REST API of %s: trust certificate %s/%s: %w", rt.Node.Name, t.Service, t.Name, err)
		}
		store := strings.ToLower(t.Service)
		r.trust[store] = append(r.trust[store], storeCert{file: t.Name, cert: cert})
	}
	return nil
}

// identityFromAPI picks unit's installed certificate out of a snapshot:
// the CA-signed one when there is one, the others being leftovers.
func (r *nodeRead) identityFromAPI(unit string, ids []platform.Cert) error {
	var files []listedFile
	byFile := map[string]*x509.Certificate{}
	for _, id := range ids {
		if !strings.EqualFold(id.Service, unit) {
			continue
		}
		cert, err := parsePEMCert(id.Certificate)
		if err != nil {
			return fmt.Errorf("REST API of %s: %s/%s: %w", r.node.Name, id.Service, id.Name, err)
		}
		files = append(files, listedFile{id.Name, selfSigned(cert)})
		byFile[id.Name] = cert
	}
	if len(files) == 0 {
		return fmt.Errorf("REST API of %s lists no %s certificate", r.node.Name, unit)
	}
	file, leftovers := sortOut(files)
	h := heldFromX509(byFile[file])
	h.file, r.leftovers[unit] = file, leftovers
	r.certs[unit] = h
	return nil
}

// listedFile is a unit's certificate file as a node lists it.
type listedFile struct {
	name       string
	selfSigned bool
}

// sortOut returns the installed file of a unit's listed files - the
// CA-signed one when there is one - and the self-signed leftovers beside
// it (CSCur97909).
func sortOut(files []listedFile) (string, []string) {
	i := slices.IndexFunc(files, func(f listedFile) bool { return !f.selfSigned })
	if i < 0 {
		if len(files) == 0 {
			return "", nil
		}
		return files[0].name, nil
	}
	var leftovers []string
	for _, f := range files {
		if f.selfSigned {
			leftovers = append(leftovers, f.name)
		}
	}
	return files[i].name, leftovers
}

func parsePEMCert(text string) (*x509.Certificate, error) {
	b, err := x509inspect.Parse([]byte(text))
	if err != nil {
		return nil, err
	}
	if len(b.Certs) == 0 {
		return nil, fmt.Errorf("no certificate in it")
	}
	return b.Certs[0], nil
}

func heldFromX509(c *x509.Certificate) *heldCert {
	h := &heldCert{issuer: c.Issuer.String(), issuerCN: c.Issuer.CommonName,
		serial: strings.ToUpper(c.SerialNumber.Text(16)), notAfter: c.NotAfter,
		sans: c.DNSNames, selfSigned: selfSigned(c), cert: c}
	if len(c.ExtKeyUsage) > 0 || len(c.UnknownExtKeyUsage) > 0 {
		h.noClientAuth = !slices.ContainsFunc(c.ExtKeyUsage, func(u x509.ExtKeyUsage) bool {
			return u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny
		})
	}
	return h
}

// OIDs of the extended key usages, as "show cert own" prints them.
const (
	oidClientAuth = "1.3.6.1.5.5.7.3.2"
	oidAnyUsage   = "2.5.29.37.0"
)

// heldFromCLI reads the text dump of "show cert own UNIT", or the PEM in
// it when there is one.
func heldFromCLI(c parse.Certificate) *heldCert {
	if c.Cert != nil {
		return heldFromX509(c.Cert)
	}
	h := &heldCert{issuer: c.Issuer(), serial: c.Serial(), sans: c.SANs(),
		notAfter: cliDate(c.Fields["To"])}
	h.issuerCN = cnOf(h.issuer)
	h.selfSigned = h.issuer != "" && h.issuer == c.Subject()
	if usage := c.Fields["Usage oids"]; usage != "" {
		h.noClientAuth = !strings.Contains(usage, oidClientAuth) && !strings.Contains(usage, oidAnyUsage)
	}
	return h
}

// cliDate parses a date as the CLI prints it (Java's Date.toString), or
// RFC 3339; zero when it cannot.
func cliDate(s string) time.Time {
	for _, layout := range []string{"Mon Jan 02 15:04:05 MST 2006", "Mon Jan 2 15:04:05 MST 2006",
		time.RFC3339} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t
		}
	}
	return time.Time{}
}

// cnOf returns the CN of a distinguished name written as text
// ("CN=Lab CA,O=Lab" or "CN=Lab CA, O=Lab"), or the whole name.
func cnOf(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && strings.EqualFold(k, "CN") {
			return strings.TrimSpace(v)
		}
	}
	return dn
}

// servedChain returns the chain node serves on its HTTPS port. It only
// shakes hands: the audit verifies what it gets and reports it.
func servedChain(ctx context.Context, node *steps.Node, timeout time.Duration) ([]*x509.Certificate, error) {
	addr := net.JoinHostPort(node.Address(), strconv.Itoa(node.Port("https", defaultHTTPSPort)))
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	d := tls.Dialer{Config: &tls.Config{ServerName: node.FQDN, MinVersion: tls.VersionTLS12,
		InsecureSkipVerify: true}} // verified by the audit against the trust store
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("HTTPS of %s (%s): %w", node.Name, addr, err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates, nil
}
