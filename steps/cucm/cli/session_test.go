package cli

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps"
)

const versionOut = "Active Master Version: 14.0.1.12900-161\n" +
	"Active Version Installed Software Options:\nNo Installed Software Options Found.\n"

func version(c *shellConn) { c.Printf("%s", versionOut) }

// config returns a Config for f that trusts f's host key.
func config(t testing.TB, f *fakeCLI) Config {
	return Config{Node: "cucm-pub", Addr: f.addr, User: f.User, Password: f.Password,
		SSH:       steps.SSHSettings{KnownHosts: knownHostsFor(t, f, nil)},
		KeepAlive: -1, Quiet: 200 * time.Millisecond}
}

func dial(t *testing.T, cfg Config) *Session {
	t.Helper()
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestRunVariants(t *testing.T) {
	tests := []struct {
		name string
		f    *fakeCLI
	}{
		{"plain", &fakeCLI{}},
		{"banner, other user, escape codes", &fakeCLI{User: "ucadmin", Password: "pw", ANSI: true,
			Banner: "\nWelcome to the Platform Command Line Interface\n\nVMware Installation:\n" +
				"\t2 vCPU: Intel(R) Xeon(R) CPU\n\tDisk 1: 110GB\n\n", BannerDelay: 300 * time.Millisecond}},
		{"keyboard-interactive only", &fakeCLI{KbdOnly: true}},
		{"password only", &fakeCLI{PasswordOnly: true}},
		{"no echo", &fakeCLI{NoEcho: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.Commands = map[string]func(*shellConn){"show version active": version}
			f := startCLI(t, tt.f)
			s := dial(t, config(t, f))
			out, err := s.Run(context.Background(), "show version active")
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.TrimRight(versionOut, "\n"); out != want {
				t.Errorf("output = %q, want %q", out, want)
			}
			if s.Prompt() != f.User+":" {
				t.Errorf("prompt = %q", s.Prompt())
			}
			want := []string{"set cli pagination off", "show version active"}
			if got := f.received(); !reflect.DeepEqual(got, want) {
				t.Errorf("server received %q, want %q", got, want)
			}
		})
	}
}

func TestBanner(t *testing.T) {
	f := startCLI(t, &fakeCLI{Banner: "Welcome to the Platform Command Line Interface\n\n"})
	s := dial(t, config(t, f))
	want := "Command Line Interface is starting up, please wait ...\n" +
		"Welcome to the Platform Command Line Interface"
	if s.Banner() != want {
		t.Errorf("banner = %q, want %q", s.Banner(), want)
	}
}

func TestDialErrors(t *testing.T) {
	other := newSigner(t, false).PublicKey()
	tests := []struct {
		name    string
		f       *fakeCLI
		edit    func(c *Config, f *fakeCLI)
		wantErr func(c Config, f *fakeCLI) string
	}{
		{name: "wrong password", f: &fakeCLI{},
			edit: func(c *Config, f *fakeCLI) { c.Password = "wrong" },
			wantErr: func(Config, *fakeCLI) string {
				return "log in to cucm-pub as admin: the node refused the credentials " +
					"(tried keyboard-interactive and password)"
			}},
		{name: "host key mismatch", f: &fakeCLI{},
			edit: func(c *Config, f *fakeCLI) { c.SSH.KnownHosts = knownHostsFor(t, f, other) },
			wantErr: func(c Config, f *fakeCLI) string {
				return "host key of cucm-pub (" + f.addr + ") does not match known_hosts: " +
					"the server offered " + ssh.FingerprintSHA256(f.key.PublicKey()) + ", " +
					c.SSH.KnownHosts + ":1 has " + ssh.FingerprintSHA256(other) +
					"; if the node was rebuilt, check the new key on it and replace the old one"
			}},
		{name: "unknown host", f: &fakeCLI{},
			edit: func(c *Config, f *fakeCLI) { c.SSH.KnownHosts = emptyFile(t) },
			wantErr: func(c Config, f *fakeCLI) string {
				return "host key of cucm-pub (" + f.addr + ") is unknown: the server offered " +
					ssh.FingerprintSHA256(f.key.PublicKey()) + " and " + c.SSH.KnownHosts +
					" has no key for it; check the fingerprint on the node and add it, " +
					"or let the site accept new host keys"
			}},
		{name: "no known_hosts", f: &fakeCLI{},
			edit: func(c *Config, f *fakeCLI) { c.SSH.KnownHosts = "" },
			wantErr: func(Config, *fakeCLI) string {
				return "connect to cucm-pub: the site names no known_hosts file, " +
					"and host keys are always verified"
			}},
		{name: "legacy server without legacy algorithms", f: &fakeCLI{Legacy: true},
			edit: func(c *Config, f *fakeCLI) {},
			wantErr: func(Config, *fakeCLI) string {
				return "log in to cucm-pub: no common key exchange algorithm, the node offers " +
					"diffie-hellman-group14-sha1; an older release needs the site's legacy SSH algorithms"
			}},
		{name: "known key of another type", f: &fakeCLI{Legacy: true},
			edit: func(c *Config, f *fakeCLI) {
				c.SSH.LegacyAlgorithms = true
				c.SSH.KnownHosts = knownHostsFor(t, f, other)
			},
			wantErr: func(c Config, f *fakeCLI) string {
				return "log in to cucm-pub: the node offers host keys of type ssh-rsa, but " +
					c.SSH.KnownHosts + " holds only ssh-ed25519 for it: ssh: no common algorithm " +
					`for host key; we offered: ["ssh-ed25519"], peer offered: ["ssh-rsa"]`
			}},
		{name: "no prompt", f: &fakeCLI{NoPrompt: true, Banner: "Welcome\n"},
			edit: func(c *Config, f *fakeCLI) { c.StartTimeout = 300 * time.Millisecond },
			wantErr: func(Config, *fakeCLI) string {
				return `no CLI prompt from cucm-pub after 300ms; the node printed ` +
					`"Command Line Interface is starting up, please wait ...\nWelcome"`
			}},
		{name: "refused connection", f: &fakeCLI{},
			edit: func(c *Config, f *fakeCLI) { f.ln.Close() },
			wantErr: func(c Config, f *fakeCLI) string {
				return "connect to cucm-pub: dial tcp " + f.addr + ": connect: connection refused"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startCLI(t, tt.f)
			cfg := config(t, f)
			tt.edit(&cfg, f)
			s, err := Dial(context.Background(), cfg)
			if err == nil {
				s.Close()
				t.Fatal("Dial succeeded")
			}
			if want := tt.wantErr(cfg, f); err.Error() != want {
				t.Errorf("error:\n got %s\nwant %s", err, want)
			}
		})
	}
}

func emptyFile(t *testing.T) string {
	p := t.TempDir() + "/known_hosts"
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTypedErrors(t *testing.T) {
	f := startCLI(t, &fakeCLI{})
	cfg := config(t, f)
	cfg.Password = "wrong"
	_, err := Dial(context.Background(), cfg)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.User != "admin" {
		t.Errorf("wrong password gave %T %v", err, err)
	}
	cfg = config(t, f)
	cfg.SSH.KnownHosts = knownHostsFor(t, f, newSigner(t, false).PublicKey())
	_, err = Dial(context.Background(), cfg)
	var he *HostKeyError
	if !errors.As(err, &he) || !he.Mismatch() {
		t.Errorf("mismatch gave %T %v", err, err)
	}
}

func TestLegacyAlgorithms(t *testing.T) {
	f := startCLI(t, &fakeCLI{Legacy: true, Commands: map[string]func(*shellConn){
		"show version active": version}})
	cfg := config(t, f)
	cfg.SSH.LegacyAlgorithms = true
	s := dial(t, cfg)
	if _, err := s.Run(context.Background(), "show version active"); err != nil {
		t.Fatal(err)
	}
}

func TestAcceptNewHostKey(t *testing.T) {
	f := startCLI(t, &fakeCLI{})
	cfg := config(t, f)
	cfg.SSH.KnownHosts = t.TempDir() + "/known_hosts"
	cfg.SSH.AcceptNewHostKeys = true
	dial(t, cfg).Close()
	dial(t, cfg).Close()
	b, err := os.ReadFile(cfg.SSH.KnownHosts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	want := "[127.0.0.1]:" + f.addr[strings.LastIndex(f.addr, ":")+1:] + " ssh-ed25519 "
	if len(lines) != 1 || !strings.HasPrefix(lines[0], want) {
		t.Errorf("known_hosts = %q, want one line starting %q", lines, want)
	}

	// A changed key is still refused.
	cfg.SSH.KnownHosts = knownHostsFor(t, f, newSigner(t, false).PublicKey())
	if _, err := Dial(context.Background(), cfg); !errors.As(err, new(*HostKeyError)) {
		t.Errorf("changed key with accept-new: %v", err)
	}
}
