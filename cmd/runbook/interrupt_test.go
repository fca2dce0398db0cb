package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInterruptThenUnknown checks exit 130 on Ctrl-C (the context the
// signal cancels), and exit 5 when resume cannot tell whether the
// interrupted command took effect; then the operator's --rerun.
func TestInterruptThenUnknown(t *testing.T) {
	dir := t.TempDir()
	rb := filepath.Join(dir, "slow.yaml")
	os.WriteFile(rb, []byte(`apiVersion: runbook/v1
kind: Runbook
metadata: {name: slow, version: 1.0.0}
params:
  seconds: {type: string, default: "30"}
steps:
  - {id: wait-a-bit, action: exec, with: {argv: [sleep, "${ params.seconds }"]}}
`), 0o644)
	state := filepath.Join(dir, "state")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var out, errb bytes.Buffer
	code := run(ctx, []string{"--state-dir", state, "run", rb}, strings.NewReader(""), &out, &errb)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want 130\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "run interrupted") || !strings.Contains(out.String(), "next: runbook --state-dir "+state+" resume ") {
		t.Fatalf("output:\n%s", out.String())
	}

	out.Reset()
	code = run(context.Background(), []string{"--state-dir", state, "resume"}, strings.NewReader(""), &out, &errb)
	if code != exitUnknown {
		t.Fatalf("exit %d, want 5\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "--rerun wait-a-bit") {
		t.Fatalf("output:\n%s", out.String())
	}

	// The pinned param makes the rerun slow: mark it done instead, with why.
	out.Reset()
	code = run(context.Background(), []string{"--state-dir", state, "resume", "--mark-done", "wait-a-bit",
		"--reason", "slept long enough", "--by", "carol"}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	run(context.Background(), []string{"--state-dir", state, "report", "--format", "md"}, strings.NewReader(""), &out, &errb)
	if !strings.Contains(out.String(), "mark-done by carol: slept long enough") {
		t.Fatalf("report:\n%s", out.String())
	}
}
