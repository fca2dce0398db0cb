package cucmsim

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"
)

// CSR distributions.
const (
	distThisServer = "this-server"
	// distMultiServer asks for one CSR covering the cluster.
	//
	// ASSUMPTION: the REST API value for a multi-server (SAN) CSR is not
	// documented publicly; public code only shows "this-server". The
	// simulator accepts "multi-server" on the REST API and the /sim/ GUI
	// stand-in. Drivers should keep the value a setting.
	distMultiServer = "multi-server"
)

// pendingCSR is a CSR a node generated and the key that waits for its
// certificate. A new CSR for the unit replaces it.
type pendingCSR struct {
	unit  string
	key   crypto.Signer
	csr   *x509.CertificateRequest
	pem   string
	multi bool
	nodes []string // FQDNs of the nodes a multi-server CSR names
}

// csrRequest is what the CLI, the REST API or the GUI stand-in asks for.
type csrRequest struct {
	unit         string
	distribution string // this-server (default) or multi-server
	commonName   string // default: the node's FQDN
	keyType      string // rsa (default) or ec
	keySize      int    // default 2048 (RSA) or 256 (EC)
	hash         string // sha256 (default), sha384 or sha512
	altNames     []string
	includeOU    bool
}

// generateCSR makes a CSR for a unit of n and makes its key the node's
// pending key for that unit, replacing any earlier one.
func (c *Cluster) generateCSR(n *node, req csrRequest) (*pendingCSR, error) {
	if err := c.checkCSRRequest(n, &req); err != nil {
		return nil, err
	}
	c.mu.Lock()
	names, nodes := c.csrNames(n, req)
	c.mu.Unlock()

	key, err := newKey(req.keyType, req.keySize)
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", req.unit, err)
	}
	tmpl := &x509.CertificateRequest{
		Subject:            subjectName(req.commonName, c.cfg.Subject, req.includeOU),
		DNSNames:           names,
		SignatureAlgorithm: signatureAlgorithm(req.keyType, req.hash),
		ExtraExtensions:    csrExtensions(req.unit, req.keyType),
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, fmt.Errorf("generate CSR for %s: %w", req.unit, err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, err
	}
	p := &pendingCSR{
		unit: req.unit, key: key, csr: csr, nodes: nodes,
		pem:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})),
		multi: req.distribution == distMultiServer,
	}
	c.mu.Lock()
	n.pending[req.unit] = p
	c.mu.Unlock()
	return p, nil
}

// checkCSRRequest validates req and fills in its defaults.
func (c *Cluster) checkCSRRequest(n *node, req *csrRequest) error {
	unit, ok := canonicalUnit(ownUnits(n.cucm), req.unit)
	if !ok {
		return fmt.Errorf("unknown certificate unit %q on %s; units: %s",
			req.unit, n.name, strings.Join(ownUnits(n.cucm), ", "))
	}
	req.unit = unit
	switch strings.ToLower(req.distribution) {
	case "", distThisServer, n.name, n.hostname(), n.fqdn():
		req.distribution = distThisServer
	case distMultiServer:
		req.distribution = distMultiServer
		if err := checkMultiServer(n, unit); err != nil {
			return err
		}
	default:
		return fmt.Errorf("distribution %q: want %s or %s", req.distribution,
			distThisServer, distMultiServer)
	}
	if req.commonName == "" {
		req.commonName = n.fqdn()
	}
	return checkKeyParams(req)
}

// checkMultiServer tells whether n may generate a multi-server CSR for
// unit: tomcat and CallManager on the CUCM publisher, cup-xmpp and
// cup-xmpp-s2s on the IM&P database publisher.
func checkMultiServer(n *node, unit string) error {
	if !multiServerUnit(unit) {
		return fmt.Errorf("unit %s has no multi-server distribution", unit)
	}
	if !n.dbPub {
		return fmt.Errorf("a multi-server CSR for %s is generated on the publisher, not on %s",
			unit, n.name)
	}
	return nil
}

