package cucmsim

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestParseRelease(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "14.0.1.12900-161", want: "14.0.1.12900-161"},
		{in: "12.5", want: "12.5.1.10000-1"},
		{in: "10.5.2", want: "10.5.2.10000-1"},
		{in: "15.0", want: "15.0.1.10000-1"},
		{in: "13.0", err: `release "13.0": the simulator models 10.5, 11.5, 12.0, 12.5, 14 and 15`},
		{in: "9.1.2", err: `release "9.1.2": the simulator models 10.5, 11.5, 12.0, 12.5, 14 and 15`},
		{in: "14SU2", err: `release "14SU2": want a version such as 14.0.1.12900-161 or 12.5`},
	}
	for _, tt := range tests {
		r, err := parseRelease(tt.in)
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("%s: error %v, want %s", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || r.String() != tt.want):
			t.Errorf("%s: %v %v, want %s", tt.in, r, err, tt.want)
		}
	}
}

// TestReleaseDifferences checks every behaviour that depends on the
// release, release by release.
func TestReleaseDifferences(t *testing.T) {
	tests := []struct {
		name       string
		release    string
		api        bool   // REST API present
		asksOU     bool   // set csr gen asks about the OU
		cnInSAN    bool   // the CN is among a CSR's SANs
		oldRestart bool   // pre-12 restart wording
		sshVersion string // the server's SSH banner
	}{
		{"10.5", "10.5.1.10000-7", false, false, true, true, "SSH-2.0-OpenSSH_5.3"},
		{"10.5.2", "10.5.2.10000-5", false, false, false, true, "SSH-2.0-OpenSSH_5.3"},
		{"11.5", "11.5.1.10000-6", false, false, true, true, "SSH-2.0-OpenSSH_5.3"},
		{"12.5", "12.5.1.10000-22", false, false, true, false, "SSH-2.0-OpenSSH_7.4"},
		{"14", "14.0.1.10000-20", true, false, true, false, "SSH-2.0-OpenSSH_7.4"},
		{"14SU1", "14.0.1.11900-132", true, true, true, false, "SSH-2.0-OpenSSH_7.4"},
		{"14SU2", "14.0.1.12900-161", true, true, true, false, "SSH-2.0-OpenSSH_7.4"},
		{"15", "15.0.1.10000-32", true, true, true, false, "SSH-2.0-OpenSSH_7.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, TestConfig(tt.release))
			st := request(t, c, "cucm-pub", "GET", apiPrefix+"snapshot/server", nil, nil)
			if (st == http.StatusOK) != tt.api {
				t.Errorf("REST API status %d, want present %v", st, tt.api)
			}
			tc := dial(t, c, "cucm-sub1")
			if v := string(tc.client.ServerVersion()); v != tt.sshVersion {
				t.Errorf("SSH version %q, want %q", v, tt.sshVersion)
			}
			tc.run("set cli pagination off")
			tc.send("set csr gen tomcat\r")
			out := tc.waitFor("prompt or question", func(s string) bool {
				return strings.HasSuffix(s, tc.prompt) || strings.HasSuffix(s, "(yes|no)?")
			})
			if asked := strings.HasSuffix(out, "Include OU in CSR (yes|no)?"); asked != tt.asksOU {
				t.Errorf("OU question asked %v, want %v: %q", asked, tt.asksOU, out)
			}
			if tt.asksOU {
				tc.send("yes\r")
				tc.waitPrompt()
			}
			csr := parseCSR(t, tc.run("show csr own tomcat"))
			if in := slices.Contains(csr.DNSNames, csr.Subject.CommonName); in != tt.cnInSAN {
				t.Errorf("CN in SANs %v, want %v (%v)", in, tt.cnInSAN, csr.DNSNames)
			}
			first, _, _ := strings.Cut(tc.run("utils service restart Cisco Tomcat"), "\n")
			if old := first == restartWarningOld; old != tt.oldRestart {
				t.Errorf("restart wording %q", first)
			}
		})
	}
}

func TestWebPages(t *testing.T) {
	c := start(t, TestConfig(""))
	tests := []struct {
		node, path string
		status     int
		body       string
	}{
		{"cucm-pub", "/ccmadmin", 200, "<title>Cisco Unified CM Administration</title>"},
		{"cucm-pub", "/ccmadmin/showHome.do", 404, ""},
		{"imp-pub", "/ccmadmin", 200, "<title>Cisco Unified CM IM and Presence Administration</title>"},
		{"imp-pub", "/cupadmin/", 200, "imp-pub.lab.example.com"},
		{"cucm-sub1", "/", 200, `<a href="/ccmadmin/">`},
		{"cucm-sub1", apiPrefix + "snapshot/server", 401, `"status":401`},
	}
	for _, tt := range tests {
		info, _ := c.Node(tt.node)
		resp, err := insecureClient().Get("https://" + info.HTTPSAddr() + tt.path)
		if err != nil {
			t.Fatalf("GET %s on %s: %v", tt.path, tt.node, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.body) {
			t.Errorf("GET %s on %s: %d %q, want %d with %q", tt.path, tt.node,
				resp.StatusCode, body, tt.status, tt.body)
		}
	}
	var channels []string // the IM&P redirect is a request of its own
	for _, e := range c.Audit() {
		channels = append(channels, e.Channel)
	}
	if got := strings.Join(channels, ","); got != "https,https,https,https,https,https,api" {
		t.Errorf("audit channels %s", got)
	}
}
