package cucmsim

import (
	"crypto/x509"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// Service states as the CLI prints them.
const (
	started  = "STARTED"
	stopped  = "STOPPED"
	starting = "STARTING"
	stopping = "STOPPING"
	failed   = "FAILED" // what a failed start reports; the service is then STOPPED
)

// Reasons "utils service list" prints after a stopped service.
const (
	reasonNotActivated = "Service Not Activated"
	reasonCommanded    = "Commanded Out of Service"
	reasonNotRunning   = "Component is not running"
)

// node is one simulated server. Fields below mu-guarded are guarded by
// Cluster.mu; host changes on RenameNode and RebuildNode; the rest is
// fixed once the node joins the cluster.
type node struct {
	cl      *Cluster
	name    string // the node's key in the Go API, the audit log and faults
	address string
	cucm    bool // product callmanager; otherwise cups (IM&P)
	pub     bool // the CUCM publisher
	dbPub   bool // the database publisher of its product
	nodeID  int  // processnode nodeid
	conf    NodeConfig
	host    atomic.Pointer[hostIdent]

	endpoints []*endpoint // ssh first, then https, api and the optional ones

	svcOps sync.Mutex // serialises service operations on this node

	// mu-guarded
	services  []*service
	installed map[string]*identity   // unit -> served after the next restart
	active    map[string]*identity   // unit -> served now
	leftovers map[string][]*identity // listed though replaced (CSCur97909)
	pending   map[string]*pendingCSR // unit -> the CSR awaiting a certificate
	tftp      *x509.Certificate      // the Tomcat certificate Cisco TFTP loaded when it started
	down      bool
	sessions  int // SSH sessions opened
}

// hostIdent is what a rename or a rebuild changes about a node on the
// network: its names and its SSH host key.
type hostIdent struct {
	hostname string
	fqdn     string
	key      ssh.Signer
}

// fqdn is the node's current fully qualified domain name.
func (n *node) fqdn() string { return n.host.Load().fqdn }

// hostname is the node's current host name.
func (n *node) hostname() string { return n.host.Load().hostname }

// hostKey is the node's current SSH host key.
func (n *node) hostKey() ssh.Signer { return n.host.Load().key }

// domainOf returns the domain part of an FQDN.
func domainOf(fqdn string) string {
	_, domain, _ := strings.Cut(fqdn, ".")
	return domain
}

// service is a service's state on one node.
type service struct {
	name   string
	system bool
	state  string
	reason string
}

// line renders the service as "utils service list" does.
func (s *service) line() string {
	sep := ""
	if s.system {
		sep = " "
	}
	state := "[" + s.state + "]"
	if s.reason == reasonNotRunning {
		state = "[ " + s.state + " ]"
	}
	line := s.name + sep + state
	if s.reason != "" {
		line += "  " + s.reason
	}
	return line
}

func newServices(cfg *NodeConfig, cucm, pub bool) []*service {
	var out []*service
	for _, spec := range catalog(cucm, pub) {
		s := &service{name: spec.name, system: spec.system}
		initial := spec.initial
		if st, ok := cfg.Services[spec.name]; ok {
			initial = st
		}
		switch initial {
		case stateStarted:
			s.state = started
		case stateStopped:
			s.state, s.reason = stopped, reasonCommanded
		case stateFailed:
			s.state, s.reason = stopped, reasonNotRunning
		case stateNotActivated:
			s.state, s.reason = stopped, reasonNotActivated
		}
		out = append(out, s)
	}
	return out
}

// service finds a service by name, ignoring case. Callers hold Cluster.mu.
func (n *node) service(name string) *service {
	for _, s := range n.services {
		if equalFoldSpaces(s.name, name) {
			return s
		}
	}
	return nil
}

func equalFoldSpaces(a, b string) bool {
	return normalize(a) == normalize(b)
}

// running tells whether a service is STARTED. Callers hold Cluster.mu.
func (n *node) running(name string) bool {
	s := n.service(name)
	return s != nil && s.state == started && !n.down
}

// siteRole is the role the Site file gives the node.
func (n *node) siteRole() string {
	switch {
	case n.pub:
		return "publisher"
	case n.cucm:
		return "subscriber"
	}
	return "imp"
}

// product is "callmanager" or "cups", as "show network cluster" says.
func (n *node) product() string {
	if n.cucm {
		return "callmanager"
	}
	return "cups"
}

// endpoint returns the endpoint of a given name, or nil.
func (n *node) endpoint(name string) *endpoint {
	for _, e := range n.endpoints {
		if e.name == name {
			return e
		}
	}
	return nil
}

// port returns the port an endpoint listens on, 0 when there is none.
func (n *node) port(name string) int {
	e := n.endpoint(name)
	if e == nil {
		return 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.port
}

// gate returns an endpoint gate open while service runs on n.
func (n *node) gate(service string) func() bool {
	return func() bool {
		n.cl.mu.Lock()
		defer n.cl.mu.Unlock()
		return n.running(service)
	}
}

// activeCert returns the certificate a unit serves now. Callers hold
// Cluster.mu.
func (n *node) activeCert(unit string) *x509.Certificate {
	if id := n.active[unit]; id != nil {
		return id.cert
	}
	return nil
}

// sleep waits d or until done closes; it reports whether d passed.
func sleep(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
