package cucmsim

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The commands of the audit entries on ChannelSim: changes a test made to
// the running cluster through the Go API, told apart from client traffic.
const (
	SimAddNode     = "add node"         // AddNode; Detail: "FQDN ADDRESS"
	SimRebuildNode = "rebuild node"     // RebuildNode; Detail: the FQDN
	SimRenameNode  = "rename node"      // RenameNode; Detail: "OLD-FQDN -> NEW-FQDN"
	SimInstall     = "install identity" // InstallIdentity; Detail: unit, subject, expiry
	SimDown        = "set node down"    // SetDown(name, true)
	SimUp          = "set node up"      // SetDown(name, false)
)

// TODO(sim-changes): the changes exist in Go only; a script driving "runbook
// sim" in another process cannot make them. An authenticated /sim/ endpoint
// would, once such a test needs it.

// errClosed refuses a change to a closed cluster.
var errClosed = errors.New("the cluster is closed")

// recordSim records a change made through the Go API; a failed one has
// the error as its detail.
func (c *Cluster) recordSim(node, command, detail string, err error) {
	e := AuditEntry{Node: node, Channel: ChannelSim, Command: command,
		Result: ResultOK, Detail: detail}
	if err != nil {
		e.Result, e.Detail = ResultFailed, err.Error()
	}
	c.record(e)
}

// AddNode adds a server to the running cluster, as adding it in System >
// Server and installing it does. Its listeners start on its address (a
// port 0 picks a free port); it appears in "show network cluster", in
// "run sql ... processnode", in the REST API's snapshot, in Nodes, Site
// and KnownHosts, and in the next multi-server CSR. It comes with
// self-signed certificates for its own FQDN - so an existing multi-server
// certificate does not name it - and shares the cluster's trust stores,
// to which its certificates are added. nc is checked as a node of a
// config is; its role is subscriber or imp, its FQDN defaults to
// Name.domain of the publisher. The change is audited as SimAddNode.
func (c *Cluster) AddNode(nc NodeConfig) error {
	n, err := c.addNode(nc)
	detail := ""
	if n != nil {
		detail = n.fqdn() + " " + n.address
	}
	c.recordSim(nc.Name, SimAddNode, detail, err)
	return err
}

func (c *Cluster) addNode(nc NodeConfig) (*node, error) {
	c.changes.Lock()
	defer c.changes.Unlock()
	if c.ctx.Err() != nil {
		return nil, fmt.Errorf("add node %s: %w", nc.Name, errClosed)
	}
	nc, err := c.checkNewNode(nc)
	if err != nil {
		return nil, fmt.Errorf("add node %s: %w", nc.Name, err)
	}
	nodes := c.nodeList()
	n := c.newNode(nc, nodes[len(nodes)-1].nodeID+1, nodes)
	if err := c.buildNode(n, c.now()); err != nil {
		return nil, fmt.Errorf("add node %s: %w", nc.Name, err)
	}
	if err := c.join(n); err != nil {
		return nil, fmt.Errorf("add node %s: %w", nc.Name, err)
	}
	if err := c.listenNode(n); err != nil {
		c.leave(n)
		return nil, fmt.Errorf("add node %s: %w", nc.Name, err)
	}
	c.cfg.Nodes = append(c.cfg.Nodes, nc)
	c.mu.Lock()
	c.trustOwn(n)
	if n.cucm {
		c.phones.accepted[n.name] = n.installed["CallManager"].cert
	}
	c.mu.Unlock()
	return n, nil
}

// checkNewNode checks a node to add as a config node is checked, and that
// neither its name nor its FQDN is taken; it returns nc with its defaults.
func (c *Cluster) checkNewNode(nc NodeConfig) (NodeConfig, error) {
	c.mu.Lock()
	nc = nodeDefaults(nc, c.domain)
	c.mu.Unlock()
	p := &problems{}
	c.cfg.checkNode(p, "node", &nc)
	if nc.Role == "publisher" {
		p.at("node.role", "node: role publisher: a cluster has one publisher; "+
			"add a subscriber or an imp node")
	}
	for _, m := range c.nodeList() {
		if m.name == nc.Name {
			p.at("node.name", "node: name %q is taken", nc.Name)
		}
		if strings.EqualFold(m.fqdn(), nc.FQDN) {
			p.at("node.fqdn", "node: fqdn %q is taken by node %s", nc.FQDN, m.name)
		}
	}
	msgs := make([]string, len(p.errs))
	for i, e := range p.errs {
		msgs[i] = strings.TrimPrefix(e.Msg, "node: ")
	}
	if len(msgs) > 0 {
		return nc, errors.New(strings.Join(msgs, "; "))
	}
	return nc, nil
}

// join makes n a member, unless the cluster is closing: Close then sees
// it and closes its listeners.
func (c *Cluster) join(n *node) error {
	c.life.Lock()
	defer c.life.Unlock()
	if c.closing {
		return errClosed
	}
	c.mu.Lock()
	c.nodes = append(slices.Clone(c.nodes), n)
	c.mu.Unlock()
	return nil
}

// leave undoes join for a node whose listeners could not open.
func (c *Cluster) leave(n *node) {
	for _, e := range n.endpoints {
		e.close()
	}
	c.mu.Lock()
	c.nodes = slices.DeleteFunc(slices.Clone(c.nodes), func(m *node) bool { return m == n })
	c.mu.Unlock()
}

// changeable finds a node a change is made to, in an open cluster.
func (c *Cluster) changeable(name string) (*node, error) {
	n := c.node(name)
	switch {
	case n == nil:
		return nil, errors.New("no such node")
	case c.ctx.Err() != nil:
		return nil, errClosed
	}
	return n, nil
}

// SetDown takes a node down (its ports refuse connections and its open
// connections drop) or brings it up again on the same ports. Services keep
// their state. Bringing a node up fails if another process took a port.
// The change is audited as SimDown or SimUp.
func (c *Cluster) SetDown(name string, down bool) error {
	err := c.setDown(name, down)
	command := SimUp
	if down {
		command = SimDown
	}
	c.recordSim(name, command, "", err)
	return err
}

func (c *Cluster) setDown(name string, down bool) error {
	c.changes.Lock()
	defer c.changes.Unlock()
	n, err := c.changeable(name)
	if err != nil {
		return fmt.Errorf("set node %s down: %w", name, err)
	}
	c.mu.Lock()
	n.down = down
	c.mu.Unlock()
	for _, e := range n.endpoints {
		if down {
			e.close()
			continue
		}
		if err := e.listen(c.spawn); err != nil {
			return fmt.Errorf("bring node %s up: %w", name, err)
		}
	}
	return nil
}
