package cucmsim

import (
	"testing"
)

// TestCommandOutput compares each command's output with a golden file in
// testdata/cli (go test -update rewrites them).
func TestCommandOutput(t *testing.T) {
	mixed := func(c *Config) { c.SecurityMode = 1 }
	ssoOn := func(c *Config) { c.SSO = true }
	subDown := func(c *Config) { c.Faults = []Fault{{Node: "cucm-sub1", Action: FaultDown}} }
	stoppedServices := func(c *Config) {
		c.Nodes[0].Services = map[string]string{
			"Cisco Tomcat Stats Servlet": "failed", "Cisco DRF Master": "stopped",
			"Cisco WebDialer Web Service": "not_activated",
		}
	}
	replaced := func(c *Config) {
		c.Responses = []Response{{Node: "cucm-pub", Command: "show version active",
			Text: "Active Master Version: 9.1.2.10000-28\n"}}
	}
	tests := []struct {
		name    string
		release string
		node    string
		cmd     string
		cfg     func(*Config)
	}{
		{name: "show-version-10.5.2", release: "10.5.2.10000-5", cmd: "show version active"},
		{name: "show-version-15", release: "15.0.1.10000-32", cmd: "show version active"},
		{name: "show-version-short", release: "12.5", cmd: "show version active"},
		{name: "show-network-cluster", cmd: "show network cluster"},
		{name: "show-network-cluster-imp", node: "imp-pub", cmd: "show network cluster"},
		{name: "show-network-cluster-down", cmd: "show network cluster", cfg: subDown},
		{name: "service-list-pub", cmd: "utils service list"},
		{name: "service-list-sub", node: "cucm-sub1", cmd: "utils service list"},
		{name: "service-list-imp", node: "imp-pub", cmd: "utils service list"},
		{name: "service-list-stopped", cmd: "utils service list", cfg: stoppedServices},
		{name: "service-restart-10.5", release: "10.5.2.10000-5", cmd: "utils service restart Cisco Tomcat"},
		{name: "service-restart-12.5", release: "12.5.1.10000-22", cmd: "utils service restart Cisco Tomcat"},
		{name: "service-restart-lower-case", cmd: "utils service restart cisco tomcat"},
		{name: "service-start-running", cmd: "utils service start Cisco TFTP"},
		{name: "service-stop", cmd: "utils service stop Cisco TFTP"},
		{name: "service-start-stopped", cmd: "utils service start Cisco DRF Master", cfg: stoppedServices},
		{name: "service-not-activated", cmd: "utils service start Cisco WebDialer Web Service"},
		{name: "service-unknown", cmd: "utils service restart Cisco Nonsense"},
		{name: "sql-security-mode", cmd: "run sql select paramname,paramvalue from processconfig where paramname='ClusterSecurityMode'"},
		{name: "sql-security-mode-mixed", cfg: mixed, cmd: "run sql select paramvalue from processconfig where paramname='ClusterSecurityMode'"},
		{name: "sql-processnode", cmd: "run sql select name,nodeid,tkprocessnoderole from processnode"},
		{name: "sql-star", cmd: "run sql select * from processnode where systemnode='f'"},
		{name: "sql-bad-table", cmd: "run sql select * from device"},
		{name: "sql-bad-column", cmd: "run sql select foo from processnode"},
		{name: "sql-syntax", cmd: "run sql delete from processnode"},
		{name: "sso-status-disabled", cmd: "utils sso status"},
		{name: "sso-status-enabled", cmd: "utils sso status", cfg: ssoOn},
		{name: "sso-disable-subscriber", node: "cucm-sub1", cmd: "utils sso disable", cfg: ssoOn},
		{name: "sso-disable-already", cmd: "utils sso disable"},
		{name: "cert-list-own-cucm", cmd: "show cert list own"},
		{name: "cert-list-own-imp", node: "imp-pub", cmd: "show cert list own"},
		{name: "cert-list-trust", cmd: "show cert list trust"},
		{name: "cert-own-unknown-unit", node: "imp-pub", cmd: "show cert own CallManager"},
		{name: "cert-trust-missing", cmd: "show cert trust tomcat-trust/Nope.pem"},
		{name: "cert-trust-no-file", cmd: "show cert trust tomcat-trust"},
		{name: "cert-trust-unknown-store", node: "imp-pub", cmd: "show cert trust CallManager-trust/x.pem"},
		{name: "csr-own-none", cmd: "show csr own tomcat"},
		{name: "show-ctl-nonsecure", cmd: "show ctl"},
		{name: "ctl-update-nonsecure", cmd: "utils ctl update CTLFile"},
		{name: "ctl-update-subscriber", node: "cucm-sub1", cmd: "utils ctl update CTLFile", cfg: mixed},
		{name: "itl-reset", cmd: "utils itl reset localkey"},
		{name: "file-list-tomcat-logs", cmd: "file list activelog tomcat/logs"},
		{name: "file-list-detail", cmd: "file list activelog /cm/trace/ccm/sdl detail"},
		{name: "file-list-missing", cmd: "file list activelog nowhere"},
		{name: "unknown-command", cmd: "shwo version"},
		{name: "invalid-command", cmd: "show nothing"},
		{name: "missing-argument", cmd: "show cert list"},
		{name: "pagination-on", cmd: "set cli pagination on"},
		{name: "response-override", cmd: "show version active", cfg: replaced},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := TestConfig(tt.release)
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			c := start(t, cfg, Options{Now: fixedNow})
			node := tt.node
			if node == "" {
				node = "cucm-pub"
			}
			tc := dial(t, c, node)
			tc.run("set cli pagination off")
			golden(t, "cli/"+tt.name+".txt", tc.run(tt.cmd))
		})
	}
}
