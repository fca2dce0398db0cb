package cucmsim

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// addTrust puts a certificate in a trust store, replacing one of the same
// file name. Callers hold c.mu (or run before the cluster serves).
//
// ASSUMPTION: a trust certificate is stored under its CN (tomcat-trust/
// Lab_Root_CA.pem), so importing a CA whose CN matches an entry but whose
// key differs (a CA re-created under the same name) replaces that entry,
// as a file of the same name would; Cisco does not document the case.
// Certificates chained to the replaced one no longer verify until the
// rest of the new chain is imported. Drivers must therefore compare the
// certificate a file holds (show cert trust STORE/FILE), not its name.
func (c *Cluster) addTrust(store string, cert *x509.Certificate, desc string) {
	e := &trustEntry{file: trustFile(cert), cert: cert, desc: desc}
	entries := c.trust[store]
	for i, old := range entries {
		if old.file == e.file {
			entries[i] = e
			return
		}
	}
	c.trust[store] = append(entries, e)
}

// importTrust adds certificates to the trust store of a unit of n. A CA
// certificate that is not self-signed is refused until its issuer is in the
// store, so a chain goes in root first.
func (c *Cluster) importTrust(n *node, unit string, certs []*x509.Certificate, desc string) (string, error) {
	store, err := trustStoreOf(n, unit)
	if err != nil {
		return "", err
	}
	if desc == "" {
		desc = "Trust Certificate"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cert := range certs {
		if err := checkCertRules(cert); err != nil {
			return store, err
		}
		if cert.IsCA && !isSelfSigned(cert) {
			if _, err := c.verify(store, cert); err != nil {
				return store, err
			}
		}
		c.addTrust(store, cert, desc)
	}
	return store, nil
}

// trustStoreOf accepts "tomcat" or "tomcat-trust" and names the store; a
// unit names the store of its CAs (cup-xmpp-s2s: cup-xmpp-trust).
func trustStoreOf(n *node, unit string) (string, error) {
	stores := trustStores(n.cucm)
	name := unit
	if !strings.HasSuffix(strings.ToLower(name), "-trust") {
		name = unitTrust(name)
	}
	store, ok := canonicalUnit(stores, name)
	if !ok {
		return "", fmt.Errorf("unknown trust store %q on %s; stores: %s",
			unit, n.name, strings.Join(stores, ", "))
	}
	return store, nil
}

// verify checks cert against a trust store: the self-signed entries are
// roots, the others intermediates. It returns the chain, leaf first, root
// excluded. Callers hold c.mu.
func (c *Cluster) verify(store string, cert *x509.Certificate) ([]*x509.Certificate, error) {
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, e := range c.trust[store] {
		if isSelfSigned(e.cert) {
			roots.AddCert(e.cert)
		} else {
			inter.AddCert(e.cert)
		}
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter, CurrentTime: c.now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		return nil, fmt.Errorf("the issuer %q of %q is not in %s; "+
			"upload the CA chain to %s first, root first",
			cert.Issuer.String(), cert.Subject.String(), store, store)
	}
	if err != nil {
		return nil, fmt.Errorf("certificate %q: %w", cert.Subject.String(), err)
	}
	chain := chains[0]
	return chain[:len(chain)-1], nil
}

// checkCertRules applies the platform's rules on key and names.
func checkCertRules(cert *x509.Certificate) error {
	kind, bits := keyDescription(cert.PublicKey)
	switch {
	case kind == "RSA" && (bits < 1024 || bits > 4096):
		return fmt.Errorf("RSA key of %d bits: want 1024 to 4096", bits)
	case kind == "EC" && bits != 256 && bits != 384:
		return fmt.Errorf("EC key of %d bits: want 256 or 384", bits)
	case kind == "unknown":
		return fmt.Errorf("unsupported key type %T", cert.PublicKey)
	}
	for _, name := range append([]string{cert.Subject.CommonName}, cert.DNSNames...) {
		if strings.Contains(name, "*") {
			return fmt.Errorf("wildcard name %q: wildcard certificates are not supported", name)
		}
	}
	return nil
}

// importIdentity installs a signed certificate for a unit of n. The leaf's
// key must be the pending CSR key (or the installed key: a repeated upload
// is accepted), its chain must be in the unit's trust store, and a
// multi-server certificate installs on every node of the unit it names. It
// returns the FQDNs of the nodes it installed on. The certificate becomes
// active when the unit's service restarts.
func (c *Cluster) importIdentity(n *node, unit string, certs []*x509.Certificate) ([]string, error) {
	name, ok := canonicalUnit(ownUnits(n.cucm), unit)
	if !ok {
		return nil, fmt.Errorf("unknown certificate unit %q on %s", unit, n.name)
	}
	unit = name
	if len(certs) == 0 {
		return nil, fmt.Errorf("no certificate found")
	}
	leaf := certs[0]
	if err := checkCertRules(leaf); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id, multi, err := c.matchKey(n, unit, leaf)
	if err != nil {
		return nil, err
	}
	chain, err := c.verify(unitTrust(unit), leaf)
	if err != nil {
		return nil, err
	}
	id.tls = tlsCert(chain, id.key)
	targets := []*node{n}
	if multi {
		targets = c.namedNodes(n, unit, leaf)
	}
	var fqdns []string
	for _, m := range targets {
		m.install(unit, id)
		fqdns = append(fqdns, m.fqdn())
	}
	delete(n.pending, unit)
	return fqdns, nil
}

// matchKey finds the key a leaf certifies: the pending CSR key of the unit
// or, for a repeated upload, the installed key. Callers hold c.mu.
func (c *Cluster) matchKey(n *node, unit string, leaf *x509.Certificate) (*identity, bool, error) {
	id := &identity{unit: unit, file: unit + ".pem", cert: leaf}
	if p := n.pending[unit]; p != nil && publicKeyEqual(p.key.Public(), leaf.PublicKey) {
		id.key, id.multi = p.key, p.multi
	} else if cur := n.installed[unit]; publicKeyEqual(cur.key.Public(), leaf.PublicKey) {
		id.key, id.multi = cur.key, cur.multi
	} else {
		return nil, false, fmt.Errorf("the certificate does not match the key of the current CSR "+
			"for %s on %s: generate a new CSR and have that one signed", unit, n.name)
	}
	if id.multi {
		id.file = strings.SplitN(n.fqdn(), ".", 2)[0] + "-ms.pem"
	}
	return id, id.multi, nil
}

// namedNodes lists the nodes holding unit that leaf names in its CN or
// SANs, n first. Callers hold c.mu.
func (c *Cluster) namedNodes(n *node, unit string, leaf *x509.Certificate) []*node {
	names := append([]string{leaf.Subject.CommonName}, leaf.DNSNames...)
	out := []*node{n}
	for _, m := range c.nodes {
		if m == n || !unitOnProduct(unit, m.cucm) {
			continue
		}
		if slices.ContainsFunc(names, func(s string) bool { return strings.EqualFold(s, m.fqdn()) }) {
			out = append(out, m)
		}
	}
	return out
}

// install makes id the unit's installed certificate. A self-signed
// certificate replaced by a multi-server one stays listed (CSCur97909).
// Callers hold Cluster.mu.
func (n *node) install(unit string, id *identity) {
	old := n.installed[unit]
	if id.multi && old != nil && old.selfSigned() && old.cert != id.cert {
		n.leftovers[unit] = append(n.leftovers[unit], old)
	}
	n.installed[unit] = id
}

// tlsCert builds what a TLS listener serves: the leaf and its
// intermediates.
func tlsCert(chain []*x509.Certificate, key any) *tls.Certificate {
	tc := &tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		tc.Certificate = append(tc.Certificate, c.Raw)
	}
	return tc
}
