package cucmsim

import (
	"errors"
	"fmt"
)

// Service operations.
const (
	opStart   = "start"
	opStop    = "stop"
	opRestart = "restart"
)

var (
	errNoService    = errors.New("no such service")
	errNotActivated = errors.New("service not activated")
)

// serviceOp starts, stops or restarts a service on n in the background -
// it goes on if the session that asked drops, as on a real node - and
// returns the service's canonical name and a channel of the states it
// passes through (STOPPING, STOPPED, STARTING, STARTED or FAILED), closed
// at the end. Operations on one node run one at a time. fail makes the
// start fail, as a fault on the command does.
func (c *Cluster) serviceOp(n *node, name, op string, fail bool) (string, <-chan string, error) {
	c.mu.Lock()
	s := n.service(name)
	notActivated := s != nil && s.reason == reasonNotActivated
	c.mu.Unlock()
	switch {
	case s == nil:
		return name, nil, fmt.Errorf("%w: %s", errNoService, name)
	case notActivated:
		return s.name, nil, fmt.Errorf("%w: %s", errNotActivated, s.name)
	}
	ch := make(chan string, 4)
	ok := c.spawn(func() {
		defer close(ch)
		n.svcOps.Lock()
		defer n.svcOps.Unlock()
		c.runServiceOp(n, s, op, fail, ch)
	})
	if !ok {
		close(ch)
	}
	return s.name, ch, nil
}

// runServiceOp moves a service through its states over the configured
// restart latency: half stopping, half starting, plus any slow fault.
func (c *Cluster) runServiceOp(n *node, s *service, op string, fail bool, ch chan<- string) {
	half := c.cfg.Latency.Restart / 2
	if op == opStart && c.state(s) == started {
		ch <- started
		return
	}
	if op != opStart {
		c.setState(n, s, stopping, "")
		ch <- stopping
		if !sleep(c.ctx.Done(), half) {
			return
		}
		if op == opStop {
			c.setState(n, s, stopped, reasonCommanded)
			ch <- stopped
			return
		}
	}
	faultFail, delay := c.startFaults(n, s.name)
	c.setState(n, s, starting, "")
	ch <- starting
	if !sleep(c.ctx.Done(), half+delay) {
		return
	}
	if fail || faultFail {
		c.setState(n, s, stopped, reasonNotRunning)
		ch <- failed
		return
	}
	c.setState(n, s, started, "")
	ch <- started
}

func (c *Cluster) state(s *service) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return s.state
}

// setState moves a service to a state. Reaching STARTED activates the
// certificates it serves; leaving it resets the connections of the ports
// it serves.
func (c *Cluster) setState(n *node, s *service, state, reason string) {
	c.mu.Lock()
	s.state, s.reason = state, reason
	if state == started {
		c.activate(n, s.name)
	}
	c.mu.Unlock()
	if state == started {
		return
	}
	for _, e := range n.endpoints {
		if e.service == s.name {
			e.reset()
		}
	}
}
