package cucmsim

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// NodeInfo describes a running node.
type NodeInfo struct {
	Name    string
	Role    string // the Site role: publisher, subscriber or imp
	Product string // callmanager or cups
	Address string
	FQDN    string
	// Hostname is the host name "show network cluster" prints: Name
	// until RenameNode changes it (Name stays the node's key).
	Hostname string
	// SSHPort, HTTPSPort and APIPort are the ports listened on.
	SSHPort, HTTPSPort, APIPort int
	// CallManagerPort and XMPPPort are 0 when not served.
	CallManagerPort, XMPPPort int
	HostKey                   ssh.PublicKey
	Down                      bool
}

// SSHAddr is the node's SSH address, host:port.
func (i NodeInfo) SSHAddr() string { return hostPort(i.Address, i.SSHPort) }

// HTTPSAddr is the node's HTTPS address, host:port.
func (i NodeInfo) HTTPSAddr() string { return hostPort(i.Address, i.HTTPSPort) }

// APIAddr is the node's API address, host:port.
func (i NodeInfo) APIAddr() string { return hostPort(i.Address, i.APIPort) }

func hostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// Nodes describes every node, in config order, then the nodes AddNode
// added.
func (c *Cluster) Nodes() []NodeInfo {
	nodes := c.nodeList()
	out := make([]NodeInfo, len(nodes))
	for i, n := range nodes {
		c.mu.Lock()
		down := n.down
		c.mu.Unlock()
		out[i] = NodeInfo{
			Name: n.name, Role: n.siteRole(), Product: n.product(),
			Address: n.address, FQDN: n.fqdn(), Hostname: n.hostname(),
			SSHPort: n.port("ssh"), HTTPSPort: n.port("https"), APIPort: n.port("api"),
			CallManagerPort: n.port("callmanager"), XMPPPort: n.port("xmpp"),
			HostKey: n.hostKey().PublicKey(), Down: down,
		}
	}
	return out
}

// Node describes one node by name; ok is false when there is none.
func (c *Cluster) Node(name string) (NodeInfo, bool) {
	for _, i := range c.Nodes() {
		if i.Name == name {
			return i, true
		}
	}
	return NodeInfo{}, false
}

// Username is the OS administrator's user name.
func (c *Cluster) Username() string { return c.cfg.Admin.Username }

// Password is the OS administrator's password. WriteSite never writes it;
// the caller tells the user to export it as CUCM_OS_PASSWORD.
func (c *Cluster) Password() string { return c.cfg.Admin.Password }

// PasswordEnv is the environment variable the Site file reads the OS
// administrator's password from.
const PasswordEnv = "CUCM_OS_PASSWORD"

// WriteSite writes a runbook Site file for the cluster at path and a
// known_hosts file next to it, one line per node in OpenSSH format.
func (c *Cluster) WriteSite(path string) error {
	kh := filepath.Join(filepath.Dir(path), "known_hosts")
	if err := os.WriteFile(kh, []byte(c.KnownHosts()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(c.Site()), 0o644)
}

// KnownHosts returns the known_hosts lines of every node, in the
// [host]:port form when the port is not 22.
func (c *Cluster) KnownHosts() string {
	var b strings.Builder
	for _, i := range c.Nodes() {
		addr := knownhosts.Normalize(i.SSHAddr())
		b.WriteString(knownhosts.Line([]string{addr}, i.HostKey) + "\n")
	}
	return b.String()
}

// tlsPorts lists the optional CallManager and XMPP TLS ports of a node for
// its site entry, so that tls.probe finds them (port: node.ports.NAME).
func tlsPorts(i NodeInfo) string {
	var s string
	if i.CallManagerPort != 0 {
		s += fmt.Sprintf(", callmanager: %d", i.CallManagerPort)
	}
	if i.XMPPPort != 0 {
		s += fmt.Sprintf(", xmpp: %d", i.XMPPPort)
	}
	return s
}

// Site returns the text WriteSite writes. After a manipulation (AddNode,
// RenameNode, RebuildNode) it describes the cluster as it is now.
func (c *Cluster) Site() string {
	c.mu.Lock()
	domain := c.domain
	c.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `# yaml-language-server: $schema=https://raw.githubusercontent.com/ucops/runbook/main/schemas/site.schema.json
apiVersion: runbook/v1
kind: Site
metadata:
  name: %s
inventory:
  domain: %s
  nodes:
`, c.cfg.Name, domain)
	for _, i := range c.Nodes() {
		fmt.Fprintf(&b, `    - name: %s
      role: %s
      host: %s
      fqdn: %s
      ports: {ssh: %d, https: %d, api: %d%s}
`, i.Name, i.Role, i.Address, i.FQDN, i.SSHPort, i.HTTPSPort, i.APIPort, tlsPorts(i))
	}
	fmt.Fprintf(&b, `credentials:
  os_admin:
    username: %s
    password: {env: %s}
  known_hosts: ./known_hosts
params:
  ca: local
`, c.cfg.Admin.Username, PasswordEnv)
	return b.String()
}
