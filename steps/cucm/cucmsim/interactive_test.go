package cucmsim

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestStartUpBanner(t *testing.T) {
	cfg := TestConfig("")
	cfg.Latency.CLIStart = 150 * time.Millisecond
	c := start(t, cfg)
	begin := time.Now()
	tc := open(t, c, "cucm-pub", sshConfig(c, "cucm-pub"))
	first := tc.expect("please wait ...\n")
	if first != "Command Line Interface is starting up, please wait ...\n" {
		t.Errorf("first output %q", first)
	}
	rest := tc.waitPrompt()
	if d := time.Since(begin); d < 150*time.Millisecond {
		t.Errorf("prompt after %v, want at least the 150ms cli_start", d)
	}
	golden(t, "cli/banner.txt", rest)
}

// TestConfirmations checks that questions wait for an answer, that "no"
// changes nothing, and that other answers repeat the question.
func TestConfirmations(t *testing.T) {
	tests := []struct {
		name     string
		release  string
		cmd      string
		question string
		answers  []string
		want     string // end of the output after the last answer
		changed  bool
	}{
		{name: "regen no", cmd: "set cert regen tomcat",
			question: "Proceed with regeneration (yes|no)?", answers: []string{"no"}, want: "no\n"},
		{name: "regen yes", cmd: "set cert regen tomcat",
			question: "Proceed with regeneration (yes|no)?", answers: []string{"yes"}, changed: true,
			want: "yes\n\nSuccessfully Regenerated Certificate for tomcat.\n" +
				"Please do a backup of the server as soon as possible. Failure to do so can stale the cluster in case of a crash.\n" +
				"You must restart services related to tomcat for the regenerated certificates to become active.\n"},
		{name: "regen repeats on a bad answer", cmd: "set cert regen tomcat",
			question: "Proceed with regeneration (yes|no)?", answers: []string{"y", "no"}, want: "no\n"},
		{name: "csr gen asks OU from 14SU1", release: "14.0.1.11900-132", cmd: "set csr gen tomcat",
			question: "Include OU in CSR (yes|no)?", answers: []string{"no"}, changed: true,
			want: "no\nSuccessfully Generated CSR for tomcat.\n"},
		{name: "ctl update n", cmd: "utils ctl update CTLFile",
			question: "This operation updates the CTLFile. Do you want to continue? (y/n):",
			answers:  []string{"n"}, want: "n\n"},
		{name: "ctl update y", cmd: "utils ctl update CTLFile", changed: true,
			question: "This operation updates the CTLFile. Do you want to continue? (y/n):",
			answers:  []string{"y"}, want: "y\nUpdating CTL file\nCTL file Updated\n" +
				"Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services\n"},
		{name: "sso disable no", cmd: "utils sso disable",
			question: "Do you wish to proceed (yes|no)?", answers: []string{"no"}, want: "no\n"},
		{name: "sso disable yes", cmd: "utils sso disable", changed: true,
			question: "Do you wish to proceed (yes|no)?", answers: []string{"yes"},
			want: "yes\nSSO disable is in progress...\nSAML SSO disabled successfully on all the nodes in the cluster.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := TestConfig(tt.release)
			cfg.SecurityMode, cfg.SSO = 1, true
			c := start(t, cfg)
			before := snapshot(c)
			tc := dial(t, c, "cucm-pub")
			tc.send(tt.cmd + "\r")
			var out string
			for _, a := range tt.answers {
				tc.expect(tt.question)
				time.Sleep(20 * time.Millisecond) // the question must wait
				tc.send(a + "\r")
			}
			out = tc.waitPrompt()
			if !strings.HasSuffix(tc.output(out), tt.want) && !strings.HasSuffix(out, tt.want+tc.prompt) {
				t.Errorf("output %q, want it to end with %q", out, tt.want)
			}
			if got := snapshot(c) != before; got != tt.changed {
				t.Errorf("state changed: %v, want %v", got, tt.changed)
			}
		})
	}
}

