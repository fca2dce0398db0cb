package cucm

import (
	"context"
	"testing"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

func TestRestart(t *testing.T) {
	e := startEnv(t, nil)
	c, err := e.check("cucm.service.restart", "cucm-sub1", "service: Cisco Tomcat")
	want := "Cisco Tomcat is STARTED on cucm-sub1, but nothing shows it restarted since the step " +
		"began at " + e.began.Format(time.TimeOnly) + " (the CLI does not tell when a service started)"
	if err != nil || c.State != steps.Unknown || c.Detail != want {
		t.Errorf("check before = %+v, %v\nwant detail %s", c, err, want)
	}

	out := e.must("cucm.service.restart", "cucm-sub1", "service: Cisco Tomcat").(*RestartResult)
	if out.State != "STARTED" || out.Service != "Cisco Tomcat" || out.Took == "" || out.StartedAt.Before(e.began) {
		t.Errorf("result = %+v", out)
	}
	if cmds := e.cliCommands("cucm-sub1"); !contains(cmds, "utils service restart Cisco Tomcat") {
		t.Errorf("commands = %q", cmds)
	}

	c, err = e.check("cucm.service.restart", "cucm-sub1", "service: Cisco Tomcat")
	if err != nil || c.State != steps.Done || c.Result.(*RestartResult).StartedAt != out.StartedAt {
		t.Errorf("check after = %+v, %v", c, err)
	}
	// Another step's restart is no evidence for this one.
	rt := e.runtime("cucm-sub1")
	rt.Step = "other"
	a := lookup(t, "cucm.service.restart")
	c, err = a.(steps.Checker).Check(t.Context(), rt, input(t, a, "service: Cisco Tomcat"))
	if err != nil || c.State != steps.Unknown {
		t.Errorf("check of another step = %+v, %v", c, err)
	}
}

func TestRestartFailures(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(cfg *cucmsim.Config)
		with    string
		wantErr string
		check   string
	}{
		{name: "Tomcat fails to start",
			edit:  failing("Cisco Tomcat"),
			with:  "service: Cisco Tomcat",
			check: "not done",
			wantErr: "utils service restart Cisco Tomcat on cucm-sub1 failed: Cisco Tomcat[FAILED]; " +
				"Cisco Tomcat is STOPPED on cucm-sub1 now, so the web pages and the REST API of " +
				"cucm-sub1 are down until it starts: find the cause (utils service list, the " +
				"service's logs), start it (utils service start Cisco Tomcat), then resume"},
		{name: "CallManager fails to start",
			edit:  failing("Cisco CallManager"),
			with:  "service: Cisco CallManager",
			check: "not done",
			wantErr: "utils service restart Cisco CallManager on cucm-sub1 failed: Cisco " +
				"CallManager[FAILED]; Cisco CallManager is STOPPED on cucm-sub1 now, so cucm-sub1 " +
				"handles no calls or registrations until it starts (its phones fail over to the " +
				"next node of their CallManager group): find the cause (utils service list, the " +
				"service's logs), start it (utils service start Cisco CallManager), then resume"},
		{name: "TFTP fails to start",
			edit:  failing("Cisco TFTP"),
			with:  "service: Cisco TFTP",
			check: "not done",
			wantErr: "utils service restart Cisco TFTP on cucm-sub1 failed: Cisco TFTP[FAILED]; " +
				"Cisco TFTP is STOPPED on cucm-sub1 now, so phones cannot download their " +
				"configuration files from cucm-sub1 until it starts: find the cause (utils service " +
				"list, the service's logs), start it (utils service start Cisco TFTP), then resume"},
		{name: "another service fails to start",
			edit:  failing("Cisco CTIManager"),
			with:  "service: Cisco CTIManager",
			check: "not done",
			wantErr: "utils service restart Cisco CTIManager on cucm-sub1 failed: Cisco " +
				"CTIManager[FAILED]; Cisco CTIManager is STOPPED on cucm-sub1 now: find the cause " +
				"(utils service list, the service's logs), start it (utils service start Cisco " +
				"CTIManager), then resume"},
		{name: "fails, and its state cannot be read",
			edit: func(cfg *cucmsim.Config) {
				failing("Cisco Tomcat")(cfg)
				cfg.Faults = append(cfg.Faults, cucmsim.Fault{Node: "cucm-sub1",
					On: "utils service list", Action: "drop", Times: 2})
			},
			with: "service: Cisco Tomcat",
			wantErr: "utils service restart Cisco Tomcat on cucm-sub1 failed: Cisco Tomcat[FAILED]; " +
				"Cisco Tomcat is probably stopped on cucm-sub1 (its state could not be read: CLI " +
				"session to cucm-sub1 dropped during \"utils service list\": EOF), so the web pages " +
				"and the REST API of cucm-sub1 are down until it starts: find the cause (utils " +
				"service list, the service's logs), start it (utils service start Cisco Tomcat), " +
				"then resume"},
		{name: "service never starts in time",
			edit: func(cfg *cucmsim.Config) {
				cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", Service: "Cisco Tomcat", Action: "slow",
					Delay: 3 * time.Second}}
			},
			with:    "{service: Cisco Tomcat, timeout: 500ms}",
			wantErr: "Cisco Tomcat on cucm-sub1 did not reach STARTED within 500ms (last state STARTING)"},
		{name: "not activated",
			with: "service: Cisco WebDialer Web Service",
			wantErr: "utils service restart Cisco WebDialer Web Service on cucm-sub1 failed: " +
				"Cisco WebDialer Web Service[STOPPED]  Service Not Activated",
			check: "not done"},
		{name: "unknown service",
			with: "service: Cisco Nonsense",
			wantErr: `utils service restart Cisco Nonsense on cucm-sub1: the CLI said ` +
				`"Invalid service name: Cisco Nonsense"`},
		{name: "dropped during the restart",
			edit: func(cfg *cucmsim.Config) {
				cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", On: "utils service restart Cisco Tomcat",
					Action: "drop"}}
			},
			with: "service: Cisco Tomcat",
			wantErr: `CLI session to cucm-sub1 dropped during "utils service restart Cisco Tomcat": EOF; ` +
				`whether it took effect is unknown: the engine checks before anything runs again`,
			check: "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig("")
			if tt.edit != nil {
				tt.edit(cfg)
			}
			e := startEnv(t, cfg)
			_, err := e.run("cucm.service.restart", "cucm-sub1", tt.with)
			if errText(err) != tt.wantErr {
				t.Errorf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
			if tt.check == "" {
				return
			}
			c, err := e.check("cucm.service.restart", "cucm-sub1", tt.with)
			if err != nil || c.State.String() != tt.check {
				t.Errorf("check = %+v, %v; want %s", c, err, tt.check)
			}
		})
	}
}

