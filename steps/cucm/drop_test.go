package cucm

import (
	"errors"
	"strings"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// TestDropAfterSend drops the session right after each mutating command
// is sent: the action's error matches steps.ErrOutcomeUnknown (the engine
// then checks before anything runs again) and the drop, says so, and the
// command was sent once.
func TestDropAfterSend(t *testing.T) {
	tests := []struct {
		name, action, node, with, cmd string
		edit                          func(cfg *cucmsim.Config)
		files                         bool
	}{
		{name: "restart", action: "cucm.service.restart", node: "cucm-sub1",
			with: "service: Cisco Tomcat", cmd: "utils service restart Cisco Tomcat"},
		{name: "sso disable", action: "cucm.sso.disable", node: "cucm-pub",
			cmd: "utils sso disable", edit: func(cfg *cucmsim.Config) { cfg.SSO = true }},
		{name: "ctl update", action: "cucm.ctl.update", node: "cucm-pub",
			cmd: "utils ctl update CTLFile", edit: func(cfg *cucmsim.Config) { cfg.SecurityMode = 1 }},
		{name: "csr over the CLI", action: "cucm.csr.generate", node: "cucm-sub1",
			with: "{unit: tomcat, method: cli}", cmd: "set csr gen tomcat"},
		{name: "trust import", action: "cucm.cert.upload_trust", node: "cucm-pub",
			with: "{unit: tomcat, certificates: [root.pem, issuing.pem]}",
			cmd:  "set cert import trust tomcat", files: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig("")
			if tt.edit != nil {
				tt.edit(cfg)
			}
			cfg.Faults = append(cfg.Faults, cucmsim.Fault{Node: tt.node, On: tt.cmd, Action: "drop"})
			e := startEnv(t, cfg)
			if tt.files {
				newPKI(t).files(e)
			}
			_, err := e.run(tt.action, tt.node, tt.with)
			if !errors.Is(err, steps.ErrOutcomeUnknown) || !errors.Is(err, cli.ErrDropped) {
				t.Errorf("error %v matches ErrOutcomeUnknown %v, ErrDropped %v", err,
					errors.Is(err, steps.ErrOutcomeUnknown), errors.Is(err, cli.ErrDropped))
			}
			want := "dropped during \"" + tt.cmd + "\": EOF; whether it took effect is unknown: " +
				"the engine checks before anything runs again"
			if !strings.Contains(errText(err), want) {
				t.Errorf("error:\n got %v\nwant it to hold %s", err, want)
			}
			if n := count(e.cliCommands(tt.node), tt.cmd); n != 1 {
				t.Errorf("%q sent %d times, want once", tt.cmd, n)
			}
		})
	}
}

// TestReadDropIsNotUnknown: a drop during a read is retried on a new
// session and never reported as an unknown outcome.
func TestReadDropIsNotUnknown(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-pub", On: "utils service list", Action: "drop", Times: 2}}
	e := startEnv(t, cfg)
	_, err := e.run("cucm.service.status", "cucm-pub", "services: [Cisco Tomcat]")
	if err == nil || errors.Is(err, steps.ErrOutcomeUnknown) || !errors.Is(err, cli.ErrDropped) {
		t.Errorf("error %v: want a drop that is not an unknown outcome", err)
	}
}
