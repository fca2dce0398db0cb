package runbooks_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/runbooks"
	"github.com/ucops/runbook/steps/builtin"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// The end-to-end tests run the canned runbooks, as shipped, against the
// CUCM simulator, and judge the result from outside the engine: what each
// node serves over TLS, and the simulator's audit log of every command.

// lab is a simulated cluster with a site file pointing at it.
type lab struct {
	t      *testing.T
	sim    *cucmsim.Cluster
	dir    string
	site   string
	store  *engine.Store
	loader *engine.Loader

	mu     sync.Mutex
	events []engine.Event
}

// labSiteExtra is what every test site adds to the simulator's site file:
// the lab's HTTPS is self-signed until the change, and retries need not
// wait half a minute.
const labSiteExtra = `  api_insecure: true
overrides:
  restart-tomcat: {retry: {delay: 10ms}}
  restart-tftp: {retry: {delay: 10ms}}
  verify-served: {retry: {delay: 10ms}}
`

// startLab starts cfg and writes its site file, with extra appended (YAML
// text continuing the site's params mapping, as labSiteExtra does).
func startLab(t *testing.T, cfg *cucmsim.Config, extra string) *lab {
	t.Helper()
	dir := t.TempDir()
	sim, err := cucmsim.Start(context.Background(), cfg, cucmsim.Options{StateDir: filepath.Join(dir, "sim")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	reg, err := builtin.Registry()
	if err != nil {
		t.Fatal(err)
	}
	l := &lab{
		t: t, sim: sim, dir: dir, site: filepath.Join(dir, "site.yaml"),
		store:  &engine.Store{Dir: filepath.Join(dir, "state")},
		loader: &engine.Loader{Registry: reg, Canned: runbooks.FS()},
	}
	l.writeSite(extra)
	return l
}

// writeSite (re)writes the site file from the simulator's current nodes.
func (l *lab) writeSite(extra string) {
	l.t.Helper()
	if err := l.sim.WriteSite(l.site); err != nil {
		l.t.Fatal(err)
	}
	f, err := os.OpenFile(l.site, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(extra); err != nil {
		l.t.Fatal(err)
	}
}

func (l *lab) opts() engine.Options {
	return engine.Options{
		Store: l.store, Loader: l.loader, By: "e2e", Yes: true,
		Secrets: engine.Secrets{Getenv: func(k string) string {
			if k == cucmsim.PasswordEnv {
				return l.sim.Password()
			}
			return ""
		}},
		Sink: func(e engine.Event) {
			l.mu.Lock()
			l.events = append(l.events, e)
			l.mu.Unlock()
		},
	}
}

// run runs a canned runbook for the lab's site.
func (l *lab) run(runbook string, params ...string) *engine.Outcome {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := engine.Run(ctx, l.opts(), engine.LoadOptions{Runbook: runbook, Site: l.site, Params: params})
	if err != nil {
		l.t.Fatalf("run %s: %v", runbook, err)
	}
	return out
}

func (l *lab) resume(ro engine.ResumeOptions) *engine.Outcome {
	l.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := engine.Resume(ctx, l.opts(), ro)
	if err != nil {
		l.t.Fatalf("resume: %v", err)
	}
	return out
}

func (l *lab) plan(runbook string, params ...string) *engine.PlanResult {
	l.t.Helper()
	p, err := engine.Plan(context.Background(), l.opts(), engine.LoadOptions{Runbook: runbook, Site: l.site, Params: params}, false)
	if err != nil {
		l.t.Fatalf("plan %s: %v", runbook, err)
	}
	return p
}

func (l *lab) status() *engine.State {
	l.t.Helper()
	st, err := engine.Status(l.store, l.loader, "")
	if err != nil {
		l.t.Fatal(err)
	}
	return st
}

// served returns the certificate a node serves on HTTPS, by a real TLS
// handshake from outside the engine.
func (l *lab) served(node string) *x509.Certificate {
	l.t.Helper()
	info, ok := l.sim.Node(node)
	if !ok {
		l.t.Fatalf("no node %s", node)
	}
	conn, err := tls.Dial("tcp", info.HTTPSAddr(), &tls.Config{ServerName: info.FQDN, InsecureSkipVerify: true})
	if err != nil {
		l.t.Fatalf("TLS to %s: %v", node, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// commands returns the CLI commands the simulator received that start
// with prefix, as "node: command", in order.
func (l *lab) commands(prefix string) []string {
	var out []string
	for _, e := range l.sim.Audit() {
		if e.Channel == cucmsim.ChannelCLI && strings.HasPrefix(e.Command, prefix) {
			out = append(out, e.Node+": "+e.Command)
		}
	}
	return out
}

func wantOutcome(t *testing.T, out *engine.Outcome, state string) {
	t.Helper()
	if out.State != state {
		t.Fatalf("outcome %s (%s), want %s", out.State, out.Message, state)
	}
}

func stepState(st *engine.State, id string) engine.StepState {
	for _, s := range st.Steps {
		if s.ID == id {
			return s
		}
	}
	return engine.StepState{}
}
