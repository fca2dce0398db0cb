package cucmsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

func TestWriteSite(t *testing.T) {
	c := start(t, TestConfig(""))
	dir := t.TempDir()
	site := filepath.Join(dir, "site.yaml")
	if err := c.WriteSite(site); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(site)
	// The ports change from run to run: put them in the expected text.
	n := c.Nodes()
	want, _ := os.ReadFile("testdata/site.yaml.tmpl")
	args := []any{}
	for _, i := range n {
		args = append(args, i.SSHPort, i.HTTPSPort, i.APIPort)
	}
	if string(got) != fmt.Sprintf(string(want), args...) {
		t.Errorf("site file:\n%s\nwant:\n%s", got, fmt.Sprintf(string(want), args...))
	}
	var parsed map[string]any
	if err := yaml.Unmarshal(got, &parsed); err != nil {
		t.Fatalf("the site file is not YAML: %v", err)
	}
	if strings.Contains(string(got), c.Password()) {
		t.Error("the site file holds the password")
	}

	// known_hosts verifies every node's host key, in [host]:port form.
	check, err := knownhosts.New(filepath.Join(dir, "known_hosts"))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range n {
		addr, _ := net.ResolveTCPAddr("tcp", i.SSHAddr())
		if err := check(i.SSHAddr(), addr, i.HostKey); err != nil {
			t.Errorf("known_hosts for %s: %v", i.Name, err)
		}
		cfg := sshConfig(c, i.Name)
		cfg.HostKeyCallback = check
		client, err := ssh.Dial("tcp", i.SSHAddr(), cfg)
		if err != nil {
			t.Errorf("dial %s with known_hosts: %v", i.Name, err)
			continue
		}
		client.Close()
	}
	kh, _ := os.ReadFile(filepath.Join(dir, "known_hosts"))
	if !strings.HasPrefix(string(kh), fmt.Sprintf("[127.0.0.21]:%d ssh-ed25519 ", n[0].SSHPort)) {
		t.Errorf("known_hosts:\n%s", kh)
	}
}

// TestClustersSideBySide runs several clusters on the same addresses at
// once: ports differ, nothing is shared.
func TestClustersSideBySide(t *testing.T) {
	const count = 4
	clusters := make([]*Cluster, count)
	var wg sync.WaitGroup
	for i := range clusters {
		wg.Go(func() {
			cfg := TestConfig("")
			cfg.Admin.Password = fmt.Sprintf("password-%d", i)
			c, err := Start(t.Context(), cfg, Options{})
			if err != nil {
				t.Errorf("cluster %d: %v", i, err)
				return
			}
			clusters[i] = c
		})
	}
	wg.Wait()
	for i, c := range clusters {
		if c == nil {
			t.FailNow()
		}
		t.Cleanup(func() { c.Close() })
		tc := dial(t, c, "cucm-pub")
		tc.run("set cli pagination off")
		tc.run("utils service stop Cisco TFTP")
		for j, other := range clusters[:i] {
			if other.ServiceState("cucm-pub", "Cisco TFTP") != stopped {
				t.Errorf("cluster %d: TFTP state leaked into cluster %d", i, j)
			}
		}
		if len(c.Audit()) != 3 {
			t.Errorf("cluster %d has %d audit entries, want 3", i, len(c.Audit()))
		}
	}
}

func TestAuditWriter(t *testing.T) {
	var buf bytes.Buffer
	cfg := TestConfig("")
	c := start(t, cfg, Options{Audit: &buf, Now: fixedNow})
	tc := dial(t, c, "cucm-pub")
	tc.run("show version active")
	tc.run("nonsense")
	request(t, c, "cucm-sub1", "GET", "/sim/phones", nil, nil)
	request(t, c, "cucm-sub1", "GET", apiPrefix+"snapshot/server", nil, nil)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		`{"time":"2025-01-06T10:00:00Z","node":"cucm-pub","channel":"cli","command":"login admin","result":"ok"}`,
		`{"time":"2025-01-06T10:00:00Z","node":"cucm-pub","channel":"cli","session":1,"command":"show version active","result":"ok"}`,
		`{"time":"2025-01-06T10:00:00Z","node":"cucm-pub","channel":"cli","session":1,"command":"nonsense","result":"invalid","detail":"Executed command unsuccessfully"}`,
		`{"time":"2025-01-06T10:00:00Z","node":"cucm-sub1","channel":"gui","command":"GET /sim/phones","result":"ok","status":200}`,
		`{"time":"2025-01-06T10:00:00Z","node":"cucm-sub1","channel":"api","command":"GET /platformcom/api/v1/certmgr/config/snapshot/server","result":"ok","status":200}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range lines {
		var e AuditEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Errorf("line %q: %v", l, err)
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestAuditWriteErrorReported(t *testing.T) {
	c, err := Start(t.Context(), TestConfig(""), Options{Audit: failingWriter{}})
	if err != nil {
		t.Fatal(err)
	}
	dial(t, c, "cucm-pub")
	waitAudit(t, c, func(a []AuditEntry) bool { return len(a) > 0 })
	if err := c.Close(); err == nil || !strings.Contains(err.Error(), "write audit log") {
		t.Errorf("Close: %v, want the audit write error", err)
	}
}

// TestSiteTLSPorts checks that the site file gives the CallManager and XMPP
// TLS ports of the nodes that serve them, and only of those.
func TestSiteTLSPorts(t *testing.T) {
	cfg := TestConfig("")
	zero := 0
	cfg.Ports.CallManager, cfg.Ports.XMPP = &zero, &zero
	c := start(t, cfg)
	site := c.Site()
	for _, i := range c.Nodes() {
		want := fmt.Sprintf("ports: {ssh: %d, https: %d, api: %d, callmanager: %d}",
			i.SSHPort, i.HTTPSPort, i.APIPort, i.CallManagerPort)
		if i.Product == "cups" {
			want = fmt.Sprintf("ports: {ssh: %d, https: %d, api: %d, xmpp: %d}",
				i.SSHPort, i.HTTPSPort, i.APIPort, i.XMPPPort)
		}
		if i.CallManagerPort+i.XMPPPort == 0 || !strings.Contains(site, want) {
			t.Errorf("%s: want %q in the site file:\n%s", i.Name, want, site)
		}
	}
}
