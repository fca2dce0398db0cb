package cucmsim

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Options are the caller's choices that are not part of the cluster.
type Options struct {
	// StateDir, when set, keeps each node's SSH host key across restarts
	// of the simulator (under StateDir/hostkeys), so that a known_hosts
	// file stays valid.
	StateDir string
	// Audit, when set, receives one JSON line per command, API call and
	// /sim/ call received; see AuditEntry.
	Audit io.Writer
	// Now is the nodes' clock: the dates they print, the validity of the
	// certificates they make and the time chains are verified at; nil
	// means time.Now. Tests fix it to compare exact text (certificates
	// then need to be valid at that time).
	Now func() time.Time
}

// Cluster is a running simulated cluster. Its methods are safe for
// concurrent use.
type Cluster struct {
	cfg     Config // validated, with defaults filled in; Nodes grows with AddNode
	rel     release
	opts    Options
	started time.Time
	changes sync.Mutex // serialises AddNode, RebuildNode, RenameNode and SetDown

	ctx       context.Context // done when the cluster closes
	stop      context.CancelFunc
	life      sync.Mutex     // guards closing and additions to wg
	closing   bool           // Close has begun: start no more work
	wg        sync.WaitGroup // listeners, connections, calls, service operations
	closeOnce sync.Once
	closeErr  error
	audit     auditLog

	mu     sync.Mutex // guards the simulated state below and in every node
	nodes  []*node    // in the order they joined; replaced, never changed in place
	domain string     // the cluster's parent domain: the publisher's
	trust  map[string][]*trustEntry
	sso    ssoState
	phones phoneState
	ctl    *ctlFile
	faults []*faultState
}

// Start builds the cluster cfg describes and starts every node's listeners
// (SSH, HTTPS, API and the optional TLS ports) on its loopback address; a
// port 0 picks a free port per node. The cluster serves until ctx is done
// or Close is called. Many clusters may run side by side.
func Start(ctx context.Context, cfg *Config, opts Options) (*Cluster, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := newCluster(cfg, opts)
	if err := c.buildNodes(); err != nil {
		return nil, err
	}
	c.initTrust()
	c.phones = newPhones(c)
	c.ctx, c.stop = context.WithCancel(ctx)
	if err := c.listen(); err != nil {
		c.Close()
		return nil, err
	}
	go func() {
		<-c.ctx.Done()
		c.closeOnce.Do(c.shutdown)
	}()
	return c, nil
}

func newCluster(cfg *Config, opts Options) *Cluster {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Cluster{cfg: withDefaults(cfg), opts: opts}
	c.rel, _ = parseRelease(cfg.Release)
	c.started = opts.Now()
	c.audit.w = opts.Audit
	c.domain = cfg.Domain
	c.sso = ssoState{enabled: cfg.SSO, since: c.started}
	c.faults = newFaults(cfg.Faults)
	c.trust = map[string][]*trustEntry{}
	return c
}

// withDefaults copies cfg and fills in what it leaves out.
func withDefaults(cfg *Config) Config {
	out := *cfg
	if out.Name == "" {
		out.Name = "cucmsim"
	}
	if out.Subject == (Subject{}) {
		out.Subject = Subject{"Lab", "Voice", "San Jose", "CA", "US"}
	}
	out.Nodes = make([]NodeConfig, len(cfg.Nodes))
	for i, n := range cfg.Nodes {
		out.Nodes[i] = nodeDefaults(n, cfg.Domain)
	}
	return out
}

// nodeDefaults fills in a node's FQDN (name.domain) and product (from its
// role).
func nodeDefaults(n NodeConfig, domain string) NodeConfig {
	if n.FQDN == "" {
		n.FQDN = n.Name + "." + domain
	}
	if n.Product == "" {
		n.Product = "callmanager"
		if n.Role == "imp" {
			n.Product = "cups"
		}
	}
	return n
}

// buildNodes makes every node's keys and certificates, in parallel.
func (c *Cluster) buildNodes() error {
	nodes := make([]*node, len(c.cfg.Nodes))
	for i, nc := range c.cfg.Nodes {
		nodes[i] = c.newNode(nc, i+2, nodes[:i])
	}
	c.nodes = nodes
	var g errgroup.Group
	for _, n := range nodes {
		g.Go(func() error { return c.buildNode(n, c.started) })
	}
	return g.Wait()
}

// newNode makes the node nc describes, with processnode id; before lists
// the nodes that joined earlier: the first IM&P node is the database
// publisher of IM&P.
func (c *Cluster) newNode(nc NodeConfig, id int, before []*node) *node {
	nc.Services = maps.Clone(nc.Services) // read again on a rebuild: the caller's may change
	nc.SelfSignedValidity = maps.Clone(nc.SelfSignedValidity)
	n := &node{
		cl: c, name: nc.Name, address: nc.Address, conf: nc,
		cucm: nc.Product == "callmanager", pub: nc.Role == "publisher", nodeID: id,
	}
	impBefore := slices.ContainsFunc(before, func(m *node) bool { return !m.cucm })
	n.dbPub = n.pub || !n.cucm && !impBefore
	n.services = newServices(&nc, n.cucm, n.pub)
	return n
}

