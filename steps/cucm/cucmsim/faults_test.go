package cucmsim

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func withFaults(faults ...Fault) *Config {
	cfg := TestConfig("")
	cfg.Faults = faults
	return cfg
}

func TestFaultRefuseLogin(t *testing.T) {
	c := start(t, withFaults(Fault{Node: "cucm-pub", Action: FaultRefuseLogin, Times: 2}))
	info, _ := c.Node("cucm-pub")
	for i := range 2 {
		if _, err := ssh.Dial("tcp", info.SSHAddr(), sshConfig(c, "cucm-pub")); err == nil {
			t.Fatalf("login %d was accepted", i+1)
		}
	}
	dial(t, c, "cucm-pub")
	dial(t, c, "cucm-sub1")
	var got []string
	for _, e := range waitAudit(t, c, func(a []AuditEntry) bool { return len(a) == 4 }) {
		got = append(got, e.Node+" "+e.Result)
	}
	want := "cucm-pub refused,cucm-pub refused,cucm-pub ok,cucm-sub1 ok"
	if strings.Join(got, ",") != want {
		t.Errorf("logins %v, want %s", got, want)
	}
}

func TestFaultDrop(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		cmds  []string // the last one is dropped
	}{
		// "set cli pagination off" is the first command.
		{"fourth command", Fault{Node: "cucm-pub", On: "command", Count: 4, Action: FaultDrop},
			[]string{"show version active", "utils service list", "show network cluster"}},
		{"a given command", Fault{On: "utils service restart Cisco Tomcat", Action: FaultDrop},
			[]string{"show version active", "utils   service restart cisco tomcat"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, withFaults(tt.fault))
			tc := dial(t, c, "cucm-pub")
			tc.run("set cli pagination off")
			last := len(tt.cmds) - 1
			for _, cmd := range tt.cmds[:last] {
				tc.run(cmd)
			}
			tc.send(tt.cmds[last] + "\r")
			tc.closed()
			if _, err := tc.client.NewSession(); err == nil {
				t.Error("the connection is still open")
			}
			a := c.Audit()
			if e := a[len(a)-1]; e.Result != ResultDropped {
				t.Errorf("last audit entry %+v, want dropped", e)
			}
			// The fault fired once: a new session works.
			if out := dial(t, c, "cucm-pub").run(tt.cmds[last]); out == "" {
				t.Error("the command after reconnecting printed nothing")
			}
			if got := c.ServiceState("cucm-pub", "Cisco Tomcat"); got != started {
				t.Errorf("Tomcat %s", got)
			}
		})
	}
}

func TestFaultServiceFails(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
	}{
		{"by service", Fault{Node: "cucm-sub1", Service: "Cisco Tomcat", Action: FaultFail, Times: 2}},
		{"by command", Fault{Node: "cucm-sub1", On: "utils service restart Cisco Tomcat", Action: FaultFail, Times: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, withFaults(tt.fault))
			tc := dial(t, c, "cucm-sub1")
			tc.run("set cli pagination off")
			for range 2 {
				out := tc.run("utils service restart Cisco Tomcat")
				if !strings.HasSuffix(out, "Cisco Tomcat[STARTING]\nCisco Tomcat[FAILED]\n") {
					t.Fatalf("failing restart: %q", out)
				}
				if !strings.Contains(tc.run("utils service list"), "Cisco Tomcat[ STOPPED ]  Component is not running\n") {
					t.Error("utils service list does not show Tomcat down")
				}
				info, _ := c.Node("cucm-sub1")
				if _, err := tls.Dial("tcp", info.HTTPSAddr(), &tls.Config{InsecureSkipVerify: true}); err == nil {
					t.Error("HTTPS answers while Tomcat is down")
				}
			}
			if out := tc.run("utils service restart Cisco Tomcat"); !strings.HasSuffix(out, "Cisco Tomcat[STARTED]\n") {
				t.Errorf("third restart: %q", out)
			}
			var results []string
			for _, e := range c.Audit() {
				if strings.HasPrefix(e.Command, "utils service restart") {
					results = append(results, e.Result)
				}
			}
			if got := strings.Join(results, ","); got != "failed,failed,ok" {
				t.Errorf("restart results %s", got)
			}
		})
	}
}

func TestFaultFailCommand(t *testing.T) {
	c := start(t, withFaults(Fault{On: "show version active", Action: FaultFail}))
	tc := dial(t, c, "cucm-pub")
	if out := tc.run("show version active"); out != "Executed command unsuccessfully\n" {
		t.Errorf("failing command: %q", out)
	}
	if out := tc.run("show version active"); !strings.HasPrefix(out, "Active Master Version") {
		t.Errorf("second time: %q", out)
	}
}

