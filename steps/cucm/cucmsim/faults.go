package cucmsim

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Matchers of Fault.On that are not a command or a call.
const (
	onAnyCommand = "command"
	onAnyCall    = "api"
)

func (c *Config) checkFaults(p *problems) {
	actions := []string{FaultDown, FaultRefuseLogin, FaultDrop, FaultFail, FaultSlow}
	for i, f := range c.Faults {
		path := fmt.Sprintf("faults[%d]", i)
		if !slices.Contains(actions, f.Action) {
			p.at(path+".action", "%s: action %q: want %s%s", path, f.Action,
				strings.Join(actions, ", "), suggest(f.Action, actions))
		}
		c.checkNodeRef(p, path, f.Node, f.Action == FaultDown)
		c.checkFaultTrigger(p, path, f)
		if f.Service != "" && !c.knownService(f.Service) {
			p.at(path+".service", "%s: unknown service %q%s", path, f.Service,
				suggest(f.Service, serviceNames(true)))
		}
		if f.Count < 0 || f.Times < -1 {
			p.at(path, "%s: count and times must not be negative (times: always repeats)", path)
		}
		if f.Status != 0 && (f.Status < 400 || f.Status > 599) {
			p.at(path+".status", "%s: status %d: want an HTTP error status 400 to 599", path, f.Status)
		}
	}
}

// checkFaultTrigger checks that each action has the trigger it needs.
func (c *Config) checkFaultTrigger(p *problems, path string, f Fault) {
	switch f.Action {
	case FaultDown, FaultRefuseLogin:
		if f.On != "" || f.Service != "" {
			p.at(path, "%s: action %s takes no on or service", path, f.Action)
		}
	case FaultDrop:
		if f.On == "" || f.Service != "" {
			p.at(path, "%s: action drop needs on: a command, \"command\" or \"api\"", path)
		}
	case FaultFail:
		if (f.On == "") == (f.Service == "") {
			p.at(path, "%s: action fail needs either on (a command or call) or service", path)
		}
	case FaultSlow:
		if f.Service == "" || f.Delay <= 0 {
			p.at(path, "%s: action slow needs service and a delay", path)
		}
	}
}

func (c *Config) checkNodeRef(p *problems, path, node string, required bool) {
	if node == "" {
		if required {
			p.at(path, "%s: node is required", path)
		}
		return
	}
	var names []string
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	if !slices.Contains(names, node) {
		p.at(path+".node", "%s: unknown node %q%s", path, node, suggest(node, names))
	}
}

func (c *Config) knownService(name string) bool {
	return slices.Contains(serviceNames(true), name) ||
		slices.Contains(serviceNames(false), name)
}

func (c *Config) checkResponses(p *problems) {
	for i, r := range c.Responses {
		path := fmt.Sprintf("responses[%d]", i)
		c.checkNodeRef(p, path, r.Node, false)
		if strings.TrimSpace(r.Command) == "" {
			p.at(path, "%s: command is required", path)
		}
	}
}

// normalize collapses spaces and case so commands compare as the CLI
// reads them.
func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// faultState is a fault with its counters. Counters are guarded by
// Cluster.mu.
type faultState struct {
	Fault
	hits, fired int
}

func newFaults(faults []Fault) []*faultState {
	out := make([]*faultState, len(faults))
	for i, f := range faults {
		if f.Count == 0 {
			f.Count = 1
		}
		if f.Times == 0 {
			f.Times = 1
			if f.Action == FaultSlow {
				f.Times = -1
			}
		}
		if f.Status == 0 {
			f.Status = 500
		}
		out[i] = &faultState{Fault: f}
	}
	return out
}

// event is something a fault may fire on.
type event struct {
	kind string // "login", "cli", "api" or "service"
	text string // the command line, "METHOD /path" or the service name
}

// matches tells whether f is about ev (node aside).
func (f *faultState) matches(ev event) bool {
	switch ev.kind {
	case "login":
		return f.Action == FaultRefuseLogin
	case "cli":
		return (f.Action == FaultDrop || f.Action == FaultFail) &&
			(f.On == onAnyCommand || f.On != onAnyCall && normalize(f.On) == normalize(ev.text))
	case "api":
		return (f.Action == FaultDrop || f.Action == FaultFail) &&
			(f.On == onAnyCall || normalize(f.On) == normalize(ev.text))
	case "service":
		return (f.Action == FaultFail || f.Action == FaultSlow) &&
			strings.EqualFold(f.Service, ev.text)
	}
	return false
}

// fire counts ev against every fault of node n and returns the first that
// fires, or nil.
func (c *Cluster) fire(n *node, ev event) *Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	var fired *Fault
	for _, f := range c.faults {
		if f.Node != "" && f.Node != n.name || !f.matches(ev) {
			continue
		}
		f.hits++
		if f.hits < f.Count || f.Times >= 0 && f.fired >= f.Times || fired != nil {
			continue
		}
		f.fired++
		fired = &f.Fault
	}
	return fired
}

// startFaults returns whether starting service on n fails this time and
// the extra delay slow faults add.
func (c *Cluster) startFaults(n *node, service string) (fail bool, delay time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ev := event{"service", service}
	for _, f := range c.faults {
		if f.Node != "" && f.Node != n.name || !f.matches(ev) {
			continue
		}
		f.hits++
		if f.hits < f.Count || f.Times >= 0 && f.fired >= f.Times {
			continue
		}
		f.fired++
		if f.Action == FaultSlow {
			delay += f.Delay
		} else {
			fail = true
		}
	}
	return fail, delay
}

// response returns the configured replacement output of a command on n.
func (c *Cluster) response(n *node, line string) (string, bool) {
	for _, r := range c.cfg.Responses {
		if (r.Node == "" || r.Node == n.name) && normalize(r.Command) == normalize(line) {
			return r.Text, true
		}
	}
	return "", false
}
