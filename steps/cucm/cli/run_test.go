package cli

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const pemText = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUQ
  ZW5jb2RlZA==
-----END CERTIFICATE-----
`

// commands are the scripted commands of the run tests.
func commands() map[string]func(*shellConn) {
	return map[string]func(*shellConn){
		"utils ctl update CTLFile": func(c *shellConn) {
			if a := c.Ask("This operation updates the CTLFile. Do you want to continue? (y/n):"); a != "y" {
				c.Printf("\nOperation cancelled\n")
				return
			}
			c.Printf("Updating CTL file\nCTL file Updated\n")
		},
		"set csr gen tomcat": func(c *shellConn) {
			c.Ask("Include OU in CSR (yes|no)?")
			c.Printf("Successfully Generated CSR for tomcat.\n")
		},
		"set cert import trust tomcat": func(c *shellConn) {
			c.Printf("Paste the Certificate and Hit Enter\n")
			var lines []string
			for {
				l, err := c.ReadLine()
				if err != nil || l == "" {
					break
				}
				lines = append(lines, l)
			}
			c.f.record("> " + strings.Join(lines, "|"))
			c.Printf("Successfully imported certificate for tomcat.\n")
		},
		"utils service list": func(c *shellConn) {
			var lines []string
			for _, s := range []string{"System SSH [STARTED]", "Cluster Manager [STARTED]",
				"Service Manager [STARTED]", "Getting list of all services", "Cisco CallManager[STARTED]",
				"Cisco Tomcat[STARTED]", "Platform Administrative Web Service[STARTED]"} {
				lines = append(lines, s)
			}
			c.Paged(lines)
		},
		"show cert own tomcat": func(c *shellConn) {
			c.Printf("[\n  Version:\n  Serial Number: 01\n]\n")
		},
		"utils service restart Cisco Tomcat": func(c *shellConn) {
			c.Printf("Cisco Tomcat[STOPPING]\n")
			c.Hang(time.Hour)
		},
	}
}

func TestRunQuestions(t *testing.T) {
	tests := []struct {
		name     string
		cmd      string
		answers  []Answer
		want     string
		wantErr  string
		received []string
	}{
		{name: "expected y/n", cmd: "utils ctl update CTLFile",
			answers: []Answer{{Question: "do you want to continue", Reply: "y"}},
			want: "This operation updates the CTLFile. Do you want to continue? (y/n):y\n" +
				"Updating CTL file\nCTL file Updated",
			received: []string{"utils ctl update CTLFile", "> y"}},
		{name: "unexpected y/n is answered n", cmd: "utils ctl update CTLFile",
			want: "This operation updates the CTLFile. Do you want to continue? (y/n):n\n\n" +
				"Operation cancelled",
			wantErr: `"utils ctl update CTLFile" on cucm-pub asked "This operation updates the CTLFile. ` +
				`Do you want to continue? (y/n):", which this step does not expect; answered no`,
			received: []string{"utils ctl update CTLFile", "> n"}},
		{name: "unexpected yes|no is answered no", cmd: "set csr gen tomcat",
			answers: []Answer{{Question: "Proceed with regeneration", Reply: "yes"}},
			want:    "Include OU in CSR (yes|no)?no\nSuccessfully Generated CSR for tomcat.",
			wantErr: `"set csr gen tomcat" on cucm-pub asked "Include OU in CSR (yes|no)?", ` +
				`which this step does not expect; answered no`,
			received: []string{"set csr gen tomcat", "> no"}},
		{name: "paste", cmd: "set cert import trust tomcat",
			answers: []Answer{{Question: "Paste the Certificate", Reply: Paste(pemText)}},
			want: "Paste the Certificate and Hit Enter\n" + strings.TrimRight(Paste(pemText), "\n") +
				"\n\nSuccessfully imported certificate for tomcat.",
			received: []string{"set cert import trust tomcat",
				"> -----BEGIN CERTIFICATE-----|MIIBszCCAVmgAwIBAgIUQ|ZW5jb2RlZA==|-----END CERTIFICATE-----"}},
		{name: "pager", cmd: "utils service list",
			want: "System SSH [STARTED]\nCluster Manager [STARTED]\nService Manager [STARTED]\n" +
				"Getting list of all services\nCisco CallManager[STARTED]\nCisco Tomcat[STARTED]\n" +
				"Platform Administrative Web Service[STARTED]",
			received: []string{"utils service list"}},
		{name: "a line like a prompt in the output", cmd: "show cert own tomcat",
			want: "[\n  Version:\n  Serial Number: 01\n]", received: []string{"show cert own tomcat"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := startCLI(t, &fakeCLI{Commands: commands()})
			s := dial(t, config(t, f))
			out, err := s.Run(context.Background(), tt.cmd, tt.answers...)
			if errText(err) != tt.wantErr {
				t.Errorf("error:\n got %s\nwant %s", errText(err), tt.wantErr)
			}
			if out != tt.want {
				t.Errorf("output:\n got %q\nwant %q", out, tt.want)
			}
			if got := f.received()[1:]; !reflect.DeepEqual(got, tt.received) {
				t.Errorf("server received %q, want %q", got, tt.received)
			}
			// The session stays in step for the next command.
			if out, err := s.Run(context.Background(), "show cert own tomcat"); err != nil ||
				!strings.Contains(out, "Serial Number: 01") {
				t.Errorf("next command: %q, %v", out, err)
			}
		})
	}
}

