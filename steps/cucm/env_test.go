package cucm

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// env is a simulated cluster and what a run gives its actions.
type env struct {
	t     *testing.T
	cl    *cucmsim.Cluster
	site  *steps.Site
	pool  *steps.Pool
	arts  dirArtifacts
	creds credentials
	began time.Time
	notes []string
}

// startEnv starts a simulated cluster of cfg (cucmsim.TestConfig when
// nil) and a site, pool, artifacts and credentials for it.
func startEnv(t *testing.T, cfg *cucmsim.Config) *env {
	t.Helper()
	if cfg == nil {
		cfg = cucmsim.TestConfig("")
	}
	cl, err := cucmsim.Start(context.Background(), cfg, cucmsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(cl.KnownHosts()), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cl: cl, pool: &steps.Pool{}, arts: dirArtifacts(t.TempDir()),
		began: time.Now(), creds: credentials{"os_admin": {Username: cl.Username(),
			Password: cl.Password()}}}
	t.Cleanup(func() { e.pool.Close() })
	e.site = &steps.Site{Name: "sim", Dir: dir, Domain: cfg.Domain,
		SSH: steps.SSHSettings{KnownHosts: kh}}
	for _, n := range cl.Nodes() {
		e.site.Nodes = append(e.site.Nodes, steps.Node{Name: n.Name, Role: n.Role,
			Host: n.Address, FQDN: n.FQDN, Ports: map[string]int{"ssh": n.SSHPort,
				"https": n.HTTPSPort, "api": n.APIPort}})
	}
	return e
}

// runtime returns a Runtime for a step targeting node.
func (e *env) runtime(node string) *steps.Runtime {
	n, ok := e.site.NodeNamed(node)
	if !ok {
		e.t.Fatalf("no node %s", node)
	}
	return &steps.Runtime{Step: "step", Attempt: 1, Began: e.began, Node: n, Site: e.site,
		Credentials: e.creds, Pool: e.pool, Artifacts: e.arts,
		Notify: func(msg string) { e.notes = append(e.notes, msg) }}
}

// run decodes with into the action's input and runs it on node.
func (e *env) run(name, node, with string) (any, error) {
	e.t.Helper()
	a := lookup(e.t, name)
	return a.Run(context.Background(), e.runtime(node), input(e.t, a, with))
}

// check decodes with and runs the action's Check on node.
func (e *env) check(name, node, with string) (steps.Check, error) {
	e.t.Helper()
	a := lookup(e.t, name)
	c, ok := a.(steps.Checker)
	if !ok {
		e.t.Fatalf("%s has no Check", name)
	}
	return c.Check(context.Background(), e.runtime(node), input(e.t, a, with))
}

// must runs an action that must succeed.
func (e *env) must(name, node, with string) any {
	e.t.Helper()
	out, err := e.run(name, node, with)
	if err != nil {
		e.t.Fatalf("%s on %s: %v", name, node, err)
	}
	return out
}

// cliCommands returns the CLI commands node received, logins left out.
func (e *env) cliCommands(node string) []string {
	var cmds []string
	for _, a := range e.cl.Audit() {
		if a.Node == node && a.Channel == cucmsim.ChannelCLI && !strings.HasPrefix(a.Command, "login ") {
			cmds = append(cmds, a.Command)
		}
	}
	return cmds
}

// logins counts the logins node received.
func (e *env) logins(node string) int {
	n := 0
	for _, a := range e.cl.Audit() {
		if a.Node == node && strings.HasPrefix(a.Command, "login ") {
			n++
		}
	}
	return n
}

// writeFile writes a file in the site directory and returns its name.
func (e *env) writeFile(name, text string) string {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.site.Dir, name), []byte(text), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return name
}

// trustActive writes a PEM file of every node's active Tomcat
// certificate, for api_ca, and returns its name.
func (e *env) trustActive() string {
	var b strings.Builder
	for _, n := range e.cl.Nodes() {
		c := e.cl.ActiveCertificate(n.Name, "tomcat")
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return e.writeFile("cluster-tomcat.pem", b.String())
}

func lookup(t *testing.T, name string) steps.Action {
	t.Helper()
	for _, a := range Actions() {
		if a.Name() == name {
			return a
		}
	}
	t.Fatalf("no action %s", name)
	return nil
}

// input decodes with through engine/decode, as the engine does.
func input(t *testing.T, a steps.Action, with string) any {
	t.Helper()
	in, err := decodeInput(a, with)
	if err != nil {
		t.Fatalf("%s input: %v", a.Name(), err)
	}
	return in
}

func decodeInput(a steps.Action, with string) (any, error) {
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(with), &node); err != nil {
		return nil, err
	}
	if node.Kind == 0 {
		yaml.Unmarshal([]byte("{}"), &node)
	}
	in := a.NewInput()
	var errs decode.Errors
	decode.New("t.yaml", &errs).Decode(&node, in)
	return in, errs.Err()
}

type dirArtifacts string

func (d dirArtifacts) Write(name string, data []byte) (string, error) {
	p := filepath.Join(string(d), name)
	return p, os.WriteFile(p, data, 0o600)
}

func (d dirArtifacts) Dir() string { return string(d) }

type credentials map[string]steps.Credential

func (c credentials) Credential(name string) (steps.Credential, error) {
	cred, ok := c[name]
	if !ok {
		return cred, fmt.Errorf("the site has no credential %q", name)
	}
	return cred, nil
}

// readOnly reports whether a CLI command changes nothing.
func readOnly(cmd string) bool {
	for _, p := range []string{"show ", "utils service list", "utils sso status", "run sql select ",
		"file list ", "set cli pagination off"} {
		if strings.HasPrefix(cmd, p) {
			return true
		}
	}
	return false
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func parseCSRPEM(t *testing.T, text string) *x509.CertificateRequest {
	t.Helper()
	b, _ := pem.Decode([]byte(text))
	if b == nil {
		t.Fatalf("no PEM in %q", text)
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

// contains reports whether list holds s.
func contains(list []string, s string) bool { return slices.Contains(list, s) }

// count counts s in list.
func count(list []string, s string) int {
	n := 0
	for _, l := range list {
		if l == s {
			n++
		}
	}
	return n
}

// replaceHostKey writes a known_hosts that holds another key for node and
// returns that key.
func (e *env) replaceHostKey(node string) ssh.PublicKey {
	e.t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		e.t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		e.t.Fatal(err)
	}
	n, _ := e.cl.Node(node)
	line := knownhosts.Line([]string{knownhosts.Normalize(n.SSHAddr())}, signer.PublicKey())
	if err := os.WriteFile(e.site.SSH.KnownHosts, []byte(line+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return signer.PublicKey()
}
