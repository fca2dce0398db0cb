package cucmsim

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"
)

// RebuildNode reinstalls a subscriber without a backup (DOMAIN.md): it
// comes back with fresh self-signed certificates for every unit (new
// keys), no CSR pending, no leftovers listed and its services in their
// configured states; the other nodes are unaffected, so a multi-server
// certificate they hold still names it. Open connections to it drop, as
// the server restarts. The cluster trusts its new certificates. Its
// services see them as they start: TFTP loads the new Tomcat certificate,
// the phones meet the new CallManager certificate (in mixed mode they
// reject it until the CTL file is updated), and SAML logins break if SSO
// is enabled. Reachability (SetDown) is kept. The change is audited as
// SimRebuildNode.
//
// ASSUMPTION: a reinstalled server has a new SSH host key, so known_hosts
// must be written again (KnownHosts, WriteSite). The CUCM publisher cannot
// be rebuilt without a backup: that makes a new cluster.
func (c *Cluster) RebuildNode(name string) error {
	fqdn, err := c.rebuild(name)
	c.recordSim(name, SimRebuildNode, fqdn, err)
	return err
}

func (c *Cluster) rebuild(name string) (string, error) {
	c.changes.Lock()
	defer c.changes.Unlock()
	n, err := c.changeable(name)
	if err == nil && n.pub {
		err = errors.New("the publisher cannot be rebuilt without a backup: " +
			"that makes a new cluster")
	}
	if err != nil {
		return "", fmt.Errorf("rebuild node %s: %w", name, err)
	}
	key, err := hostKey(c.opts.StateDir, n.name, c.cfg.SSH.Legacy, true)
	if err != nil {
		return "", fmt.Errorf("rebuild node %s: %w", name, err)
	}
	host := *n.host.Load()
	host.key = key
	if err := c.reinstall(n, &host); err != nil {
		return "", fmt.Errorf("rebuild node %s: %w", name, err)
	}
	return host.fqdn, nil
}

// RenameNode changes a node's host name, its domain or both ("" keeps the
// current one), as "set network hostname" or "set network domain" and the
// restart they cause do: its FQDN changes and every certificate falls back
// to self-signed for the new name (DOMAIN.md), so a multi-server
// certificate no longer covers it. Otherwise it comes back as RebuildNode
// describes, with its SSH host key kept. "show network cluster" and
// processnode list the new name. Name stays the node's key in the Go API,
// the audit log and faults; NodeInfo.Hostname and FQDN change. Renaming
// the publisher into another domain changes the cluster's parent domain
// (the domain SAN of a multi-server CSR, the Site's domain). The change is
// audited as SimRenameNode.
//
// ASSUMPTION: the server entry (processnode) is updated with the name, as
// the documented procedures do; the old certificates stay in the trust
// stores.
func (c *Cluster) RenameNode(name, hostname, domain string) error {
	detail, err := c.rename(name, hostname, domain)
	c.recordSim(name, SimRenameNode, detail, err)
	return err
}

func (c *Cluster) rename(name, hostname, domain string) (string, error) {
	c.changes.Lock()
	defer c.changes.Unlock()
	n, err := c.changeable(name)
	if err != nil {
		return "", fmt.Errorf("rename node %s: %w", name, err)
	}
	old := *n.host.Load()
	host, err := c.newName(old, hostname, domain)
	if err != nil {
		return "", fmt.Errorf("rename node %s: %w", name, err)
	}
	if err := c.reinstall(n, host); err != nil {
		return "", fmt.Errorf("rename node %s: %w", name, err)
	}
	if n.pub {
		c.mu.Lock()
		c.domain = domainOf(host.fqdn)
		c.mu.Unlock()
	}
	return old.fqdn + " -> " + host.fqdn, nil
}