// failing makes service fail to start on cucm-sub1, every time.
func failing(service string) func(cfg *cucmsim.Config) {
	return func(cfg *cucmsim.Config) {
		cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", Service: service, Action: "fail", Times: -1}}
	}
}

func TestCancelClosesTheSession(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", Service: "Cisco Tomcat", Action: "slow",
		Delay: 2 * time.Second}}
	e := startEnv(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	a := lookup(t, "cucm.service.restart")
	_, err := a.Run(ctx, e.runtime("cucm-sub1"), input(t, a, "service: Cisco Tomcat"))
	want := `"utils service restart Cisco Tomcat" on cucm-sub1: context deadline exceeded`
	if errText(err) != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	// The next step opens a new session.
	e.must("cucm.version", "cucm-sub1", "")
	if n := e.logins("cucm-sub1"); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

// TestRestartCheckAfterCancel checks a restart the engine left running:
// the check waits for it to end (unless planning) and says done when the
// service reaches STARTED, not done when it fails.
func TestRestartCheckAfterCancel(t *testing.T) {
	tests := []struct {
		name, want string
		fail       bool
		state      steps.CheckState
	}{
		{"restart completes", "Cisco Tomcat was STOPPING on cucm-sub1 when checked, after the " +
			"step began, and then STARTED", false, steps.Done},
		{"restart fails", "Cisco Tomcat was STOPPING on cucm-sub1 and then STOPPED", true,
			steps.NotDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig("")
			cfg.Latency.Restart = time.Second
			if tt.fail {
				cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", Service: "Cisco Tomcat",
					Action: cucmsim.FaultFail}}
			}
			e := startEnv(t, cfg)
			a := lookup(t, "cucm.service.restart")
			in := input(t, a, "{service: Cisco Tomcat, poll: 10ms}")
			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			if _, err := a.Run(ctx, e.runtime("cucm-sub1"), in); err == nil {
				t.Fatal("the restart was not cancelled")
			}

			plan := e.runtime("cucm-sub1")
			plan.Planning = true
			c, err := a.(steps.Checker).Check(t.Context(), plan, in)
			stopping := "Cisco Tomcat is STOPPING on cucm-sub1"
			if err != nil || c.State != steps.NotDone || c.Detail != stopping {
				t.Errorf("check while planning = %+v, %v", c, err)
			}
			c, err = a.(steps.Checker).Check(t.Context(), e.runtime("cucm-sub1"), in)
			if err != nil || c.State != tt.state || c.Detail != tt.want {
				t.Errorf("check = %+v, %v\nwant %s: %s", c, err, tt.state, tt.want)
			}
		})
	}
}
