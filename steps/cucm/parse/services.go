package parse

import (
	"fmt"
	"regexp"
	"strings"
)

// The states a service can be in.
const (
	Started  = "STARTED"
	Stopped  = "STOPPED"
	Starting = "STARTING"
	Stopping = "STOPPING"
	Failed   = "FAILED"
)

// Service is one line of `utils service list`.
type Service struct {
	Name string
	// State is STARTED, STOPPED, STARTING, STOPPING or what else the CLI
	// printed between the brackets, in capitals.
	State string
	// Reason is the text after the state, such as "Service Not Activated".
	Reason string
	// System is true for the platform's own services, listed before the
	// managed ones.
	System bool
}

// Activated reports whether the service is activated on the node.
func (s Service) Activated() bool {
	return !strings.Contains(strings.ToLower(s.Reason), "not activated")
}

// stateLine matches "Cisco Tomcat[STARTED]", "System SSH [STARTED]" and
// "Cisco Tomcat Stats Servlet[ STOPPED ]  Component is not running".
var stateLine = regexp.MustCompile(`^(\S.*?)(\s*)\[\s*([A-Za-z][A-Za-z ]*?)\s*\]\s*(.*)$`)

// Services parses the output of `utils service list`.
func Services(out string) ([]Service, error) {
	if err := Failure(out); err != nil {
		return nil, err
	}
	var list []Service
	managed := false
	sectioned := strings.Contains(strings.ToLower(out), "getting list of all services")
	for _, l := range Lines(out) {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(strings.ToLower(t), "getting list of all services") {
			managed = true
			continue
		}
		m := stateLine.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		system := m[2] != ""
		if sectioned {
			system = !managed
		}
		list = append(list, Service{
			Name: m[1], State: strings.ToUpper(m[3]), Reason: m[4], System: system,
		})
	}
	if len(list) == 0 {
		return nil, unreadable("service states", out)
	}
	return list, nil
}

// Find returns the service of list called name (see SameService).
func Find(list []Service, name string) (Service, bool) {
	for _, s := range list {
		if SameService(s.Name, name) {
			return s, true
		}
	}
	return Service{}, false
}

// SameService reports whether a and b name the same service: case, runs
// of spaces and a leading "Cisco " do not matter, since the platform lists
// "Platform Administrative Web Service" without the prefix that the
// serviceability pages show.
func SameService(a, b string) bool {
	return serviceKey(a) == serviceKey(b)
}

func serviceKey(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimPrefix(s, "cisco ")
}

// Change is what `utils service start|stop|restart NAME` printed.
type Change struct {
	Service string
	// States lists every state printed for the service, in order.
	States []string
	// Final is the last state printed.
	Final string
	// Failed is set when the CLI printed [FAILED] or an ERROR line.
	Failed bool
	// Message is the failure line, or the reason printed with the final
	// state.
	Message string
}

// ServiceChange parses the output of `utils service start|stop|restart`
// for the service called name.
func ServiceChange(out, name string) (Change, error) {
	c := Change{Service: name}
	for _, l := range Lines(out) {
		t := strings.TrimSpace(l)
		if isErrorLine(t) {
			c.Failed, c.Message = true, t
			continue
		}
		m := stateLine.FindStringSubmatch(t)
		if m == nil || !SameService(m[1], name) {
			continue
		}
		c.Final = strings.ToUpper(m[3])
		c.States = append(c.States, c.Final)
		c.Message = m[4]
		if c.Final == Failed || strings.Contains(strings.ToLower(c.Message), "not activated") {
			c.Failed = true
		}
	}
	return c, c.check(out)
}

func (c *Change) check(out string) error {
	if c.Failed || c.Final != "" {
		return nil
	}
	if err := Failure(out); err != nil {
		return err
	}
	if line := notActivated(out); line != "" {
		c.Failed, c.Message = true, line
		return nil
	}
	return unreadable(fmt.Sprintf("state of %s", c.Service), out)
}

var errorLine = regexp.MustCompile(`^(?:ERROR\b|Error\s*:)`)

func isErrorLine(t string) bool { return errorLine.MatchString(t) }

func notActivated(out string) string {
	for _, l := range Lines(out) {
		if strings.Contains(strings.ToLower(l), "not activated") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