// snapshot summarises the state a confirmation may change.
func snapshot(c *Cluster) string {
	ctl := c.State().CTLUpdated != nil
	csr := c.PendingCSR("cucm-pub", "tomcat") != nil
	return strings.Join([]string{
		c.InstalledCertificate("cucm-pub", "tomcat").SerialNumber.String(),
		boolText(ctl), boolText(csr), boolText(c.SSO().Enabled),
	}, " ")
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestCSRGenCLI(t *testing.T) {
	for _, tt := range []struct {
		release string
		ou      bool
		done    string
	}{
		{"10.5.2.10000-5", true, "Successfully Generated CSR for tomcat"},
		{"12.5.1.10000-22", true, "Successfully Generated CSR for tomcat."},
		{"14.0.1.10000-20", true, "Successfully Generated CSR for tomcat."},
		{"14.0.1.12900-161", false, "Successfully Generated CSR for tomcat."},
	} {
		t.Run(tt.release, func(t *testing.T) {
			c := start(t, TestConfig(tt.release))
			tc := dial(t, c, "cucm-sub1")
			tc.run("set cli pagination off")
			tc.send("set csr gen tomcat\r")
			if !tt.ou {
				tc.expect("Include OU in CSR (yes|no)?")
				tc.send("no\r")
			}
			out := tc.output(tc.waitPrompt())
			if !strings.HasSuffix(out, tt.done+"\n") {
				t.Fatalf("set csr gen: %q", out)
			}
			pemText := tc.run("show csr own tomcat")
			csr := parseCSR(t, pemText)
			if got := csr.Subject.OrganizationalUnit; (len(got) == 1) != tt.ou {
				t.Errorf("OU %v, want present %v", got, tt.ou)
			}
			if csr.Subject.CommonName != "cucm-sub1.lab.example.com" {
				t.Errorf("CN %q", csr.Subject.CommonName)
			}
			// A second CSR asks before replacing the pending key.
			tc.send("set csr gen tomcat\r")
			tc.expect("Proceed with regeneration (yes|no)?")
			tc.send("no\r")
			tc.waitPrompt()
			if !bytes.Equal(c.PendingCSR("cucm-sub1", "tomcat").Raw, csr.Raw) {
				t.Error("answering no replaced the pending CSR")
			}
		})
	}
}

// TestPaste imports certificates by pasting them, with each line ending
// a terminal may send, and checks the refusals.
func TestPaste(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		name  string
		kind  string
		cert  string
		enter string // how the paste ends
		want  string
	}{
		{name: "root with CR", kind: "trust", cert: pemCert(ca.root), enter: "\r",
			want: "Successfully imported certificate for tomcat.\n" +
				"Please restart services related to tomcat for the new certificate to become active.\n"},
		{name: "root with LF and Enter", kind: "trust", cert: pemCert(ca.root), enter: "\n",
			want: "Please restart services related to tomcat for the new certificate to become active.\n"},
		{name: "root with CRLF", kind: "trust", cert: strings.ReplaceAll(pemCert(ca.root), "\n", "\r\n"),
			enter: "", want: "Please restart services related to tomcat for the new certificate to become active.\n"},
		{name: "intermediate before root", kind: "trust", cert: pemCert(ca.inter), enter: "\r",
			want: `Error: the issuer "CN=Lab Root CA" of "CN=Lab Issuing CA" is not in tomcat-trust; ` +
				"upload the CA chain to tomcat-trust first, root first\nExecuted command unsuccessfully\n"},
		{name: "not a certificate", kind: "trust", cert: "hello\r", enter: "\r",
			want: "Error: invalid certificate: no certificate found\nExecuted command unsuccessfully\n"},
		{name: "own without CSR", kind: "own", cert: pemCert(ca.inter), enter: "\r",
			want: "Error: the certificate does not match the key of the current CSR for tomcat on cucm-pub: " +
				"generate a new CSR and have that one signed\nExecuted command unsuccessfully\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, TestConfig(""))
			tc := dial(t, c, "cucm-pub")
			tc.run("set cli pagination off")
			tc.send("set cert import " + tt.kind + " tomcat\r")
			tc.expect("Paste the Certificate and Hit Enter\n")
			tc.send(tt.cert + tt.enter)
			out := tc.waitPrompt()
			if !strings.HasSuffix(out, tt.want+tc.prompt) {
				t.Errorf("output %q, want it to end with %q", out, tt.want)
			}
			// The session is in step: the next command answers at once.
			if got := tc.run("show version active"); !strings.HasPrefix(got, "Active Master Version") {
				t.Errorf("next command: %q", got)
			}
		})
	}
}

func TestPager(t *testing.T) {
	c := start(t, TestConfig(""))
	tc := dial(t, c, "cucm-pub")
	tc.send("utils service list\r")
	first := tc.expect(pagerPrompt)
	if n := strings.Count(first, "\n"); n != 24 { // the echo and 23 lines
		t.Errorf("first page has %d lines, want 24:\n%s", n, first)
	}
	tc.send("\r")
	one := tc.expect(pagerPrompt)
	if n := strings.Count(one, "\n"); n != 1 {
		t.Errorf("enter showed %d lines, want 1: %q", n, one)
	}
	tc.send(" ")
	rest := tc.waitPrompt()
	if !strings.Contains(rest, "Primary Node =true\n") {
		t.Errorf("space did not show the rest: %q", rest)
	}
	tc.send("utils service list\r")
	tc.expect(pagerPrompt)
	tc.send("q")
	if out := tc.waitPrompt(); strings.Contains(out, "Primary Node") {
		t.Errorf("q did not quit: %q", out)
	}
}

func TestLineEditing(t *testing.T) {
	c := start(t, TestConfig(""))
	tc := dial(t, c, "cucm-pub")
	tc.send("show verx\x7fsion\x1b[A active\r")
	if out := tc.waitPrompt(); !strings.Contains(out, "Active Master Version: 14.0.1.12900-161\n") {
		t.Errorf("edited line: %q", out)
	}
	tc.send("show version\x03")
	if out := tc.waitPrompt(); out != "show version^C\n"+tc.prompt {
		t.Errorf("Ctrl-C: %q", out)
	}
	tc.send("\r")
	if out := tc.waitPrompt(); out != "\n"+tc.prompt {
		t.Errorf("empty line: %q", out)
	}
	tc.send("exit\r")
	tc.closed()
}
