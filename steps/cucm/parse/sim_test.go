package parse

import (
	"reflect"
	"testing"
)

// TestSimulatorOutputs reads outputs captured from the CUCM simulator
// (steps/cucm/cucmsim), whose shapes follow the real CLI.
func TestSimulatorOutputs(t *testing.T) {
	tests := []struct {
		name, file string
		parse      func(string) (any, error)
		want       any
		wantErr    string
	}{
		{name: "unknown unit", file: "sim-cert-own-unknown-unit.txt",
			parse:   func(s string) (any, error) { return CertDetail(s) },
			want:    Certificate{},
			wantErr: `the CLI said "Invalid unit name: CallManager" (Valid units: tomcat, ipsec, cup, cup-xmpp, cup-xmpp-s2s)`},
		{name: "cert own", file: "sim-cert-own.txt",
			parse: func(s string) (any, error) {
				c, err := CertDetail(s)
				return append([]string{c.Serial(), c.Subject(), c.Issuer(), c.Fields["Key"]}, c.SANs()...), err
			},
			want: []string{"3F2A9C", "CN=cucm-pub.lab.example.com,OU=UC,O=Lab,C=US",
				"CN=Lab Issuing CA,O=Lab,C=US", "RSA 2048 bits", "cucm-pub.lab.example.com",
				"cucm-sub1.lab.example.com", "imp-pub.lab.example.com", "lab.example.com"}},
		{name: "ctl update non-secure", file: "sim-ctl-update-nonsecure.txt",
			parse: func(s string) (any, error) { return CTLUpdated(s) },
			want:  CTLUpdate{},
			wantErr: `the CLI said "Executed command unsuccessfully" (The cluster is in non-secure mode; ` +
				`the CTL file exists only in mixed mode.)`},
		{name: "ctl update on a subscriber", file: "sim-ctl-update-subscriber.txt",
			parse:   func(s string) (any, error) { return CTLUpdated(s) },
			want:    CTLUpdate{},
			wantErr: `the CLI said "This command can be executed only on the publisher node."`},
		{name: "show ctl, non-secure", file: "sim-show-ctl-nonsecure.txt",
			parse: func(s string) (any, error) { return CTLFile(s) },
			want:  CTL{Missing: true}},
		{name: "show ctl, mixed", file: "sim-ctl-show.txt",
			parse: func(s string) (any, error) { return CTLFile(s) },
			want: CTL{Modified: "Mon Jan 06 10:05:00 UTC 2025", Verified: true,
				Records: []CTLRecord{{Fields: []CTLField{{"DNSNAME", "cucm-pub.lab.example.com"},
					{"SUBJECTNAME", "CN=cucm-pub.lab.example.com,OU=UC,O=Lab,C=US"},
					{"FUNCTION", "CCM+TFTP"}, {"ISSUERNAME", "CN=Lab Issuing CA,O=Lab,C=US"},
					{"SERIALNUMBER", "3F2A9C"}}}}}},
		{name: "file list missing", file: "sim-file-list-missing.txt",
			parse:   func(s string) (any, error) { return FileList(s) },
			want:    Listing{Dirs: -1, Count: -1},
			wantErr: `the CLI said "Directory not found: nowhere"`},
		{name: "file list", file: "sim-file-list-tomcat-logs.txt",
			parse: func(s string) (any, error) { return FileList(s) },
			want: Listing{Dirs: 1, Count: 2, Files: []File{{Name: "security", Dir: true, Size: -1},
				{Name: "catalina.out", Size: -1},
				{Name: "localhost_access_log.2025-01-06.txt", Size: -1}}}},
		{name: "not activated", file: "sim-service-not-activated.txt",
			parse: func(s string) (any, error) { return ServiceChange(s, "Cisco WebDialer Web Service") },
			want: Change{Service: "Cisco WebDialer Web Service", States: []string{"STOPPED"},
				Final: "STOPPED", Failed: true, Message: "Service Not Activated"}},
		{name: "restart 10.5", file: "sim-service-restart-10.5.txt",
			parse: func(s string) (any, error) { return ServiceChange(s, "Cisco Tomcat") },
			want: Change{Service: "Cisco Tomcat", States: []string{"STOPPING", "STARTING", "STARTED"},
				Final: "STARTED"}},
		{name: "unknown service", file: "sim-service-unknown.txt",
			parse:   func(s string) (any, error) { return ServiceChange(s, "Cisco Nonsense") },
			want:    Change{Service: "Cisco Nonsense"},
			wantErr: `the CLI said "Invalid service name: Cisco Nonsense"`},
		{name: "cluster with a node down", file: "sim-show-network-cluster-down.txt",
			parse: func(s string) (any, error) {
				m, err := Cluster(s)
				return m[1], err
			},
			want: Member{Address: "127.0.0.22", FQDN: "cucm-sub1.lab.example.com", Host: "cucm-sub1",
				Role: "subscriber", Product: "callmanager", DBRole: "DBSub",
				Status: "not authenticated - INITIATOR since Mon Jan 6 10:00:00 2025"}},
		{name: "sql bad column", file: "sim-sql-bad-column.txt",
			parse:   func(s string) (any, error) { return SQL(s) },
			want:    Table{},
			wantErr: `the CLI said "217: Column (foo) not found in any table in the query (or SLV is undefined)."`},
		{name: "security mode, value column only", file: "sim-sql-security-mode-mixed.txt",
			parse: func(s string) (any, error) { return SecurityMode(s) },
			want:  1},
		{name: "sso already disabled", file: "sim-sso-disable-already.txt",
			parse: func(s string) (any, error) { return SSODisabled(s) },
			want:  "SAML SSO is already disabled."},
		{name: "sso disable on a subscriber", file: "sim-sso-disable-subscriber.txt",
			parse:   func(s string) (any, error) { return SSODisabled(s) },
			want:    "",
			wantErr: `the CLI said "This command can be executed only on the publisher node."`},
		{name: "sso disabled", file: "",
			parse: func(s string) (any, error) {
				return SSODisabled(" *** W A R N I N G ***\nThis command will disable SAML SSO on all the nodes " +
					"in the cluster.\nDo you wish to proceed (yes|no)?yes\nSSO disable is in progress...\n" +
					"SAML SSO disabled successfully on all the nodes in the cluster.\n")
			},
			want: "SAML SSO disabled successfully on all the nodes in the cluster."},
		{name: "multi-server import", file: "sim-import-multi.txt",
			parse: func(s string) (any, error) {
				imp, err := CertImport(s)
				return imp.Nodes, err
			},
			want: []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com", "imp-pub.lab.example.com"}},
		{name: "service list", file: "sim-service-list-pub.txt",
			parse: func(s string) (any, error) {
				l, err := Services(s)
				svc, _ := Find(l, "Cisco Platform Administrative Web Service")
				return []any{len(l), svc}, err
			},
			want: []any{32, Service{Name: "Platform Administrative Web Service", State: "STARTED"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ""
			if tt.file != "" {
				in = fixture(t, tt.file)
			}
			got, err := tt.parse(in)
			if errText(err) != tt.wantErr {
				t.Fatalf("error:\n got %s\nwant %s", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}
