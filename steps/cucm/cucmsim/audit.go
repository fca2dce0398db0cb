package cucmsim

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// Audit channels: where a node received something.
const (
	ChannelCLI   = "cli"   // the OS CLI over SSH, logins included
	ChannelAPI   = "api"   // the certificate REST API
	ChannelHTTPS = "https" // the web pages on the HTTPS port
	ChannelGUI   = "gui"   // the /sim/ endpoints: GUI stand-in and phones
	// ChannelSim records the changes a test made through the Go API
	// (AddNode, RebuildNode, RenameNode, InstallIdentity, SetDown); their
	// commands are the Sim constants.
	ChannelSim = "sim"
)

// Audit results.
const (
	ResultOK      = "ok"      // done
	ResultFailed  = "failed"  // refused or failed; Detail says why
	ResultAborted = "aborted" // a question was answered no
	ResultInvalid = "invalid" // not a command the CLI knows
	ResultDropped = "dropped" // a fault closed the connection
	ResultDenied  = "denied"  // a login with wrong credentials
	ResultRefused = "refused" // a login refused by a fault
)

// AuditEntry is one command, call or login a node received. Options.Audit
// gets each as one JSON line, e.g.
//
//	{"time":"2025-01-06T10:00:00Z","node":"cucm-pub","channel":"cli","session":1,
//	 "command":"utils service restart Cisco Tomcat","result":"ok"}
type AuditEntry struct {
	Time    time.Time `json:"time"`
	Node    string    `json:"node"`
	Channel string    `json:"channel"`           // cli, api, https, gui or sim
	Session int       `json:"session,omitempty"` // SSH session number on the node
	Command string    `json:"command"`           // CLI line ("login USER" for logins), "METHOD /path" or a Sim constant
	Result  string    `json:"result"`            // ok, failed, aborted, invalid, dropped, denied, refused
	Status  int       `json:"status,omitempty"`  // HTTP status of a call
	Detail  string    `json:"detail,omitempty"`  // why it failed; for sim, what changed
}

// auditLog keeps the entries and writes them out as JSON lines.
type auditLog struct {
	mu      sync.Mutex
	w       io.Writer
	entries []AuditEntry
	werr    error
}

func (a *auditLog) add(e AuditEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, e)
	if a.w == nil || a.werr != nil {
		return
	}
	line, err := json.Marshal(e)
	if err == nil {
		_, err = a.w.Write(append(line, '\n'))
	}
	if err != nil {
		a.werr = fmt.Errorf("write audit log: %w", err)
	}
}

func (a *auditLog) err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.werr
}

// Audit returns every entry received so far, in order.
func (c *Cluster) Audit() []AuditEntry {
	c.audit.mu.Lock()
	defer c.audit.mu.Unlock()
	return slices.Clone(c.audit.entries)
}

// record adds an entry stamped with the cluster clock.
func (c *Cluster) record(e AuditEntry) {
	e.Time = c.now()
	c.audit.add(e)
}
