package cucm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/parse"
	"github.com/ucops/runbook/steps/cucm/platform"
)

// Access is how an action logs in to its node; every cucm.* input has it.
type Access struct {
	Credential string `yaml:"credential" default:"os_admin" doc:"Site credential of the OS administrator."`
}

// API is how an action reaches the node's certificate REST API (release 14
// and later).
type API struct {
	CA       string `yaml:"api_ca" doc:"PEM file of the certificates or CAs to trust for the node's HTTPS (the REST API); relative to the site file."`
	Insecure bool   `yaml:"api_insecure" doc:"Do not verify the node's HTTPS certificate (labs only)."`
}

// Default ports of a real node.
const (
	defaultSSHPort   = 22
	defaultHTTPSPort = 8443
)

// conn is the pooled CLI session to one node, with what was learnt of the
// node on it.
type conn struct {
	*cli.Session
	key     string // its pool key
	mu      sync.Mutex
	release *parse.Release
}

// cliKey is the pool key of a node's session: "cucm-cli/NODE", with the
// credential's name appended when it is not os_admin.
func cliKey(node, credential string) string {
	if credential == "" || credential == "os_admin" {
		return "cucm-cli/" + node
	}
	return "cucm-cli/" + node + "/" + credential
}

// target returns the step's node and the credential the input names.
func target(rt *steps.Runtime, acc Access) (*steps.Node, steps.Credential, error) {
	node, err := rt.Target()
	if err != nil {
		return nil, steps.Credential{}, err
	}
	if rt.Credentials == nil {
		return nil, steps.Credential{}, errors.New("no credentials are available to this step")
	}
	name := acc.Credential
	if name == "" {
		name = "os_admin"
	}
	cred, err := rt.Credentials.Credential(name)
	if err != nil {
		return nil, steps.Credential{}, fmt.Errorf("credential %q: %w", name, err)
	}
	return node, cred, nil
}

// session returns the run's CLI session to the step's node, opening it
// when there is none.
func session(ctx context.Context, rt *steps.Runtime, acc Access) (*conn, error) {
	node, cred, err := target(rt, acc)
	if err != nil {
		return nil, err
	}
	if rt.Pool == nil {
		return nil, errors.New("no connection pool is available to this step")
	}
	key := cliKey(node.Name, acc.Credential)
	c, err := rt.Pool.Get(ctx, key, func(ctx context.Context) (io.Closer, error) {
		rt.Progress("%s: opening a CLI session", node.Name)
		s, err := cli.Dial(ctx, cliConfig(rt, node, cred))
		if err != nil {
			return nil, err
		}
		return &conn{Session: s, key: key}, nil
	})
	if err != nil {
		return nil, err
	}
	return c.(*conn), nil
}

func cliConfig(rt *steps.Runtime, node *steps.Node, cred steps.Credential) cli.Config {
	var ssh steps.SSHSettings
	if rt.Site != nil {
		ssh = rt.Site.SSH
		ssh.KnownHosts = rt.Path(ssh.KnownHosts)
	}
	addr := net.JoinHostPort(node.Address(), strconv.Itoa(node.Port("ssh", defaultSSHPort)))
	return cli.Config{Node: node.Name, Addr: addr, User: cred.Username,
		Password: cred.Password, PrivateKey: cred.PrivateKey, SSH: ssh}
}

// read runs a command that changes nothing. When the session dropped, the
// command is sent once more on a new session.
func read(ctx context.Context, rt *steps.Runtime, acc Access, cmd string) (string, error) {
	for attempt := 1; ; attempt++ {
		c, err := session(ctx, rt, acc)
		if err != nil {
			return "", err
		}
		out, err := c.Run(ctx, cmd)
		if err == nil || !settle(rt, c) || attempt == 2 || ctx.Err() != nil {
			return out, err
		}
		rt.Progress("%s: CLI session dropped; reconnecting to run %q", c.Node(), cmd)
	}
}

