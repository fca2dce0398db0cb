package cucmsim

import "go.yaml.in/yaml/v3"

// The known keys of each config section and where their values go.

func (d *decoder) config(n *yaml.Node, c *Config) {
	d.mapping("", n, []field{
		{"name", d.str(&c.Name)},
		{"release", d.str(&c.Release)},
		{"domain", d.str(&c.Domain)},
		{"security_mode", d.integer(&c.SecurityMode)},
		{"sso", d.enabled(&c.SSO)},
		{"phones_trust_tvs", d.boolean(&c.PhonesTrustTVS)},
		{"admin", func(p string, n *yaml.Node) { d.credential(p, n, &c.Admin) }},
		{"ports", func(p string, n *yaml.Node) { d.ports(p, n, &c.Ports) }},
		{"ssh", func(p string, n *yaml.Node) { d.ssh(p, n, &c.SSH) }},
		{"self_signed_key", d.str(&c.SelfSignedKey)},
		{"self_signed_validity", d.validity(&c.SelfSignedValidity)},
		{"subject", func(p string, n *yaml.Node) { d.subject(p, n, &c.Subject) }},
		{"nodes", func(p string, n *yaml.Node) {
			d.sequence(p, n, func(p string, n *yaml.Node) {
				c.Nodes = append(c.Nodes, d.node(p, n))
			})
		}},
		{"latency", func(p string, n *yaml.Node) { d.latency(p, n, &c.Latency) }},
		{"faults", func(p string, n *yaml.Node) {
			d.sequence(p, n, func(p string, n *yaml.Node) {
				c.Faults = append(c.Faults, d.fault(p, n))
			})
		}},
		{"responses", func(p string, n *yaml.Node) {
			d.sequence(p, n, func(p string, n *yaml.Node) {
				c.Responses = append(c.Responses, d.response(p, n))
			})
		}},
	})
}

func (d *decoder) credential(path string, n *yaml.Node, c *Credential) {
	d.mapping(path, n, []field{
		{"username", d.str(&c.Username)},
		{"password", d.str(&c.Password)},
	})
}

func (d *decoder) ports(path string, n *yaml.Node, p *Ports) {
	d.mapping(path, n, []field{
		{"ssh", d.integer(&p.SSH)},
		{"https", d.integer(&p.HTTPS)},
		{"api", d.integer(&p.API)},
		{"callmanager", d.optInt(&p.CallManager)},
		{"xmpp", d.optInt(&p.XMPP)},
	})
}

func (d *decoder) ssh(path string, n *yaml.Node, s *SSH) {
	d.mapping(path, n, []field{
		{"legacy", d.boolean(&s.Legacy)},
		{"auth", d.strings(&s.Auth)},
	})
}

func (d *decoder) subject(path string, n *yaml.Node, s *Subject) {
	d.mapping(path, n, []field{
		{"organization", d.str(&s.Organization)},
		{"unit", d.str(&s.Unit)},
		{"locality", d.str(&s.Locality)},
		{"state", d.str(&s.State)},
		{"country", d.str(&s.Country)},
	})
}

func (d *decoder) node(path string, n *yaml.Node) NodeConfig {
	var c NodeConfig
	d.mapping(path, n, []field{
		{"name", d.str(&c.Name)},
		{"fqdn", d.str(&c.FQDN)},
		{"role", d.str(&c.Role)},
		{"product", d.str(&c.Product)},
		{"address", d.str(&c.Address)},
		{"ports", func(p string, n *yaml.Node) {
			c.Ports = &Ports{}
			d.ports(p, n, c.Ports)
		}},
		{"services", d.stringMap(&c.Services)},
		{"self_signed_validity", d.validityMap(&c.SelfSignedValidity)},
	})
	return c
}

func (d *decoder) latency(path string, n *yaml.Node, l *Latency) {
	d.mapping(path, n, []field{
		{"cli_start", d.duration(&l.CLIStart)},
		{"command", d.duration(&l.Command)},
		{"restart", d.duration(&l.Restart)},
	})
}

func (d *decoder) fault(path string, n *yaml.Node) Fault {
	var f Fault
	d.mapping(path, n, []field{
		{"node", d.str(&f.Node)},
		{"on", d.str(&f.On)},
		{"service", d.str(&f.Service)},
		{"action", d.str(&f.Action)},
		{"count", d.integer(&f.Count)},
		{"times", d.times(&f.Times)},
		{"delay", d.duration(&f.Delay)},
		{"status", d.integer(&f.Status)},
	})
	return f
}

func (d *decoder) response(path string, n *yaml.Node) Response {
	var r Response
	d.mapping(path, n, []field{
		{"node", d.str(&r.Node)},
		{"command", d.str(&r.Command)},
		{"text", d.str(&r.Text)},
	})
	return r
}
