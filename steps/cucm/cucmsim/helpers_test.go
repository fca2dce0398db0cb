package cucmsim

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixedNow is the clock of tests that compare dates.
func fixedNow() time.Time {
	return time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
}

// start runs a cluster for the test and closes it at the end.
func start(t testing.TB, cfg *Config, opts ...Options) *Cluster {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	c, err := Start(t.Context(), cfg, o)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return c
}

// term is a test's SSH terminal: a real client session with a PTY and a
// shell, reading output into a buffer.
type termClient struct {
	t      testing.TB
	client *ssh.Client
	sess   *ssh.Session
	in     io.WriteCloser
	prompt string

	mu   sync.Mutex
	cond *sync.Cond
	buf  strings.Builder
	eof  bool
}

// sshConfig is a client config that knows the node's host key.
func sshConfig(c *Cluster, node string) *ssh.ClientConfig {
	info, _ := c.Node(node)
	return &ssh.ClientConfig{
		User:            c.Username(),
		Auth:            []ssh.AuthMethod{ssh.Password(c.Password())},
		HostKeyCallback: ssh.FixedHostKey(info.HostKey),
		Timeout:         10 * time.Second,
	}
}

// dial logs in to a node, opens a shell and reads to the first prompt.
func dial(t testing.TB, c *Cluster, node string) *termClient {
	t.Helper()
	tc := open(t, c, node, sshConfig(c, node))
	tc.waitPrompt()
	return tc
}

// open logs in and opens a PTY shell without waiting for the prompt.
func open(t testing.TB, c *Cluster, node string, cfg *ssh.ClientConfig) *termClient {
	t.Helper()
	info, _ := c.Node(node)
	client, err := ssh.Dial("tcp", info.SSHAddr(), cfg)
	if err != nil {
		t.Fatalf("dial %s: %v", node, err)
	}
	t.Cleanup(func() { client.Close() })
	sess, err := client.NewSession()
	if err != nil {
		t.Fatalf("session %s: %v", node, err)
	}
	tc := &termClient{t: t, client: client, sess: sess, prompt: c.Username() + ":"}
	tc.cond = sync.NewCond(&tc.mu)
	out, _ := sess.StdoutPipe()
	tc.in, _ = sess.StdinPipe()
	if err := sess.RequestPty("vt100", 24, 80, ssh.TerminalModes{}); err != nil {
		t.Fatalf("pty %s: %v", node, err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatalf("shell %s: %v", node, err)
	}
	go tc.read(out)
	return tc
}

func (tc *termClient) read(r io.Reader) {
	b := make([]byte, 4096)
	for {
		n, err := r.Read(b)
		tc.mu.Lock()
		tc.buf.Write(b[:n])
		if err != nil {
			tc.eof = true
		}
		tc.cond.Broadcast()
		tc.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// waitFor waits until done holds for the output so far (CRs removed) and
// returns it, consuming it.
func (tc *termClient) waitFor(what string, done func(string) bool) string {
	tc.t.Helper()
	timer := time.AfterFunc(10*time.Second, func() {
		tc.mu.Lock()
		tc.eof = true
		tc.cond.Broadcast()
		tc.mu.Unlock()
	})
	defer timer.Stop()
	tc.mu.Lock()
	defer tc.mu.Unlock()
	for {
		out := strings.ReplaceAll(tc.buf.String(), "\r", "")
		if done(out) {
			tc.buf.Reset()
			return out
		}
		if tc.eof {
			tc.t.Fatalf("waiting for %s, got %q", what, out)
		}
		tc.cond.Wait()
	}
}

// waitPrompt reads to the next prompt.
func (tc *termClient) waitPrompt() string {
	return tc.waitFor("prompt", func(s string) bool { return strings.HasSuffix(s, tc.prompt) })
}

// expect reads until text appears at the end of the output.
func (tc *termClient) expect(text string) string {
	return tc.waitFor(text, func(s string) bool { return strings.HasSuffix(s, text) })
}

// send types text.
func (tc *termClient) send(text string) {
	tc.t.Helper()
	if _, err := io.WriteString(tc.in, text); err != nil {
		tc.t.Fatalf("send %q: %v", text, err)
	}
}

// run types a command and returns its output: the lines between the echo
// and the next prompt.
func (tc *termClient) run(cmd string) string {
	tc.t.Helper()
	tc.send(cmd + "\r")
	return tc.output(tc.waitPrompt())
}

// output strips the echoed command line and the prompt.
func (tc *termClient) output(s string) string {
	s = strings.TrimSuffix(s, tc.prompt)
	if i := strings.Index(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// closed waits for the server to close the session.
func (tc *termClient) closed() string {
	return tc.waitFor("end of session", func(string) bool {
		return tc.eof
	})
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// tlsCert returns the leaf certificate an address serves.
func servedCert(t testing.TB, addr string) *x509.Certificate {
	t.Helper()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS dial %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// waitAudit waits until the audit log satisfies ok, which the server may
// record a moment after the client saw the effect.
func waitAudit(t testing.TB, c *Cluster, ok func([]AuditEntry) bool) []AuditEntry {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := c.Audit()
		if ok(a) || time.Now().After(deadline) {
			return a
		}
		time.Sleep(5 * time.Millisecond)
	}
}
