package cucmsim

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

func TestExecRefused(t *testing.T) {
	c := start(t, TestConfig(""))
	info, _ := c.Node("cucm-pub")
	client, err := ssh.Dial("tcp", info.SSHAddr(), sshConfig(c, "cucm-pub"))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Output("show version active"); err == nil {
		t.Error("exec was granted")
	}
	sess, _ = client.NewSession()
	if err := sess.Shell(); err == nil {
		t.Error("a shell without a PTY was granted")
	}
	sess, _ = client.NewSession()
	if err := sess.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem was granted")
	}
}

func TestAuthMethods(t *testing.T) {
	password := func(c *Cluster) ssh.AuthMethod { return ssh.Password(c.Password()) }
	interactive := func(c *Cluster) ssh.AuthMethod {
		return ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
			if len(qs) != 1 || qs[0] != "Password: " {
				return nil, nil
			}
			return []string{c.Password()}, nil
		})
	}
	wrong := func(*Cluster) ssh.AuthMethod { return ssh.Password("wrong") }
	tests := []struct {
		name    string
		allowed []string
		method  func(*Cluster) ssh.AuthMethod
		ok      bool
		result  string
	}{
		{"password", nil, password, true, ResultOK},
		{"keyboard-interactive", nil, interactive, true, ResultOK},
		{"wrong password", nil, wrong, false, ResultDenied},
		{"keyboard-interactive only refuses password", []string{"keyboard-interactive"}, password, false, ResultDenied},
		{"keyboard-interactive only", []string{"keyboard-interactive"}, interactive, true, ResultOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := TestConfig("")
			cfg.SSH.Auth = tt.allowed
			c := start(t, cfg)
			cc := sshConfig(c, "cucm-pub")
			cc.Auth = []ssh.AuthMethod{tt.method(c)}
			info, _ := c.Node("cucm-pub")
			client, err := ssh.Dial("tcp", info.SSHAddr(), cc)
			if (err == nil) != tt.ok {
				t.Fatalf("dial: %v, want success %v", err, tt.ok)
			}
			if client != nil {
				client.Close()
			}
			audit := waitAudit(t, c, func(a []AuditEntry) bool { return len(a) > 0 })
			if len(audit) == 0 || audit[0].Command != "login admin" || audit[0].Result != tt.result {
				t.Errorf("audit %+v, want login admin %s", audit, tt.result)
			}
		})
	}
}

func TestLegacyAlgorithms(t *testing.T) {
	cfg := TestConfig("10.5.2.10000-5")
	cfg.SSH.Legacy = true
	c := start(t, cfg)
	info, _ := c.Node("cucm-pub")
	if info.HostKey.Type() != ssh.KeyAlgoRSA {
		t.Errorf("host key type %s, want ssh-rsa", info.HostKey.Type())
	}
	if _, err := ssh.Dial("tcp", info.SSHAddr(), sshConfig(c, "cucm-pub")); err == nil {
		t.Fatal("a modern client connected to a legacy-only server")
	}
	cc := sshConfig(c, "cucm-pub")
	cc.KeyExchanges = []string{ssh.InsecureKeyExchangeDH14SHA1}
	cc.Ciphers = []string{ssh.InsecureCipherAES128CBC}
	cc.MACs = []string{ssh.HMACSHA1}
	cc.HostKeyAlgorithms = []string{ssh.KeyAlgoRSA}
	tc := open(t, c, "cucm-pub", cc)
	tc.waitPrompt()
	if out := tc.run("show version active"); !strings.HasPrefix(out, "Active Master Version: 10.5.2.10000-5") {
		t.Errorf("legacy session: %q", out)
	}
	if v := string(tc.client.ServerVersion()); v != "SSH-2.0-OpenSSH_5.3" {
		t.Errorf("server version %q", v)
	}
}

func TestHostKeysPersist(t *testing.T) {
	dir := t.TempDir()
	keys := func() []ssh.PublicKey {
		c := start(t, TestConfig(""), Options{StateDir: dir})
		var out []ssh.PublicKey
		for _, n := range c.Nodes() {
			out = append(out, n.HostKey)
		}
		c.Close()
		return out
	}
	first, second := keys(), keys()
	for i := range first {
		if !bytes.Equal(first[i].Marshal(), second[i].Marshal()) {
			t.Errorf("node %d host key changed across restarts", i)
		}
	}
	if bytes.Equal(first[0].Marshal(), first[1].Marshal()) {
		t.Error("two nodes share a host key")
	}
	other := start(t, TestConfig(""))
	if bytes.Equal(other.Nodes()[0].HostKey.Marshal(), first[0].Marshal()) {
		t.Error("a cluster without a state dir reused a saved key")
	}
}
