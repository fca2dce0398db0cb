package cucm

import (
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

func TestLoginErrors(t *testing.T) {
	var other ssh.PublicKey
	tests := []struct {
		name    string
		edit    func(e *env)
		wantErr func(e *env) string
	}{
		{name: "wrong password",
			edit: func(e *env) {
				e.creds["os_admin"] = steps.Credential{Username: "admin", Password: "wrong"}
			},
			wantErr: func(*env) string {
				return "log in to cucm-pub as admin: the node refused the credentials " +
					"(tried keyboard-interactive and password)"
			}},
		{name: "unknown credential",
			edit: func(e *env) { delete(e.creds, "os_admin") },
			wantErr: func(*env) string {
				return `credential "os_admin": the site has no credential "os_admin"`
			}},
		{name: "host key mismatch",
			edit: func(e *env) { other = e.replaceHostKey("cucm-pub") },
			wantErr: func(e *env) string {
				pub, _ := e.cl.Node("cucm-pub")
				return "host key of cucm-pub (" + pub.SSHAddr() + ") does not match known_hosts: " +
					"the server offered " + ssh.FingerprintSHA256(pub.HostKey) + ", " +
					e.site.SSH.KnownHosts + ":1 has " + ssh.FingerprintSHA256(other) +
					"; if the node was rebuilt, check the new key on it and replace the old one"
			}},
		{name: "node down",
			edit: func(e *env) { e.cl.SetDown("cucm-pub", true) },
			wantErr: func(e *env) string {
				pub, _ := e.cl.Node("cucm-pub")
				return "connect to cucm-pub: dial tcp " + pub.SSHAddr() + ": connect: connection refused"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, nil)
			tt.edit(e)
			_, err := e.run("cucm.version", "cucm-pub", "")
			if want := tt.wantErr(e); errText(err) != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
		})
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	// Command 1 is set cli pagination off, 2 show version active, 3 the
	// drop: utils service list.
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-pub", On: "command", Count: 3, Action: "drop"}}
	e := startEnv(t, cfg)
	e.must("cucm.version", "cucm-pub", "")
	out := e.must("cucm.service.status", "cucm-pub", "services: [Cisco Tomcat]").(*ServiceStatusResult)
	if !out.AllStarted {
		t.Errorf("after reconnecting: %+v", out)
	}
	if n := e.logins("cucm-pub"); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
	want := "cucm-pub: CLI session dropped; reconnecting to run \"utils service list\""
	if !contains(e.notes, want) {
		t.Errorf("notes %q lack %q", e.notes, want)
	}
}

func TestDropDuringChange(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.SSO = true
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-pub", On: "utils sso disable", Action: "drop"}}
	e := startEnv(t, cfg)
	_, err := e.run("cucm.sso.disable", "cucm-pub", "")
	want := `CLI session to cucm-pub dropped during "utils sso disable": EOF; whether it took ` +
		`effect is unknown: the engine checks before anything runs again`
	if errText(err) != want {
		t.Fatalf("error:\n got %v\nwant %s", err, want)
	}
	if !errors.Is(err, cli.ErrDropped) {
		t.Error("error does not match cli.ErrDropped")
	}
	if !errors.Is(err, steps.ErrOutcomeUnknown) {
		t.Error("error does not match steps.ErrOutcomeUnknown")
	}
	// The command is not sent again; the check reads the state on a new
	// session.
	c, err := e.check("cucm.sso.disable", "cucm-pub", "")
	if err != nil || c.State.String() != "not done" || c.Detail != "SSO status: SAML SSO Enabled" {
		t.Errorf("check = %+v, %v", c, err)
	}
	if n := count(e.cliCommands("cucm-pub"), "utils sso disable"); n != 1 {
		t.Errorf("utils sso disable sent %d times", n)
	}
}

func TestSessionVariants(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(cfg *cucmsim.Config)
		site    func(e *env)
		wantErr func(e *env) string
	}{
		{name: "other user name and prompt",
			edit: func(cfg *cucmsim.Config) { cfg.Admin.Username = "ucadmin" }},
		{name: "keyboard-interactive only",
			edit: func(cfg *cucmsim.Config) { cfg.SSH.Auth = []string{"keyboard-interactive"} }},
		{name: "password only",
			edit: func(cfg *cucmsim.Config) { cfg.SSH.Auth = []string{"password"} }},
		{name: "slow start-up",
			edit: func(cfg *cucmsim.Config) { cfg.Latency.CLIStart = 700 * time.Millisecond }},
		{name: "legacy algorithms",
			edit: func(cfg *cucmsim.Config) { cfg.SSH.Legacy = true },
			site: func(e *env) { e.site.SSH.LegacyAlgorithms = true }},
		{name: "legacy server, legacy algorithms off",
			edit: func(cfg *cucmsim.Config) { cfg.SSH.Legacy = true },
			wantErr: func(e *env) string {
				return "log in to cucm-pub: no common key exchange algorithm, the node offers " +
					"diffie-hellman-group14-sha1; an older release needs the site's legacy SSH algorithms"
			}},
		{name: "new host accepted",
			site: func(e *env) {
				os.WriteFile(e.site.SSH.KnownHosts, nil, 0o600)
				e.site.SSH.AcceptNewHostKeys = true
			}},
		{name: "new host refused",
			site: func(e *env) { os.WriteFile(e.site.SSH.KnownHosts, nil, 0o600) },
			wantErr: func(e *env) string {
				n, _ := e.cl.Node("cucm-pub")
				return "host key of cucm-pub (" + n.SSHAddr() + ") is unknown: the server offered " +
					ssh.FingerprintSHA256(n.HostKey) + " and " + e.site.SSH.KnownHosts + " has no key " +
					"for it; check the fingerprint on the node and add it, or let the site accept new host keys"
			}},
		{name: "logins refused",
			edit: func(cfg *cucmsim.Config) {
				cfg.Faults = []cucmsim.Fault{{Node: "cucm-pub", Action: "refuse_login"}}
			},
			wantErr: func(*env) string {
				return "log in to cucm-pub as admin: the node refused the credentials " +
					"(tried keyboard-interactive and password)"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig("")
			if tt.edit != nil {
				tt.edit(cfg)
			}
			e := startEnv(t, cfg)
			if tt.site != nil {
				tt.site(e)
			}
			out, err := e.run("cucm.version", "cucm-pub", "")
			want := ""
			if tt.wantErr != nil {
				want = tt.wantErr(e)
			}
			if errText(err) != want {
				t.Fatalf("error:\n got %v\nwant %s", err, want)
			}
			if err == nil && out.(*VersionResult).Version != "14.0.1.12900-161" {
				t.Errorf("result = %+v", out)
			}
		})
	}
}
