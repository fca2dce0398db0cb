package sshexec

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const sshdPath = "/usr/sbin/sshd"

// sshd is a real OpenSSH server on a loopback port, run by the test as a
// child with throwaway host and user keys.
type sshd struct {
	addr    string
	user    string
	hostKey ssh.PublicKey
	userKey []byte // PEM private key authorised to log in
	dir     string
	stderr  *bytes.Buffer
}

// startSSHD starts sshd, or skips when it is not installed outside CI.
func startSSHD(t *testing.T) *sshd {
	t.Helper()
	if _, err := os.Stat(sshdPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("%s is not installed (apt-get install openssh-server); skipping the real-sshd tests", sshdPath)
		}
		t.Fatalf("%s is missing in CI: .ci/run must install openssh-server", sshdPath)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	s := &sshd{dir: t.TempDir(), user: me.Username, stderr: &bytes.Buffer{}}
	hostPriv := s.writeKey(t, "host_ed25519")
	s.hostKey = hostPriv.PublicKey()
	userPriv := s.writeKey(t, "user_ed25519")
	s.userKey, _ = os.ReadFile(filepath.Join(s.dir, "user_ed25519"))
	authorized := ssh.MarshalAuthorizedKey(userPriv.PublicKey())
	if err := os.WriteFile(filepath.Join(s.dir, "authorized_keys"), authorized, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd running as root wants its privilege separation directory,
		// which the package's service unit would make.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(t)))
	s.run(t)
	return s
}

func (s *sshd) writeKey(t *testing.T, name string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "runbook-test")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func (s *sshd) run(t *testing.T) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.addr)
	cfg := fmt.Sprintf(`Port %s
ListenAddress 127.0.0.1
HostKey %s
PidFile none
AuthorizedKeysFile %s
StrictModes no
UsePAM no
PubkeyAuthentication yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PermitRootLogin yes
MaxStartups 50
LogLevel ERROR
`, port, filepath.Join(s.dir, "host_ed25519"), filepath.Join(s.dir, "authorized_keys"))
	cfgPath := filepath.Join(s.dir, "sshd_config")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(sshdPath, "-D", "-e", "-f", cfgPath)
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) || cmd.ProcessState != nil {
			t.Fatalf("sshd did not listen on %s: %v\n%s", s.addr, err, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// knownHosts writes a known_hosts file holding key for the server.
func (s *sshd) knownHosts(t *testing.T, key ssh.PublicKey) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(s.addr)}, key) + "\n"
	if err := os.WriteFile(p, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
