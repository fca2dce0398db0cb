package runbooks_test

import (
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// TestTomcatDropDuringRestart: the CLI session to cucm-sub1 drops right
// after "utils service restart Cisco Tomcat" is sent (the simulator drops
// it before the restart begins). The action cannot tell whether it took
// effect, so the engine asks its check before retrying: Tomcat is STARTED
// with no record of a restart since the step began, which cannot tell; the
// restarts are idempotent, so the retry restarts cucm-sub1 and the run
// finishes, each node restarted once.
func TestTomcatDropDuringRestart(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.Faults = []cucmsim.Fault{{Node: "cucm-sub1", On: "utils service restart Cisco Tomcat",
		Action: cucmsim.FaultDrop}}
	l := startLab(t, cfg, labSiteExtra)
	wantOutcome(t, l.run(tomcat), engine.StateSucceeded)

	var began time.Time
	for _, tg := range stepState(l.status(), "restart-tomcat").Targets {
		if tg.Node == "cucm-sub1" {
			began = tg.Started
		}
	}
	want := "cucm.service.restart could not tell whether it took effect; its check cannot tell: " +
		"Cisco Tomcat is STARTED on cucm-sub1, but nothing shows it restarted since the step " +
		"began at " + began.Format(time.TimeOnly) + " (the CLI does not tell when a service " +
		"started); nothing can tell whether it took effect"
	if e := tomcatReconciled(l, "cucm-sub1"); e.State != engine.StateFailed || e.Message != want {
		t.Errorf("checked %s: %s\nwant: %s", e.State, e.Message, want)
	}
	// The dropped command, then the restart that happened.
	tomcatRestarts(t, l, []string{"cucm-pub", "cucm-sub1", "cucm-sub1", "imp-pub"})
	tomcatServesNew(t, l, "Runbook Lab Issuing CA")
}
