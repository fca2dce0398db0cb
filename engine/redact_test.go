package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecretsNeverWritten runs a runbook whose action puts the site's
// password and a secret param into its result, outputs, progress and
// error, then greps every file the run wrote, the report and the events.
func TestSecretsNeverWritten(t *testing.T) {
	const password, token = "pw-Very-Secret-42", "tok-Hidden-Value-7"
	h := newHarness(t, `
params:
  token: {type: string, secret: true}
steps:
  - id: leak
    action: test.append
    with: {ledger: LEDGER, line: x, echo: "${ params.token }", echo_credential: os_admin}
    outputs: {echoed: result.echo}
  - id: fail
    action: test.append
    with: {ledger: LEDGER, line: y, echo: "token ${ params.token }", echo_credential: os_admin, fail_unless: /nonexistent}
`)
	h.write("site.yaml", testSite+"params:\n  token: {env: TEST_TOKEN}\n")
	h.env["TEST_TOKEN"] = token
	wantState(t, h.run(), StateFailed)

	var files []string
	filepath.WalkDir(h.store.Dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) < 4 {
		t.Fatalf("the run wrote only %v", files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		for _, secret := range []string{password, token} {
			if bytes.Contains(data, []byte(secret)) {
				t.Errorf("%s holds a secret", f)
			}
		}
	}
	var report bytes.Buffer
	r, err := BuildReport(h.store, h.loader, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"md", "json", "html"} {
		r.Write(&report, format)
	}
	events, _ := json.Marshal(h.events)
	for _, secret := range []string{password, token} {
		if strings.Contains(report.String(), secret) || bytes.Contains(events, []byte(secret)) {
			t.Errorf("a report or an event holds a secret")
		}
	}
	if !strings.Contains(report.String(), "[redacted]") {
		t.Errorf("the report shows no redaction at all")
	}
}

func TestTimeoutToldFromInterrupt(t *testing.T) {
	h := newHarness(t, `
steps:
  - {id: slow, action: test.append, timeout: 50ms, with: {ledger: LEDGER, line: s, block: true}}
`)
	out := h.run()
	wantState(t, out, StateFailed)
	if !strings.Contains(out.Message, "timed out after 50ms") {
		t.Fatalf("message: %s", out.Message)
	}

	h2 := newHarness(t, `
steps:
  - {id: slow, action: test.append, with: {ledger: LEDGER, line: s, block: true}}
`)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	out, err := Run(ctx, h2.opts(), h2.load())
	if err != nil {
		t.Fatal(err)
	}
	wantState(t, out, StateInterrupted)
	if s := stepOf(h2.status(), "slow"); s.State != StateUnknown {
		t.Fatalf("an interrupted action's outcome is unknown until checked: %+v", s)
	}
	// The check finds the line absent, so resume runs it; unblock it by
	// making it a plain append.
	h2.write("runbook.yaml", strings.Replace(readText(t, h2.path("runbook.yaml")), "block: true", "block: false", 1))
	_, err = Resume(context.Background(), h2.opts(), ResumeOptions{})
	var de *DriftError
	if err == nil || !strings.Contains(err.Error(), "slow") {
		t.Fatalf("a changed started step must be refused: %v (%T)", err, de)
	}
}

func TestReportContent(t *testing.T) {
	h := newHarness(t, `
steps:
  - id: hand-off
    title: Operator uploads the chain
    action: test.ask
    with: {instructions: "Upload the chain"}
  - id: restart
    action: test.append
    targets: [publisher]
    with: {ledger: LEDGER, line: r, echo: "Cisco Tomcat STARTED"}
    outputs: {line: result.line}
`)
	wantState(t, h.run(), StateWaiting)
	wantState(t, h.resume(ResumeOptions{Confirm: "hand-off"}), StateSucceeded)
	r, err := BuildReport(h.store, h.loader, "")
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := r.Write(&md, "md"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Change record: exec-test 1.0.0",
		"| Outcome | **succeeded** |",
		"| run | tester |", "| resume | tester |",
		"| hand-off | | succeeded | 2 |",
		"| | pub | succeeded | 1 |",
		"confirmed by tester",
		"echo Cisco Tomcat STARTED",
		`outputs ` + "`" + `{"line":"r"}` + "`",
		"| Site | lab (",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
	var html bytes.Buffer
	r.Write(&html, "html")
	if !strings.HasPrefix(html.String(), "<!DOCTYPE html>") || strings.Contains(html.String(), "<script") ||
		strings.Contains(html.String(), "src=") || strings.Contains(html.String(), "href=") {
		t.Errorf("the HTML report must be one self-contained file")
	}
}

func TestRedactorForms(t *testing.T) {
	var r Redactor
	r.Add(`pa"ss\word`)
	r.Add("x")
	r.Add("hunter2-long")
	tests := map[string]string{
		`exec sh "pa\"ss\\word": exit 3`: `exec sh "[redacted]": exit 3`,
		`{"p":"pa\"ss\\word"}`:           `{"p":"[redacted]"}`,
		"fix the x, not x1 or xx":        "fix the [redacted], not x1 or xx",
		"user x":                         "user [redacted]",
		"abchunter2-longdef":             "abc[redacted]def",
	}
	for in, want := range tests {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
}
