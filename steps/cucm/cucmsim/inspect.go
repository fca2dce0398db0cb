package cucmsim

import "crypto/x509"

// SSOState is the cluster's SAML SSO state.
type SSOState struct {
	Enabled bool `json:"enabled"`
	// LoginsBroken is set when the Tomcat certificate changed while SSO
	// was enabled: SAML logins fail until SSO is disabled or re-enabled.
	LoginsBroken bool `json:"logins_broken"`
}

// SSO returns the cluster's SAML SSO state.
func (c *Cluster) SSO() SSOState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return SSOState{Enabled: c.sso.enabled, LoginsBroken: c.sso.broken}
}

// PhoneState is what the cluster's phones make of it.
type PhoneState struct {
	TrustTVS bool `json:"trust_tvs"`
	// RejectedConfig is set when the phones rejected their configuration
	// after a CallManager certificate change; Reason says why.
	RejectedConfig bool   `json:"rejected_config"`
	Reason         string `json:"reason,omitempty"`
}

// Phones returns the phones' state.
func (c *Cluster) Phones() PhoneState {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.phones
	return PhoneState{TrustTVS: p.trustTVS, RejectedConfig: p.rejected, Reason: p.reason}
}

// Release is the version the nodes report, e.g. 14.0.1.12900-161.
func (c *Cluster) Release() string { return c.rel.String() }

// ActiveCertificate is the certificate a node serves now for a unit
// (tomcat, CallManager, cup-xmpp...), or nil for an unknown node or unit.
func (c *Cluster) ActiveCertificate(node, unit string) *x509.Certificate {
	return c.identity(node, unit, true)
}

// InstalledCertificate is the certificate a node holds for a unit, which
// it serves after the unit's service restarts; nil for an unknown node or
// unit.
func (c *Cluster) InstalledCertificate(node, unit string) *x509.Certificate {
	return c.identity(node, unit, false)
}

func (c *Cluster) identity(name, unit string, active bool) *x509.Certificate {
	n := c.node(name)
	if n == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := n.installed
	if active {
		ids = n.active
	}
	if id := ids[unit]; id != nil {
		return id.cert
	}
	return nil
}

// PendingCSR is the CSR a node generated last for a unit and still waits
// for a certificate for, or nil.
func (c *Cluster) PendingCSR(node, unit string) *x509.CertificateRequest {
	n := c.node(node)
	if n == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := n.pending[unit]; p != nil {
		return p.csr
	}
	return nil
}

// TrustCertificates lists a trust store ("tomcat-trust") in import order.
func (c *Cluster) TrustCertificates(store string) []*x509.Certificate {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*x509.Certificate
	for _, e := range c.trust[store] {
		out = append(out, e.cert)
	}
	return out
}

// ServiceState is a service's state on a node: STARTED, STOPPED,
// STARTING or STOPPING, or "" for an unknown node or service.
func (c *Cluster) ServiceState(node, service string) string {
	n := c.node(node)
	if n == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := n.service(service); s != nil {
		return s.state
	}
	return ""
}

// TFTPCertificate is the Tomcat certificate Cisco TFTP on a CUCM node
// loaded when it last started and hands out until it restarts (DOMAIN.md:
// TFTP caches the Tomcat certificate); nil for an unknown or IM&P node, or
// when TFTP is not activated there.
func (c *Cluster) TFTPCertificate(node string) *x509.Certificate {
	n := c.node(node)
	if n == nil || !n.cucm {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := n.service(svcTFTP); s == nil || s.reason == reasonNotActivated {
		return nil
	}
	return n.tftp
}
