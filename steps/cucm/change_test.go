package cucm

import (
	"reflect"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

func TestSSODisable(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.SSO = true
	e := startEnv(t, cfg)
	if c, _ := e.check("cucm.sso.disable", "cucm-pub", ""); c.State != steps.NotDone {
		t.Errorf("check before = %+v", c)
	}
	_, err := e.run("cucm.sso.disable", "cucm-sub1", "")
	want := `utils sso disable on cucm-sub1: the CLI said "This command can be executed only on ` +
		`the publisher node."`
	if errText(err) != want {
		t.Errorf("on a subscriber:\n got %v\nwant %s", err, want)
	}
	out := e.must("cucm.sso.disable", "cucm-pub", "")
	if want := (&SSOResult{Status: "SAML SSO Disabled"}); !reflect.DeepEqual(out, want) {
		t.Errorf("result = %+v", out)
	}
	if e.cl.SSO().Enabled {
		t.Error("SSO still enabled in the simulator")
	}
	c, err := e.check("cucm.sso.disable", "cucm-pub", "")
	if err != nil || c.State != steps.Done || c.Detail != "SSO status: SAML SSO Disabled" {
		t.Errorf("check after = %+v, %v", c, err)
	}
	// Running it again is harmless.
	e.must("cucm.sso.disable", "cucm-pub", "")
}

func TestCTLUpdate(t *testing.T) {
	cfg := cucmsim.TestConfig("")
	cfg.SecurityMode = 1
	e := startEnv(t, cfg)
	if c, _ := e.check("cucm.ctl.update", "cucm-pub", ""); c.State != steps.NotDone {
		t.Errorf("check before = %+v", c)
	}
	out := e.must("cucm.ctl.update", "cucm-pub", "").(*CTLResult)
	want := &CTLResult{Message: "CTL file Updated", Records: out.Records,
		Restart: "Please Restart the TFTP and Cisco CallManager services on all nodes in the " +
			"cluster that run these services"}
	if !reflect.DeepEqual(out, want) || out.Records == 0 {
		t.Errorf("result = %+v", out)
	}
	c, err := e.check("cucm.ctl.update", "cucm-pub", "")
	if err != nil || c.State != steps.Done {
		t.Errorf("check after = %+v, %v", c, err)
	}
	// A step that began after the update has not updated the file.
	rt := e.runtime("cucm-pub")
	rt.Began = rt.Began.Add(3600e9)
	a := lookup(t, "cucm.ctl.update")
	c, err = a.(steps.Checker).Check(t.Context(), rt, input(t, a, ""))
	if err != nil || c.State != steps.NotDone {
		t.Errorf("check of a later step = %+v, %v", c, err)
	}
}

func TestCTLUpdateNonSecure(t *testing.T) {
	e := startEnv(t, nil)
	_, err := e.run("cucm.ctl.update", "cucm-pub", "")
	want := `utils ctl update CTLFile on cucm-pub: the CLI said "Executed command unsuccessfully" ` +
		`(The cluster is in non-secure mode; the CTL file exists only in mixed mode.)`
	if errText(err) != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	c, err := e.check("cucm.ctl.update", "cucm-pub", "")
	if err != nil || c.State != steps.NotDone || c.Detail != "the node has no CTL file" {
		t.Errorf("check = %+v, %v", c, err)
	}
}

func TestLogs(t *testing.T) {
	e := startEnv(t, nil)
	out := e.must("cucm.logs.list", "cucm-pub", "").(*LogsResult)
	if len(out.Logs) != 3 {
		t.Fatalf("logs = %+v", out)
	}
	certmgr := out.Logs[1]
	want := LogSet{Name: "certmgr", Path: "platform/log", Files: []LogFile{{Name: "certMgr.log",
		Size: -1, Get: "file get activelog platform/log/certMgr.log"}}}
	if !reflect.DeepEqual(certmgr, want) {
		t.Errorf("certmgr = %+v", certmgr)
	}
	if out.Logs[0].Name != "tomcat" || len(out.Logs[0].Files) != 3 || !out.Logs[0].Files[0].Dir {
		t.Errorf("tomcat = %+v", out.Logs[0])
	}
	other := e.must("cucm.logs.list", "cucm-pub", "path: nowhere").(*LogsResult)
	wantMissing := LogSet{Name: "nowhere", Path: "nowhere", Files: []LogFile{}, Missing: true,
		Note: "Directory not found: nowhere"}
	if !reflect.DeepEqual(other.Logs[0], wantMissing) {
		t.Errorf("missing = %+v", other.Logs[0])
	}
	_, err := e.run("cucm.logs.list", "cucm-pub", "logs: [tomcat, catalina]")
	if want := "logs: unknown log set catalina; want tomcat, certmgr or platform-api"; errText(err) != want {
		t.Errorf("error = %v", err)
	}
}
