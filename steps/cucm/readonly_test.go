package cucm

import (
	"reflect"
	"testing"

	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

func TestReadOnlyActions(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.SSO = true
	e := startEnv(t, cfg)
	read := []struct{ name, node, with string }{
		{"cucm.version", "cucm-pub", ""},
		{"cucm.cluster.nodes", "cucm-pub", ""},
		{"cucm.security_mode", "cucm-pub", ""},
		{"cucm.service.status", "cucm-sub1", "services: [Cisco Tomcat]"},
		{"cucm.service.status", "imp-pub", ""},
		{"cucm.sso.status", "cucm-pub", ""},
		{"cucm.cert.list", "cucm-pub", ""},
		{"cucm.cert.list", "cucm-pub", "store: trust"},
		{"cucm.cert.show", "imp-pub", "unit: tomcat"},
		{"cucm.logs.list", "cucm-pub", ""},
		{"cucm.csr.download", "cucm-pub", "{unit: tomcat, distribution: multi-server}"},
	}
	if _, err := e.cl.GenerateCSR("cucm-pub", cucmsim.GUICSRRequest{Unit: "tomcat",
		Distribution: "multi-server"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range read {
		if lookup(t, r.name).Mutates() {
			t.Errorf("%s mutates", r.name)
		}
		rt := e.runtime(r.node)
		rt.Planning = true
		a := lookup(t, r.name)
		if _, err := a.Run(t.Context(), rt, input(t, a, r.with)); err != nil {
			t.Errorf("%s on %s: %v", r.name, r.node, err)
		}
	}
	for _, n := range []string{"cucm-pub", "cucm-sub1", "imp-pub"} {
		for _, cmd := range e.cliCommands(n) {
			if !readOnly(cmd) {
				t.Errorf("%s received %q", n, cmd)
			}
		}
	}
	// One session per node for the whole run.
	for n, want := range map[string]int{"cucm-pub": 1, "cucm-sub1": 1, "imp-pub": 1} {
		if got := e.logins(n); got != want {
			t.Errorf("%s: %d logins, want %d", n, got, want)
		}
	}
}

func TestFacts(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.SSO = true
	cfg.SecurityMode = 1
	cfg.Nodes[1].Services = map[string]string{"Cisco Tomcat": "stopped"}
	e := startEnv(t, cfg)
	tests := []struct {
		name, node, with string
		want             any
	}{
		{"cucm.version", "cucm-pub", "", &VersionResult{Version: "14.0.1.12900-161", Major: 14,
			Minor: 0, Maintenance: 1, RESTAPI: true}},
		{"cucm.security_mode", "cucm-pub", "", &SecurityModeResult{Mode: 1, Mixed: true, Name: "mixed"}},
		{"cucm.sso.status", "cucm-pub", "", &SSOResult{Enabled: true, Status: "SAML SSO Enabled",
			Test: "passed"}},
		{"cucm.service.status", "cucm-sub1",
			"services: [Cisco Tomcat, Cisco Platform Administrative Web Service, Cisco Nonsense]",
			&ServiceStatusResult{
				Services: []Service{
					{Name: "Cisco Tomcat", State: "STOPPED", Reason: "Commanded Out of Service", Activated: true},
					{Name: "Platform Administrative Web Service", State: "STARTED", Activated: true},
				},
				States: map[string]string{"Cisco Tomcat": "STOPPED",
					"Cisco Platform Administrative Web Service": "STARTED"},
				NotStarted: []string{"Cisco Tomcat"}, Missing: []string{"Cisco Nonsense"}}},
		{"cucm.cluster.nodes", "cucm-sub1", "", &ClusterResult{
			Nodes: []ClusterNode{
				{Name: "cucm-pub", FQDN: "cucm-pub.lab.example.com", Address: "127.0.0.21",
					Role: "publisher", Product: "callmanager", SiteRole: "publisher", DBRole: "DBPub",
					Authenticated: true},
				{Name: "cucm-sub1", FQDN: "cucm-sub1.lab.example.com", Address: "127.0.0.22",
					Role: "subscriber", Product: "callmanager", SiteRole: "subscriber", DBRole: "DBSub",
					Authenticated: true},
				{Name: "imp-pub", FQDN: "imp-pub.lab.example.com", Address: "127.0.0.23",
					Role: "subscriber", Product: "cups", SiteRole: "imp", DBRole: "DBPub",
					Authenticated: true},
			},
			Publisher:    "cucm-pub.lab.example.com",
			IMPPublisher: "imp-pub.lab.example.com",
			CUCM:         []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com"},
			IMP:          []string{"imp-pub.lab.example.com"},
			All: []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com",
				"imp-pub.lab.example.com"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.must(tt.name, tt.node, tt.with)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
