package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestDemo runs the demo as a user would, and checks the before/after
// table: every node self-signed before, signed by the lab CA after, with
// the same certificate everywhere.
func TestDemo(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want []string
	}{
		{"plain", nil, []string{"run succeeded: every step succeeded"}},
		{"fault", []string{"--fault"}, []string{
			"restart-tomcat cucm-sub1: failed after",
			"The restart failed as injected. After fixing the cause you would run:",
			"resume 2",
			"run succeeded: every step succeeded",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			args := append([]string{"demo", "--restart-time", "20ms"}, tt.args...)
			if code := run(context.Background(), args, strings.NewReader(""), &out, &errb); code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, node := range []string{"cucm-pub", "cucm-sub1", "imp-pub"} {
				before := regexp.MustCompile(node + ` +before +self-signed `)
				after := regexp.MustCompile(node + ` +after +Runbook Lab Issuing CA +cucm-pub.lab.example.com cucm-sub1.lab.example.com imp-pub.lab.example.com`)
				if !before.MatchString(out.String()) || !after.MatchString(out.String()) {
					t.Errorf("table rows for %s missing:\n%s", node, out.String())
				}
			}
			if !strings.Contains(out.String(), "Report: ") {
				t.Errorf("no report path")
			}
		})
	}
}