// newName checks a rename and returns the node's new names.
func (c *Cluster) newName(old hostIdent, hostname, domain string) (*hostIdent, error) {
	host := old
	if hostname != "" {
		host.hostname = hostname
	}
	if domain == "" {
		domain = domainOf(old.fqdn)
	}
	host.fqdn = host.hostname + "." + domain
	switch {
	case !hostLabel.MatchString(host.hostname):
		return nil, fmt.Errorf("host name %q: want a host name such as cucm-sub2", hostname)
	case !validDomain(domain):
		return nil, fmt.Errorf("domain %q is not a DNS domain such as lab.example.com", domain)
	case host.fqdn == old.fqdn:
		return nil, fmt.Errorf("the node is already named %s", old.fqdn)
	}
	for _, m := range c.nodeList() {
		if strings.EqualFold(m.fqdn(), host.fqdn) {
			return nil, fmt.Errorf("%s is taken by node %s", host.fqdn, m.name)
		}
	}
	return &host, nil
}

// reinstall gives n new names and host key and fresh self-signed
// certificates for them, then restarts it: every unit active at once, no
// CSR pending, no leftovers, services in their configured states, the
// new certificates trusted, open connections dropped. The services that
// start see the new certificates; SAML logins break if SSO is enabled.
// Running service operations on n finish first.
func (c *Cluster) reinstall(n *node, host *hostIdent) error {
	ids, err := c.systemIdentities(n, host.fqdn, c.now())
	if err != nil {
		return err
	}
	n.svcOps.Lock()
	defer n.svcOps.Unlock()
	c.mu.Lock()
	n.host.Store(host)
	n.installed, n.active = ids, maps.Clone(ids)
	n.leftovers = map[string][]*identity{}
	n.pending = map[string]*pendingCSR{}
	n.resetServices()
	c.trustOwn(n)
	if c.sso.enabled {
		c.sso.broken = true
	}
	for _, s := range n.services {
		if s.state == started {
			c.activate(n, s.name)
		}
	}
	c.mu.Unlock()
	for _, e := range n.endpoints {
		e.reset()
	}
	return nil
}

// resetServices puts every service in its configured initial state.
// Callers hold Cluster.mu.
func (n *node) resetServices() {
	for i, s := range newServices(&n.conf, n.cucm, n.pub) {
		n.services[i].state, n.services[i].reason = s.state, s.reason
	}
}

// InstallIdentity makes chain (leaf first, then the intermediates to
// serve) and key a node's installed and active certificate for unit, as
// if it had been uploaded and the unit's service restarted long ago. It
// skips the platform's checks - the chain need not be in the trust store,
// the key need not come from a CSR, the dates are not checked - so that a
// test can set up what an audit must find: a certificate expiring soon or
// expired, a chain the trust store does not complete, a missing Client
// Authentication EKU. Nothing else is told: the trust stores, TFTP, the
// phones and SSO stay as they are. A leaf that names another node holding
// the unit is listed as a multi-server certificate (HOST-ms.pem), on this
// node only. The change is audited as SimInstall.
func (c *Cluster) InstallIdentity(node, unit string, chain []*x509.Certificate,
	key crypto.Signer) error {
	err := c.installIdentity(node, unit, chain, key)
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("%s %s, expires %s", unit, chain[0].Subject,
			chain[0].NotAfter.UTC().Format(time.RFC3339))
	}
	c.recordSim(node, SimInstall, detail, err)
	return err
}

func (c *Cluster) installIdentity(name, unit string, chain []*x509.Certificate,
	key crypto.Signer) error {
	n, err := c.changeable(name)
	if err != nil {
		return fmt.Errorf("install %s on %s: %w", unit, name, err)
	}
	u, ok := canonicalUnit(ownUnits(n.cucm), unit)
	switch {
	case !ok:
		return fmt.Errorf("install %s on %s: unknown certificate unit; units: %s",
			unit, name, strings.Join(ownUnits(n.cucm), ", "))
	case len(chain) == 0 || chain[0] == nil:
		return fmt.Errorf("install %s on %s: no certificate", unit, name)
	case key == nil || !publicKeyEqual(key.Public(), chain[0].PublicKey):
		return fmt.Errorf("install %s on %s: the key does not match the certificate", unit, name)
	}
	id := &identity{unit: u, file: u + ".pem", cert: chain[0], key: key,
		tls: tlsCert(chain, key)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if others := c.namedNodes(n, u, chain[0]); len(others) > 1 {
		id.multi = true
		id.file = strings.SplitN(n.fqdn(), ".", 2)[0] + "-ms.pem"
	}
	n.installed[u], n.active[u] = id, id
	return nil
}
