package cucmsim

import (
	"crypto/x509"
	"fmt"
	"time"
)

// ssoState is the cluster's SAML SSO state.
type ssoState struct {
	enabled bool
	broken  bool // the Tomcat certificate changed while SSO was enabled
	since   time.Time
}

// phoneState is what the phones of the cluster make of it. A real cluster
// has no CLI for this; tests read it through Phones or /sim/phones.
type phoneState struct {
	trustTVS bool
	accepted map[string]*x509.Certificate // node -> CallManager certificate trusted
	rejected bool
	reason   string
}

func newPhones(c *Cluster) phoneState {
	p := phoneState{trustTVS: c.cfg.PhonesTrustTVS, accepted: map[string]*x509.Certificate{}}
	for _, n := range c.nodes {
		if n.cucm {
			p.accepted[n.name] = n.installed["CallManager"].cert
		}
	}
	return p
}

// ctlFile is the Certificate Trust List of a mixed-mode cluster: the
// certificates current when "utils ctl update CTLFile" last ran.
type ctlFile struct {
	updated time.Time
	records []ctlRecord
}

// ctlRecord is one entry of the CTL file.
type ctlRecord struct {
	function string // CCM+TFTP, CAPF, System Administrator Security Token
	fqdn     string
	cert     *x509.Certificate
}

// has tells whether the CTL file lists cert.
func (f *ctlFile) has(cert *x509.Certificate) bool {
	if f == nil {
		return false
	}
	for _, r := range f.records {
		if r.cert.Equal(cert) {
			return true
		}
	}
	return false
}

// updateCTL rebuilds the CTL file from the installed certificates.
// Callers hold c.mu.
func (c *Cluster) updateCTL() {
	f := &ctlFile{updated: c.now()}
	for _, n := range c.nodes {
		if n.cucm {
			f.records = append(f.records, ctlRecord{"CCM+TFTP", n.fqdn(), n.installed["CallManager"].cert})
		}
	}
	for _, n := range c.nodes {
		if n.pub {
			f.records = append(f.records,
				ctlRecord{"CAPF", n.fqdn(), n.installed["CAPF"].cert},
				ctlRecord{"System Administrator Security Token", n.fqdn(), n.installed["ITLRecovery"].cert})
		}
	}
	c.ctl = f
}

// activate makes active the installed certificates of the units service
// serves, now that it started on n, lets Cisco TFTP load the Tomcat
// certificate, and lets the phones react to a new CallManager
// certificate. Callers hold c.mu.
//
// ASSUMPTION: TFTP caches the Tomcat certificate (DOMAIN.md) and reads the
// installed one from disk when it starts, whether or not Tomcat restarted.
func (c *Cluster) activate(n *node, service string) {
	if service == svcTFTP {
		n.tftp = n.installed["tomcat"].cert
	}
	for _, unit := range activates(service) {
		id := n.installed[unit]
		if id == nil {
			continue
		}
		if unit == "tomcat" && n.active[unit] != id && c.sso.enabled {
			c.sso.broken = true
		}
		n.active[unit] = id
	}
	if n.cucm && (service == svcCallManager || service == svcTFTP) {
		c.phonesSee(n)
	}
}

// phonesSee is the phones downloading their configuration from n after a
// CallManager or TFTP restart. A new CallManager certificate is accepted
// only if the phones can check it: through TVS, and in mixed mode through
// a CTL file updated before the restart. Callers hold c.mu.
func (c *Cluster) phonesSee(n *node) {
	cert := n.installed["CallManager"].cert
	p := &c.phones
	switch {
	case p.accepted[n.name].Equal(cert):
		return
	case !p.trustTVS:
		p.rejected = true
		p.reason = fmt.Sprintf("the phones do not trust TVS and cannot verify "+
			"the new CallManager certificate of %s", n.name)
	case c.cfg.SecurityMode == 1 && !c.ctl.has(cert):
		p.rejected = true
		p.reason = fmt.Sprintf("mixed mode: the CTL file was not updated with "+
			"the new CallManager certificate of %s before the restart", n.name)
	default:
		p.accepted[n.name] = cert
	}
}

// resetITL is "utils itl reset localkey": phones that rejected their
// configuration for want of trust in the new certificate recover; a
// stale CTL file still needs the operator. Callers hold c.mu.
func (c *Cluster) resetITL() {
	p := &c.phones
	if !p.rejected || c.cfg.SecurityMode == 1 && p.trustTVS {
		return
	}
	for _, n := range c.nodes {
		if n.cucm {
			p.accepted[n.name] = n.installed["CallManager"].cert
		}
	}
	p.rejected, p.reason = false, ""
}