// change runs a command that changes the node. It is sent again only when
// the session was gone before it was typed; a drop while it ran is
// reported as *unknownOutcome, since whether it took effect is unknown.
func change(ctx context.Context, rt *steps.Runtime, acc Access, cmd string,
	answers ...cli.Answer) (string, error) {
	for attempt := 1; ; attempt++ {
		c, err := session(ctx, rt, acc)
		if err != nil {
			return "", err
		}
		out, err := c.Run(ctx, cmd, answers...)
		var de *cli.DroppedError
		switch {
		case !settle(rt, c) || !errors.As(err, &de):
			return out, err
		case de.Sent:
			return out, &unknownOutcome{err: err}
		case attempt == 2:
			return out, err
		}
	}
}

// unknownOutcome is a session that dropped after a command that changes
// the node was sent: the command may or may not have taken effect. It
// matches steps.ErrOutcomeUnknown, so that the engine runs the action's
// check before the step runs again, and the drop itself.
type unknownOutcome struct{ err error }

func (e *unknownOutcome) Error() string {
	return e.err.Error() + "; whether it took effect is unknown: the engine checks before " +
		"anything runs again"
}

func (e *unknownOutcome) Unwrap() []error { return []error{e.err, steps.ErrOutcomeUnknown} }

// settle drops a session that is no longer open from the pool, so that the
// next command opens a new one, and reports whether it did.
func settle(rt *steps.Runtime, c *conn) bool {
	if c.Alive() {
		return false
	}
	rt.Pool.Forget(c.key, c)
	return true
}

// release returns the node's active version, asking the CLI once per
// session.
func release(ctx context.Context, rt *steps.Runtime, acc Access) (parse.Release, error) {
	c, err := session(ctx, rt, acc)
	if err != nil {
		return parse.Release{}, err
	}
	c.mu.Lock()
	r := c.release
	c.mu.Unlock()
	if r != nil {
		return *r, nil
	}
	out, err := read(ctx, rt, acc, "show version active")
	if err != nil {
		return parse.Release{}, err
	}
	got, err := parse.ActiveVersion(out)
	if err != nil {
		return got, fmt.Errorf("show version active on %s: %w", c.Node(), err)
	}
	c.mu.Lock()
	c.release = &got
	c.mu.Unlock()
	return got, nil
}

// apiClient returns a REST client for the step's node. It needs release 14
// or later; the caller closes it.
func apiClient(rt *steps.Runtime, acc Access, api API) (*platform.Client, error) {
	node, cred, err := target(rt, acc)
	if err != nil {
		return nil, err
	}
	cfg, err := tlsConfig(rt, node, api)
	if err != nil {
		return nil, err
	}
	port := node.Port("api", node.Port("https", defaultHTTPSPort))
	base := "https://" + net.JoinHostPort(node.Address(), strconv.Itoa(port))
	return platform.New(base, cred.Username, cred.Password, cfg), nil
}

// tlsConfig verifies the node's HTTPS certificate against api_ca, or the
// system roots, for the node's FQDN.
func tlsConfig(rt *steps.Runtime, node *steps.Node, api API) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: node.FQDN,
		InsecureSkipVerify: api.Insecure}
	if api.CA == "" || api.Insecure {
		return cfg, nil
	}
	data, err := os.ReadFile(rt.Path(api.CA))
	if err != nil {
		return nil, fmt.Errorf("api_ca: %w", err)
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("api_ca %s: no PEM certificate in it", api.CA)
	}
	return cfg, nil
}

// apiError adds what to do to an error of the REST API.
func apiError(node string, err error) error {
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		return fmt.Errorf("REST API of %s: %w; its HTTPS certificate is not trusted: set api_ca "+
			"to a PEM file holding it or its CA (api_insecure skips the check in a lab)", node, err)
	}
	return fmt.Errorf("REST API of %s: %w", node, err)
}

// since formats how long ago t was, to the second.
func since(t time.Time) time.Duration {
	return time.Since(t).Round(time.Second)
}