func TestRunPagerOn(t *testing.T) {
	// A CLI that ignores "set cli pagination off" still pages; the driver
	// pages on.
	f := startCLI(t, &fakeCLI{Pager: true, Commands: commands()})
	f.Commands["set cli pagination off"] = func(c *shellConn) { c.Printf("Invalid command\n") }
	s := dial(t, config(t, f))
	out, err := s.Run(context.Background(), "utils service list")
	if err != nil || !strings.HasSuffix(out, "Platform Administrative Web Service[STARTED]") {
		t.Errorf("got %q, %v", out, err)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDropped(t *testing.T) {
	f := startCLI(t, &fakeCLI{DropAt: 3, Commands: commands()})
	s := dial(t, config(t, f))
	ctx := context.Background()
	if _, err := s.Run(ctx, "show cert own tomcat"); err != nil {
		t.Fatal(err)
	}
	_, err := s.Run(ctx, "utils service list")
	want := `CLI session to cucm-pub dropped during "utils service list": EOF`
	var de *DroppedError
	if errText(err) != want || !errors.As(err, &de) || !de.Sent || !errors.Is(err, ErrDropped) {
		t.Fatalf("error = %v (%T), want %s", err, err, want)
	}
	if de.Output != "utils service list\nService Manager is running\n" {
		t.Errorf("output before the drop = %q", de.Output)
	}
	if s.Alive() {
		t.Error("session still alive")
	}
	_, err = s.Run(ctx, "show cert own tomcat")
	want = `CLI session to cucm-pub dropped before "show cert own tomcat" was sent: EOF`
	if errText(err) != want || !errors.As(err, &de) || de.Sent {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestCancelClosesSession(t *testing.T) {
	f := startCLI(t, &fakeCLI{Commands: commands()})
	s := dial(t, config(t, f))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	out, err := s.Run(ctx, "utils service restart Cisco Tomcat")
	want := `"utils service restart Cisco Tomcat" on cucm-pub: context deadline exceeded`
	if errText(err) != want || out != "Cisco Tomcat[STOPPING]" {
		t.Errorf("got %q, %v; want the output so far and %s", out, err, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error does not wrap the context's")
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Alive() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s.Alive() {
		t.Error("session still open after cancellation")
	}
}

func TestCancelDial(t *testing.T) {
	f := startCLI(t, &fakeCLI{BannerDelay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, config(t, f))
	want := "wait for the CLI prompt on cucm-pub: context deadline exceeded"
	if errText(err) != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestConcurrentRuns(t *testing.T) {
	f := startCLI(t, &fakeCLI{Commands: commands()})
	s := dial(t, config(t, f))
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			out, err := s.Run(context.Background(), "show cert own tomcat")
			if err == nil && !strings.Contains(out, "Serial Number: 01") {
				err = errors.New("wrong output " + out)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestKeepAliveFindsHungConnection(t *testing.T) {
	f := startCLI(t, &fakeCLI{Deaf: true, Commands: commands()})
	cfg := config(t, f)
	cfg.KeepAlive = 100 * time.Millisecond
	s := dial(t, cfg)
	deadline := time.Now().Add(5 * time.Second)
	for s.Alive() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	_, err := s.Run(context.Background(), "show cert own tomcat")
	var de *DroppedError
	if !errors.As(err, &de) || de.Sent {
		t.Errorf("after the keep-alive went unanswered: %v", err)
	}
}