func TestFaultDown(t *testing.T) {
	c := start(t, withFaults(Fault{Node: "cucm-sub1", Action: FaultDown}))
	info, _ := c.Node("cucm-sub1")
	if !info.Down || info.SSHPort == 0 {
		t.Fatalf("node info %+v, want down with ports reserved", info)
	}
	for _, addr := range []string{info.SSHAddr(), info.HTTPSAddr(), info.APIAddr()} {
		_, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("dial %s: %v, want connection refused", addr, err)
		}
	}
	if err := c.SetDown("cucm-sub1", false); err != nil {
		t.Fatal(err)
	}
	tc := dial(t, c, "cucm-sub1")
	if err := c.SetDown("cucm-sub1", true); err != nil {
		t.Fatal(err)
	}
	tc.closed()
	if _, err := net.DialTimeout("tcp", info.SSHAddr(), time.Second); err == nil {
		t.Error("a node taken down still accepts connections")
	}
	if err := c.SetDown("nowhere", true); err == nil {
		t.Error("SetDown accepted an unknown node")
	}
}

func TestFaultSlowRestart(t *testing.T) {
	cfg := withFaults(Fault{Node: "cucm-sub1", Service: "Cisco Tomcat", Action: FaultSlow, Delay: 300 * time.Millisecond})
	cfg.Latency.Restart = 100 * time.Millisecond
	c := start(t, cfg)
	timed := func(node string) time.Duration {
		tc := dial(t, c, node)
		begin := time.Now()
		tc.run("utils service restart Cisco Tomcat")
		return time.Since(begin)
	}
	if d := timed("cucm-sub1"); d < 400*time.Millisecond {
		t.Errorf("slow restart took %v, want at least 400ms", d)
	}
	if d := timed("cucm-pub"); d < 100*time.Millisecond || d > 350*time.Millisecond {
		t.Errorf("normal restart took %v, want about 100ms", d)
	}
}

func TestFaultAPI(t *testing.T) {
	c := start(t, withFaults(
		Fault{Node: "cucm-pub", On: "GET " + apiPrefix + "snapshot/server", Action: FaultFail, Status: 503},
		Fault{Node: "cucm-pub", On: "GET /sim/phones", Action: FaultDrop},
	))
	var e APIError
	if st := request(t, c, "cucm-pub", "GET", apiPrefix+"snapshot/server", nil, &e); st != 503 {
		t.Errorf("failing call: %d, want 503", st)
	}
	if st := request(t, c, "cucm-pub", "GET", apiPrefix+"snapshot/server", nil, nil); st != http.StatusOK {
		t.Errorf("second call: %d, want 200", st)
	}
	if _, err := tryRequest(c, "cucm-pub", "GET", "/sim/phones", nil, nil); err == nil {
		t.Error("a dropped call got an answer")
	}
	var results []string
	for _, a := range waitAudit(t, c, func(a []AuditEntry) bool { return len(a) == 3 }) {
		results = append(results, a.Result)
	}
	if got := strings.Join(results, ","); got != "failed,ok,dropped" {
		t.Errorf("audit results %s", got)
	}
}

// TestTomcatRestartTakesHTTPSDown checks that HTTPS and the API refuse
// work while Tomcat restarts and come back after.
func TestTomcatRestartTakesHTTPSDown(t *testing.T) {
	cfg := TestConfig("")
	cfg.Latency.Restart = 600 * time.Millisecond
	c := start(t, cfg)
	info, _ := c.Node("cucm-pub")
	tc := dial(t, c, "cucm-pub")
	tc.send("utils service restart Cisco Tomcat\r")
	tc.expect("Cisco Tomcat[STOPPING]\n")
	if _, err := tryRequest(c, "cucm-pub", "GET", apiPrefix+"snapshot/server", nil, nil); err == nil {
		t.Error("the API answered while Tomcat was stopping")
	}
	if _, err := tls.Dial("tcp", info.HTTPSAddr(), &tls.Config{InsecureSkipVerify: true}); err == nil {
		t.Error("HTTPS answered while Tomcat was stopping")
	}
	tc.waitPrompt()
	if st := request(t, c, "cucm-pub", "GET", apiPrefix+"snapshot/server", nil, nil); st != http.StatusOK {
		t.Errorf("API after the restart: %d", st)
	}
}

func TestCommandLatency(t *testing.T) {
	cfg := TestConfig("")
	cfg.Latency.Command = 100 * time.Millisecond
	c := start(t, cfg)
	tc := dial(t, c, "cucm-pub")
	begin := time.Now()
	tc.run("show version active")
	if d := time.Since(begin); d < 100*time.Millisecond {
		t.Errorf("command answered after %v, want at least 100ms", d)
	}
}

// TestRestartOutlivesSession checks that a restart goes on when the
// session that asked for it drops, as on a real node.
func TestRestartOutlivesSession(t *testing.T) {
	cfg := TestConfig("")
	cfg.Latency.Restart = 300 * time.Millisecond
	c := start(t, cfg)
	tc := dial(t, c, "cucm-pub")
	tc.send("utils service restart Cisco Tomcat\r")
	tc.expect("Cisco Tomcat[STOPPING]\n")
	tc.client.Close()
	deadline := time.Now().Add(5 * time.Second)
	for c.ServiceState("cucm-pub", "Cisco Tomcat") != started {
		if time.Now().After(deadline) {
			t.Fatal("Tomcat did not come back after the session dropped")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
