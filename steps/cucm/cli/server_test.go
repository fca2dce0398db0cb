package cli

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// fakeCLI is a small CUCM-like CLI on a real SSH server on loopback: PTY
// and shell only, a banner, a "user:" prompt, echo, and scripted commands.
type fakeCLI struct {
	User, Password string
	Banner         string
	BannerDelay    time.Duration
	NoPrompt       bool // never print the prompt
	NoEcho         bool
	ANSI           bool // colour the prompt and the output
	KbdOnly        bool // keyboard-interactive only
	PasswordOnly   bool
	Legacy         bool // offer only legacy algorithms, with an ssh-rsa key
	DropAt         int  // close the connection during the Nth command
	Pager          bool // page long outputs until "set cli pagination off"
	Deaf           bool // never service global requests: keep-alives hang the connection
	Commands       map[string]func(c *shellConn)

	key  ssh.Signer
	addr string
	ln   net.Listener
	stop chan struct{} // closed when the test ends

	conns sync.Map // open connections, closed when the test ends

	mu  sync.Mutex
	log []string // commands received, with answers as "> reply"
}

// startCLI starts f on 127.0.0.1 and stops it when the test ends.
func startCLI(t testing.TB, f *fakeCLI) *fakeCLI {
	t.Helper()
	if f.User == "" {
		f.User, f.Password = "admin", "s3cret"
	}
	f.key = newSigner(t, f.Legacy)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln, f.addr, f.stop = ln, ln.Addr().String(), make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(func() {
		close(f.stop)
		ln.Close()
		f.conns.Range(func(k, _ any) bool { k.(net.Conn).Close(); return true })
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); f.serve(conn) }()
		}
	}()
	return f
}

func newSigner(t testing.TB, legacy bool) ssh.Signer {
	t.Helper()
	if legacy {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ssh.NewSignerFromKey(k)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := ssh.NewSignerWithAlgorithms(s.(ssh.AlgorithmSigner), []string{ssh.KeyAlgoRSA})
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *fakeCLI) serverConfig() *ssh.ServerConfig {
	check := func(meta ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
		if meta.User() == f.User && string(pw) == f.Password {
			return nil, nil
		}
		return nil, errors.New("denied")
	}
	cfg := &ssh.ServerConfig{}
	if !f.KbdOnly {
		cfg.PasswordCallback = check
	}
	if !f.PasswordOnly {
		cfg.KeyboardInteractiveCallback = func(meta ssh.ConnMetadata,
			ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			a, err := ask("", "", []string{"Password: "}, []bool{false})
			if err != nil || len(a) != 1 {
				return nil, errors.New("denied")
			}
			return check(meta, []byte(a[0]))
		}
	}
	if f.Legacy {
		cfg.KeyExchanges = []string{ssh.InsecureKeyExchangeDH14SHA1}
		cfg.Ciphers = []string{ssh.InsecureCipherAES128CBC}
		cfg.MACs = []string{ssh.HMACSHA1}
	}
	cfg.AddHostKey(f.key)
	return cfg
}

func (f *fakeCLI) serve(conn net.Conn) {
	f.conns.Store(conn, true)
	defer f.conns.Delete(conn)
	defer conn.Close()
	_, chans, reqs, err := ssh.NewServerConn(conn, f.serverConfig())
	if err != nil {
		return
	}
	if !f.Deaf {
		go ssh.DiscardRequests(reqs)
	}
	for nc := range chans {
		ch, creqs, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			for req := range creqs {
				ok := req.Type == "pty-req" || req.Type == "shell"
				req.Reply(ok, nil)
				if req.Type == "shell" {
					go f.shell(conn, ch)
				}
			}
		}()
	}
}

// shellConn is the server side of one shell.
type shellConn struct {
	f    *fakeCLI
	ch   ssh.Channel
	r    *bufio.Reader
	conn net.Conn
	page bool
}

// Printf writes text with CRLF line ends.
func (c *shellConn) Printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	c.ch.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n")))
}

// ReadLine reads one line, echoing it.
func (c *shellConn) ReadLine() (string, error) {
	var b strings.Builder
	for {
		r, _, err := c.r.ReadRune()
		if err != nil {
			return b.String(), err
		}
		if r == '\r' || r == '\n' {
			if !c.f.NoEcho {
				c.ch.Write([]byte("\r\n"))
			}
			return b.String(), nil
		}
		if !c.f.NoEcho {
			c.ch.Write([]byte(string(r)))
		}
		b.WriteRune(r)
	}
}

// Ask prints a question and records the reply.
func (c *shellConn) Ask(q string) string {
	c.Printf("%s", q)
	a, _ := c.ReadLine()
	c.f.record("> " + a)
	return a
}

// Hang waits for d or the end of the test.
func (c *shellConn) Hang(d time.Duration) {
	select {
	case <-time.After(d):
	case <-c.f.stop:
	}
}

// Drop closes the connection under the client.
func (c *shellConn) Drop() { c.conn.Close() }

func (f *fakeCLI) record(s string) {
	f.mu.Lock()
	f.log = append(f.log, s)
	f.mu.Unlock()
}

func (f *fakeCLI) received() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeCLI) prompt() string {
	if f.ANSI {
		return "\x1b[1;32m" + f.User + ":\x1b[0m"
	}
	return f.User + ":"
}

func (f *fakeCLI) shell(conn net.Conn, ch ssh.Channel) {
	defer ch.Close()
	c := &shellConn{f: f, ch: ch, r: bufio.NewReader(ch), conn: conn, page: f.Pager}
	c.Printf("Command Line Interface is starting up, please wait ...\n")
	c.Hang(f.BannerDelay)
	c.Printf("%s", f.Banner)
	if f.NoPrompt {
		c.ReadLine()
		return
	}
	for n := 0; ; {
		c.Printf("%s", f.prompt())
		line, err := c.ReadLine()
		if err != nil {
			return
		}
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		n++
		f.record(line)
		if !c.command(line, n) {
			return
		}
	}
}

// command runs one command; false ends the shell.
func (c *shellConn) command(line string, n int) bool {
	f := c.f
	if f.DropAt == n {
		c.Printf("Service Manager is running\n")
		time.Sleep(20 * time.Millisecond)
		c.Drop()
		return false
	}
	switch {
	case line == "set cli pagination off":
		c.page = false
		c.Printf("Automation mode is on\n")
	case line == "exit" || line == "quit":
		return false
	case f.Commands[line] != nil:
		f.Commands[line](c)
	default:
		c.Printf("Executed command unsuccessfully\nInvalid command\n")
	}
	return true
}

// knownHostsFor writes a known_hosts file holding f's key (or another
// key, for mismatch tests) and returns its path.
func knownHostsFor(t testing.TB, f *fakeCLI, key ssh.PublicKey) string {
	t.Helper()
	if key == nil {
		key = f.key.PublicKey()
	}
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(f.addr)}, key)
	if err := os.WriteFile(p, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Paged prints lines five at a time with a "--More--" pager while
// pagination is on.
func (c *shellConn) Paged(lines []string) {
	for i, l := range lines {
		if c.page && i > 0 && i%5 == 0 {
			c.Printf("--More--")
			if _, _, err := c.r.ReadRune(); err != nil {
				return
			}
			c.Printf("\r        \r")
		}
		c.Printf("%s\n", l)
	}
}