// buildNode makes a node's host key, certificates and endpoints.
func (c *Cluster) buildNode(n *node, now time.Time) error {
	key, err := hostKey(c.opts.StateDir, n.name, c.cfg.SSH.Legacy, false)
	if err != nil {
		return err
	}
	n.host.Store(&hostIdent{hostname: n.conf.Name, fqdn: n.conf.FQDN, key: key})
	ids, err := c.systemIdentities(n, n.conf.FQDN, now)
	if err != nil {
		return err
	}
	n.installed, n.active = ids, maps.Clone(ids)
	n.leftovers = map[string][]*identity{}
	n.pending = map[string]*pendingCSR{}
	n.tftp = ids["tomcat"].cert
	n.endpoints = c.endpoints(n, c.cfg.nodePorts(&n.conf))
	return nil
}

// systemIdentities makes the self-signed certificates of every unit of n
// for fqdn, as an installation does.
func (c *Cluster) systemIdentities(n *node, fqdn string, now time.Time) (map[string]*identity, error) {
	ids := map[string]*identity{}
	for _, unit := range ownUnits(n.cucm) {
		id, err := newSelfSigned(unit, fqdn, c.cfg.Subject, c.cfg.SelfSignedKey,
			now, c.validity(n, unit))
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.name, err)
		}
		ids[unit] = id
	}
	return ids, nil
}

// initTrust fills the trust stores with every node's system certificates,
// as cluster nodes trust each other.
func (c *Cluster) initTrust() {
	for _, n := range c.nodes {
		c.trustOwn(n)
	}
}

// trustOwn puts the installed certificates of n in the trust stores of
// their units. Callers hold c.mu, or run before the cluster serves.
func (c *Cluster) trustOwn(n *node) {
	for _, store := range trustStores(n.cucm) {
		unit := store[:len(store)-len("-trust")]
		if id := n.installed[unit]; id != nil {
			c.addTrust(store, id.cert, "Trust Certificate")
		}
	}
}

// listen opens every endpoint; a down node only reserves its ports.
func (c *Cluster) listen() error {
	for _, n := range c.nodes {
		if err := c.listenNode(n); err != nil {
			return err
		}
	}
	return nil
}

// listenNode opens the endpoints of n, or only reserves their ports when a
// down fault names it.
func (c *Cluster) listenNode(n *node) error {
	down := c.isDown(n)
	c.mu.Lock()
	n.down = down
	c.mu.Unlock()
	for _, e := range n.endpoints {
		var err error
		if down {
			err = e.reserve()
		} else {
			err = e.listen(c.spawn)
		}
		if err != nil {
			return fmt.Errorf("node %s: %w", n.name, err)
		}
	}
	return nil
}

// isDown tells whether a down fault names n.
func (c *Cluster) isDown(n *node) bool {
	for _, f := range c.cfg.Faults {
		if f.Action == FaultDown && f.Node == n.name {
			return true
		}
	}
	return false
}

// Close stops every listener and connection, waits for running service
// operations to end, and returns the first error writing the audit log.
func (c *Cluster) Close() error {
	if c.stop != nil {
		c.stop()
	}
	c.closeOnce.Do(c.shutdown)
	return c.closeErr
}

func (c *Cluster) shutdown() {
	c.life.Lock()
	c.closing = true
	c.life.Unlock()
	for _, n := range c.nodeList() {
		for _, e := range n.endpoints {
			e.close()
		}
	}
	c.wg.Wait()
	c.closeErr = c.audit.err()
}

// spawn runs f on a goroutine that Close waits for. Once Close has begun
// it runs nothing and returns false.
func (c *Cluster) spawn(f func()) bool {
	if !c.hold() {
		return false
	}
	go func() {
		defer c.wg.Done()
		f()
	}()
	return true
}

// hold counts a piece of work Close must wait for; the caller calls
// c.wg.Done when it ends. It returns false once Close has begun.
func (c *Cluster) hold() bool {
	c.life.Lock()
	defer c.life.Unlock()
	if c.closing {
		return false
	}
	c.wg.Add(1)
	return true
}

// nodeList returns the nodes in the order they joined. The slice is never
// changed in place: AddNode replaces it.
func (c *Cluster) nodeList() []*node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes
}

// node finds a node by name.
func (c *Cluster) node(name string) *node {
	for _, n := range c.nodeList() {
		if n.name == name {
			return n
		}
	}
	return nil
}

// now is the cluster's clock.
func (c *Cluster) now() time.Time { return c.opts.Now() }