// checkKeyParams applies the platform's key and hash rules.
func checkKeyParams(req *csrRequest) error {
	req.keyType = strings.ToLower(req.keyType)
	req.hash = strings.ToLower(strings.ReplaceAll(req.hash, "-", ""))
	if req.hash == "" {
		req.hash = "sha256"
	}
	if !slices.Contains([]string{"sha256", "sha384", "sha512"}, req.hash) {
		return fmt.Errorf("hash algorithm %q: want SHA256, SHA384 or SHA512", req.hash)
	}
	switch req.keyType {
	case "", "rsa":
		req.keyType = "rsa"
		if req.keySize == 0 {
			req.keySize = 2048
		}
		if !slices.Contains([]int{1024, 2048, 3072, 4096}, req.keySize) {
			return fmt.Errorf("RSA key length %d: want 1024, 2048, 3072 or 4096", req.keySize)
		}
	case "ec", "ecdsa":
		req.keyType = "ec"
		if req.keySize == 0 {
			req.keySize = 256
		}
		if req.keySize != 256 && req.keySize != 384 {
			return fmt.Errorf("EC key length %d: want 256 or 384", req.keySize)
		}
		if req.keySize == 384 && req.hash == "sha256" {
			return fmt.Errorf("EC 384 keys need a hash of SHA384 or stronger")
		}
	default:
		return fmt.Errorf("key type %q: want RSA or EC", req.keyType)
	}
	return nil
}

// csrNames returns the DNS SANs of a CSR and, for a multi-server CSR, the
// nodes it names: those holding the unit whose Cisco Tomcat and Platform
// Administrative Web Service run, the generating node first. On 10.5.2 the
// CN is left out of the SANs (CSCus47235). Callers hold c.mu.
func (c *Cluster) csrNames(n *node, req csrRequest) (names, nodes []string) {
	if req.distribution == distMultiServer {
		nodes = c.multiServerNodes(n, req.unit)
		names = append(names, nodes...)
	} else {
		names = append(names, n.fqdn())
	}
	if c.rel.cnNotInSAN() {
		names = slices.DeleteFunc(names, func(s string) bool {
			return strings.EqualFold(s, req.commonName)
		})
	} else if !slices.Contains(names, req.commonName) {
		names = append([]string{req.commonName}, names...)
	}
	if req.distribution == distMultiServer {
		names = append(names, c.domain)
	}
	for _, a := range req.altNames {
		if a != "" && !slices.Contains(names, a) {
			names = append(names, a)
		}
	}
	return names, nodes
}

// multiServerNodes lists the FQDNs a multi-server CSR for unit names.
// Callers hold c.mu.
func (c *Cluster) multiServerNodes(from *node, unit string) []string {
	var out []string
	for _, m := range append([]*node{from}, c.nodes...) {
		if slices.Contains(out, m.fqdn()) || !unitOnProduct(unit, m.cucm) {
			continue
		}
		if m.running(svcTomcat) && m.running(svcPlatformWeb) {
			out = append(out, m.fqdn())
		}
	}
	return out
}

func signatureAlgorithm(keyType, hash string) x509.SignatureAlgorithm {
	algs := map[string]x509.SignatureAlgorithm{
		"rsa/sha256": x509.SHA256WithRSA, "rsa/sha384": x509.SHA384WithRSA,
		"rsa/sha512": x509.SHA512WithRSA, "ec/sha256": x509.ECDSAWithSHA256,
		"ec/sha384": x509.ECDSAWithSHA384, "ec/sha512": x509.ECDSAWithSHA512,
	}
	return algs[keyType+"/"+hash]
}

// csrExtensions requests the key usages a unit's certificate needs; CUCM
// asks for TLS server and client authentication.
func csrExtensions(unit, keyType string) []pkix.Extension {
	usage := asn1.BitString{Bytes: []byte{0x80}, BitLength: 1} // digitalSignature
	if keyType == "rsa" {
		usage = asn1.BitString{Bytes: []byte{0xa0}, BitLength: 3} // + keyEncipherment
	}
	ku, _ := asn1.Marshal(usage)
	oids := map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
		x509.ExtKeyUsageServerAuth:     {1, 3, 6, 1, 5, 5, 7, 3, 1},
		x509.ExtKeyUsageClientAuth:     {1, 3, 6, 1, 5, 5, 7, 3, 2},
		x509.ExtKeyUsageIPSECEndSystem: {1, 3, 6, 1, 5, 5, 7, 3, 5},
	}
	var ekus []asn1.ObjectIdentifier
	for _, u := range extKeyUsages(unit) {
		ekus = append(ekus, oids[u])
	}
	eku, _ := asn1.Marshal(ekus)
	return []pkix.Extension{
		{Id: asn1.ObjectIdentifier{2, 5, 29, 15}, Critical: true, Value: ku},
		{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: eku},
	}
}
