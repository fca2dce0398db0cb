package cucmsim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfigFull(t *testing.T) {
	cfg, err := LoadConfig("testdata/config/full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", cfg.Name, "lab-rehearsal"},
		{"release", cfg.Release, "14.0.1.12900-161"},
		{"security_mode", cfg.SecurityMode, 1},
		{"sso", cfg.SSO, true},
		{"phones_trust_tvs", cfg.PhonesTrustTVS, false},
		{"admin", cfg.Admin, Credential{"admin", "s3cret"}},
		{"ports.https", cfg.Ports.HTTPS, 8443},
		{"ports.callmanager", *cfg.Ports.CallManager, 2443},
		{"ssh.auth", strings.Join(cfg.SSH.Auth, ","), "keyboard-interactive"},
		{"self_signed_key", cfg.SelfSignedKey, "rsa"},
		{"self_signed_validity", cfg.SelfSignedValidity, 1825 * 24 * time.Hour},
		{"node self_signed_validity", cfg.Nodes[1].SelfSignedValidity["tomcat"], 240 * time.Hour},
		{"node self_signed_validity hours", cfg.Nodes[1].SelfSignedValidity["ipsec"], 36 * time.Hour},
		{"subject", cfg.Subject, Subject{"Example", "Voice", "Lyon", "ARA", "FR"}},
		{"nodes", len(cfg.Nodes), 4},
		{"node services", cfg.Nodes[1].Services["Cisco Tomcat"], "stopped"},
		{"node fqdn", cfg.Nodes[3].FQDN, "imp-sub.im.example.com"},
		{"node ports", cfg.Nodes[3].Ports.SSH, 2223},
		{"latency", cfg.Latency, Latency{2 * time.Second, 100 * time.Millisecond, time.Second}},
		{"faults", len(cfg.Faults), 6},
		{"fault times always", cfg.Faults[4].Times, -1},
		{"fault delay", cfg.Faults[3].Delay, 30 * time.Second},
		{"responses", cfg.Responses[0].Text, "..."},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestParseConfigErrors compares the errors of each bad config with its
// golden file: every problem, sorted, compiler style.
func TestParseConfigErrors(t *testing.T) {
	files, _ := filepath.Glob("testdata/config/bad/*.yaml")
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			_, err := LoadConfig(file)
			var errs ConfigErrors
			if !errors.As(err, &errs) {
				t.Fatalf("error %v (%T), want ConfigErrors", err, err)
			}
			golden(t, "config/bad/"+name+".err", err.Error()+"\n")
		})
	}
}

func TestLoadConfigMissingFile(t *testing.T) {
	_, err := LoadConfig("testdata/config/none.yaml")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want not exist", err)
	}
}

func TestValidateGoConfig(t *testing.T) {
	cfg := TestConfig("")
	if err := cfg.Validate(); err != nil {
		t.Fatalf("TestConfig: %v", err)
	}
	cfg.Nodes[1].Address = "192.0.2.1"
	cfg.Faults = []Fault{{Node: "cucm-pub", Action: "boom"}}
	want := `config: faults[0]: action "boom": want down, refuse_login, drop, fail, slow` + "\n" +
		`config: nodes[1]: address "192.0.2.1": want a loopback address such as 127.0.0.21`
	if err := cfg.Validate(); err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
	if _, err := Start(t.Context(), cfg, Options{}); err == nil {
		t.Error("Start accepted an invalid config")
	}
}

func TestValidateValidity(t *testing.T) {
	cfg := TestConfig("")
	cfg.SelfSignedValidity = -time.Hour
	cfg.Nodes[2].SelfSignedValidity = map[string]time.Duration{"cup-xmpp": 0}
	want := "config: nodes[2]: self_signed_validity[cup-xmpp] 0s: want a positive duration such as 30d\n" +
		"config: self_signed_validity -1h0m0s: want a positive duration such as 30d"
	if err := cfg.Validate(); err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

func FuzzParseConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/config/*/*.yaml")
	files = append(files, "testdata/config/full.yaml")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.yaml", data)
		if err == nil && cfg.Validate() != nil {
			t.Errorf("ParseConfig accepted a config Validate refuses")
		}
	})
}
