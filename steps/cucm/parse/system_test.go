package parse

import (
	"reflect"
	"testing"
)

func TestActiveVersion(t *testing.T) {
	tests := []struct {
		name, in string
		want     Release
		wantErr  string
	}{
		{name: "documented", in: fixture(t, "version.txt"),
			want: Release{Version: "14.0.1.12900-161", Major: 14, Minor: 0, Maintenance: 1}},
		{name: "with options", in: fixture(t, "version-options.txt"),
			want: Release{Version: "12.5.1.11900-146", Major: 12, Minor: 5, Maintenance: 1,
				Options: []string{"ciscocm.enable-sha1-12.5.cop", "ciscocm.ciscossl7_upgrade_CSCwa48315.zip"}}},
		{name: "older wording", in: "Active Version: 10.5.2.10000-5\r\nadmin:",
			want: Release{Version: "10.5.2.10000-5", Major: 10, Minor: 5, Maintenance: 2}},
		{name: "bad number", in: "Active Master Version: x.5",
			want: Release{Version: "x.5"}, wantErr: `version "x.5": "x" is not a number`},
		{name: "nothing", in: "\r\n", wantErr: "no active version in the output (it was empty)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ActiveVersion(tt.in)
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestReleaseAtLeast(t *testing.T) {
	r := Release{Major: 12, Minor: 5}
	for _, c := range []struct {
		major, minor int
		want         bool
	}{{12, 5, true}, {12, 0, true}, {11, 9, true}, {12, 6, false}, {14, 0, false}} {
		if got := r.AtLeast(c.major, c.minor); got != c.want {
			t.Errorf("12.5 AtLeast(%d, %d) = %v", c.major, c.minor, got)
		}
	}
}

func TestCluster(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []Member
		wantErr string
	}{
		{name: "documented with processnode table", file: "cluster.txt", want: []Member{
			{Address: "10.3.74.11", FQDN: "cucmpub.lab.example.com", Host: "cucmpub", Role: "publisher",
				Product: "callmanager", DBRole: "DBPub",
				Status: "authenticated using TCP since Mon Jan 6 10:02:11 2025"},
			{Address: "10.3.74.12", FQDN: "cucmsub.lab.example.com", Host: "cucmsub", Role: "subscriber",
				Product: "callmanager", DBRole: "DBSub",
				Status: "authenticated using TCP since Mon Jan 6 10:04:40 2025"},
			{Address: "10.3.74.13", FQDN: "imppub.lab.example.com", Host: "imppub", Role: "subscriber",
				Product: "cups", DBRole: "DBPub", Status: "authenticated"},
		}},
		{name: "no fqdn column, padded", file: "cluster-old.txt", want: []Member{
			{Address: "10.1.1.10", Host: "cm105pub", Role: "publisher", Product: "callmanager",
				DBRole: "DBPub", Status: "authenticated"},
			{Address: "10.1.1.11", Host: "cm105sub", Role: "subscriber", Product: "callmanager",
				DBRole: "DBSub", Status: "authenticated using TCP since Tue Feb 3 2015"},
		}},
		{name: "invalid", file: "invalid.txt",
			wantErr: `the CLI said "Executed command unsuccessfully" (Invalid command)`},
		{name: "nothing", file: "sso-disabled.txt",
			wantErr: `no cluster nodes in the output, which began "SSO Status: SAML SSO Disabled"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Cluster(fixture(t, tt.file))
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestSSOStatus(t *testing.T) {
	tests := []struct {
		name, in string
		want     SSO
		wantErr  string
	}{
		{name: "enabled", in: fixture(t, "sso-enabled.txt"),
			want: SSO{Enabled: true, Status: "SAML SSO Enabled", Test: "passed"}},
		{name: "disabled", in: fixture(t, "sso-disabled.txt"),
			want: SSO{Status: "SAML SSO Disabled"}},
		{name: "short disabled", in: "SSO Status: Disabled\nadmin:", want: SSO{Status: "Disabled"}},
		{name: "not enabled wording", in: "SAML SSO Status: SSO is not enabled",
			want: SSO{Status: "SSO is not enabled"}},
		{name: "loose wording", in: "\x1b[0mSAML SSO is enabled on this cluster",
			want: SSO{Enabled: true, Status: "SAML SSO is enabled on this cluster"}},
		{name: "unreadable", in: "Something else",
			wantErr: `no SSO status in the output, which began "Something else"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SSOStatus(tt.in)
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if tt.wantErr == "" && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSQL(t *testing.T) {
	tests := []struct {
		name, file string
		want       Table
		wantErr    string
	}{
		{name: "security mode", file: "sql-mode.txt", want: Table{
			Columns: []string{"paramname", "paramvalue"},
			Rows:    [][]string{{"ClusterSecurityMode", "1"}},
		}},
		{name: "empty cells and spaces", file: "sql-processnode.txt", want: Table{
			Columns: []string{"name", "nodeid", "systemnode", "description"},
			Rows: [][]string{
				{"EnterpriseWideData", "1", "t", ""},
				{"cucm-pub.lab.example.com", "2", "f", "Publisher node"},
				{"cucm-sub1", "3", "f", ""},
			},
		}},
		{name: "no table", file: "version.txt",
			wantErr: `no SQL result table in the output, which began "admin:show version active | Active Master Version: 14.0.1.12900-161 | Active Version Installed Software Options:"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SQL(fixture(t, tt.file))
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSecurityMode(t *testing.T) {
	tests := []struct {
		name, in string
		want     int
		wantErr  string
	}{
		{name: "mixed", in: fixture(t, "sql-mode.txt"), want: 1},
		{name: "non-secure", in: "paramname paramvalue\n========= ==========\nClusterSecurityMode 0\n"},
		{name: "no row", in: "paramname paramvalue\n========= ==========\n",
			wantErr: "no ClusterSecurityMode row in the SQL result"},
		{name: "not a number", in: "paramname paramvalue\n========= ==========\nClusterSecurityMode x\n",
			wantErr: `ClusterSecurityMode is "x", not a number`},
		{name: "no value column", in: "a b\n= =\n", wantErr: "no paramvalue column in the SQL result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SecurityMode(tt.in)
			if errText(err) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %q; want %d, %q", got, errText(err), tt.want, tt.wantErr)
			}
		})
	}
}
