package cucmsim

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

var (
	hostLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)
	userName  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.-]*$`)
)

// Validate checks a Config built in Go the way ParseConfig checks a file.
// The error is a ConfigErrors.
func (c *Config) Validate() error {
	p := &problems{file: c.file, pos: c.pos}
	c.check(p)
	return p.err()
}

// check records every problem of c in p.
func (c *Config) check(p *problems) {
	if c.Name != "" && !hostLabel.MatchString(c.Name) {
		p.at("name", "name %q: want lower-case letters, digits and dashes, e.g. lab-east", c.Name)
	}
	if c.Release == "" {
		p.at("release", "release is required, e.g. 14.0.1.12900-161")
	} else if _, err := parseRelease(c.Release); err != nil {
		p.at("release", "%v", err)
	}
	if !validDomain(c.Domain) {
		p.at("domain", "domain %q is not a DNS domain such as lab.example.com", c.Domain)
	}
	if c.SecurityMode != 0 && c.SecurityMode != 1 {
		p.at("security_mode", "security_mode %d: want 0 (non-secure) or 1 (mixed)", c.SecurityMode)
	}
	c.checkAdmin(p)
	checkPorts(p, "ports", &c.Ports)
	c.checkSSH(p)
	if k := c.SelfSignedKey; k != "" && k != "ecdsa" && k != "rsa" {
		p.at("self_signed_key", "self_signed_key %q: want ecdsa or rsa%s", k,
			suggest(k, []string{"ecdsa", "rsa"}))
	}
	c.checkValidity(p)
	c.checkNodes(p)
	c.checkFaults(p)
	c.checkResponses(p)
}

func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if d == "" || len(d) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func (c *Config) checkAdmin(p *problems) {
	if c.Admin.Username == "" {
		p.at("admin.username", "admin.username is required")
	} else if !userName.MatchString(c.Admin.Username) {
		p.at("admin.username", "admin.username %q: want a user name such as admin",
			c.Admin.Username)
	}
	if c.Admin.Password == "" {
		p.at("admin.password", "admin.password is required")
	}
}

func checkPorts(p *problems, path string, ports *Ports) {
	check := func(key string, v int) {
		if v < 0 || v > 65535 {
			p.at(path+"."+key, "%s.%s %d: want 0 (any free port) to 65535", path, key, v)
		}
	}
	check("ssh", ports.SSH)
	check("https", ports.HTTPS)
	check("api", ports.API)
	if ports.CallManager != nil {
		check("callmanager", *ports.CallManager)
	}
	if ports.XMPP != nil {
		check("xmpp", *ports.XMPP)
	}
}

func (c *Config) checkSSH(p *problems) {
	methods := []string{"password", "keyboard-interactive"}
	for i, a := range c.SSH.Auth {
		if !slices.Contains(methods, a) {
			p.at(fmt.Sprintf("ssh.auth[%d]", i), "ssh.auth %q: want password or keyboard-interactive%s",
				a, suggest(a, methods))
		}
	}
}

func (c *Config) checkNodes(p *problems) {
	if len(c.Nodes) == 0 {
		p.at("nodes", "nodes: at least the publisher is required")
		return
	}
	names := map[string]bool{}
	publishers := 0
	for i := range c.Nodes {
		n := &c.Nodes[i]
		path := fmt.Sprintf("nodes[%d]", i)
		if names[n.Name] {
			p.at(path+".name", "%s: node name %q repeated", path, n.Name)
		}
		names[n.Name] = true
		if n.Role == "publisher" {
			publishers++
		}
		c.checkNode(p, path, n)
	}
	if publishers != 1 {
		p.at("nodes", "nodes: want exactly one node with role publisher, found %d", publishers)
	}
	c.checkAddresses(p)
}

func (c *Config) checkNode(p *problems, path string, n *NodeConfig) {
	if !hostLabel.MatchString(n.Name) {
		p.at(path+".name", "%s: name %q: want a host name such as cucm-pub", path, n.Name)
	}
	roles := []string{"publisher", "subscriber", "imp"}
	if !slices.Contains(roles, n.Role) {
		p.at(path+".role", "%s: role %q: want publisher, subscriber or imp%s",
			path, n.Role, suggest(n.Role, roles))
	}
	products := []string{"callmanager", "cups"}
	if n.Product != "" && !slices.Contains(products, n.Product) {
		p.at(path+".product", "%s: product %q: want callmanager or cups%s",
			path, n.Product, suggest(n.Product, products))
	}
	if n.Role == "publisher" && n.Product == "cups" {
		p.at(path+".product", "%s: the publisher is a CUCM node (product callmanager)", path)
	}
	if n.Role == "imp" && n.Product == "callmanager" {
		p.at(path+".product", "%s: role imp is an IM&P node (product cups)", path)
	}
	if n.Address == "" {
		p.at(path+".address", "%s: address is required, e.g. 127.0.0.21", path)
	} else if ip, err := netip.ParseAddr(n.Address); err != nil || !ip.IsLoopback() {
		p.at(path+".address", "%s: address %q: want a loopback address such as 127.0.0.21",
			path, n.Address)
	}
	if n.FQDN != "" && !validDomain(n.FQDN) {
		p.at(path+".fqdn", "%s: fqdn %q is not a DNS name", path, n.FQDN)
	}
	if n.Ports != nil {
		checkPorts(p, path+".ports", n.Ports)
	}
	c.checkServices(p, path, n)
	checkNodeValidity(p, path, n)
}

func (c *Config) checkServices(p *problems, path string, n *NodeConfig) {
	names := serviceNames(nodeIsCUCM(n))
	states := []string{stateStarted, stateStopped, stateFailed, stateNotActivated}
	for _, name := range sortedKeys(n.Services) {
		sp := fmt.Sprintf("%s.services[%s]", path, name)
		if !slices.Contains(names, name) {
			p.at(sp, "%s: unknown service %q%s", path, name, suggest(name, names))
		}
		if st := n.Services[name]; !slices.Contains(states, st) {
			p.at(sp, "%s: service %q: state %q: want started, stopped, failed or not_activated%s",
				path, name, st, suggest(st, states))
		}
	}
}

// nodeIsCUCM tells the product of a node config, role imp meaning cups.
func nodeIsCUCM(n *NodeConfig) bool {
	return n.Product == "callmanager" || n.Product == "" && n.Role != "imp"
}

// checkAddresses refuses two nodes on the same address and fixed port.
func (c *Config) checkAddresses(p *problems) {
	seen := map[string]string{}
	for i := range c.Nodes {
		n := &c.Nodes[i]
		ports := c.nodePorts(n)
		for _, kp := range []struct {
			key  string
			port int
		}{{"ssh", ports.SSH}, {"https", ports.HTTPS}, {"api", ports.API}} {
			if kp.port == 0 {
				continue
			}
			addr := fmt.Sprintf("%s:%d", n.Address, kp.port)
			if other, ok := seen[addr]; ok && other != n.Name {
				p.at(fmt.Sprintf("nodes[%d].address", i),
					"nodes[%d]: %s port %s is also used by node %q", i, kp.key, addr, other)
			}
			seen[addr] = n.Name
		}
	}
}

// nodePorts merges a node's port overrides into the cluster ports.
func (c *Config) nodePorts(n *NodeConfig) Ports {
	ports := c.Ports
	if o := n.Ports; o != nil {
		if o.SSH != 0 {
			ports.SSH = o.SSH
		}
		if o.HTTPS != 0 {
			ports.HTTPS = o.HTTPS
		}
		if o.API != 0 {
			ports.API = o.API
		}
		if o.CallManager != nil {
			ports.CallManager = o.CallManager
		}
		if o.XMPP != nil {
			ports.XMPP = o.XMPP
		}
	}
	return ports
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
