package runbooks_test

import (
	"slices"
	"testing"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/runbooks"
	"github.com/ucops/runbook/steps/builtin"
)

// TestSimLabSiteServesEveryRunbook: runbooks/sites/sim-lab.yaml pins no
// runbook, so each canned runbook loads with it; a param the runbook does
// not declare is a warning naming it, not an error.
func TestSimLabSiteServesEveryRunbook(t *testing.T) {
	reg, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	l := &engine.Loader{Registry: reg, Canned: runbooks.FS()}
	tests := []struct {
		runbook  string
		warnings []string
	}{
		{"cucm-tomcat-multiserver-san", nil},
		{"cucm-callmanager-multiserver-san", nil},
		{"imp-xmpp-multiserver-san", nil},
		{"cucm-cert-audit", []string{`sites/sim-lab.yaml:38:3: site param "ca" is not a param of ` +
			`cucm-cert-audit; it is ignored`}},
	}
	for _, tt := range tests {
		t.Run(tt.runbook, func(t *testing.T) {
			eff, err := l.Load(engine.LoadOptions{Runbook: tt.runbook, Site: "sites/sim-lab.yaml",
				RequireParams: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(eff.Warnings, tt.warnings) {
				t.Errorf("warnings %q, want %q", eff.Warnings, tt.warnings)
			}
		})
	}
}
