package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps"
)

// Config says where and how to open a CLI session.
type Config struct {
	// Node names the node in messages, such as "cucm-pub".
	Node string
	// Addr is host:port of the node's SSH server.
	Addr string
	// User and Password are the OS administrator's; PrivateKey, when set,
	// is tried first.
	User, Password string
	PrivateKey     []byte
	// SSH holds the site's host key and algorithm policies.
	SSH steps.SSHSettings
	// StartTimeout bounds the wait for the first prompt after login; real
	// clusters take 6 to 60 seconds. Zero means two minutes.
	StartTimeout time.Duration
	// Quiet is how long output must pause at a question before the driver
	// treats it as one the caller did not expect. Zero means one second.
	Quiet time.Duration
	// KeepAlive is the interval of SSH keep-alive requests that find a
	// dead connection between commands. Zero means 30 seconds; negative
	// turns them off.
	KeepAlive time.Duration
}

func (c *Config) startTimeout() time.Duration {
	return cmpDuration(c.StartTimeout, 2*time.Minute)
}

func (c *Config) quiet() time.Duration { return cmpDuration(c.Quiet, time.Second) }

func cmpDuration(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Dial logs in to the node, waits for the first prompt and turns
// pagination off. Cancelling ctx while Dial runs aborts it.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	client, err := dialSSH(ctx, &cfg)
	if err != nil {
		return nil, err
	}
	s, err := start(ctx, &cfg, client)
	if err != nil {
		client.Close()
		return nil, err
	}
	if _, err := s.Run(ctx, "set cli pagination off"); err != nil {
		s.Close()
		return nil, fmt.Errorf("turn pagination off on %s: %w", cfg.Node, err)
	}
	return s, nil
}

// dialSSH connects and logs in.
func dialSSH(ctx context.Context, cfg *Config) (*ssh.Client, error) {
	hk, err := newHostKeys(cfg)
	if err != nil {
		return nil, err
	}
	sc := clientConfig(cfg, hk)
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Node, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, chans, reqs, err := ssh.NewClientConn(conn, cfg.Addr, sc)
	if err != nil {
		conn.Close()
		return nil, handshakeError(ctx, cfg, hk, err)
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// clientConfig builds the SSH client config: algorithms by the site's
// legacy policy, host keys from known_hosts, and the auth methods.
func clientConfig(cfg *Config, hk *hostKeys) *ssh.ClientConfig {
	algos := ssh.SupportedAlgorithms()
	if cfg.SSH.LegacyAlgorithms {
		algos.KeyExchanges = append(algos.KeyExchanges, ssh.InsecureKeyExchangeDH14SHA1)
		algos.Ciphers = append(algos.Ciphers,
			ssh.InsecureCipherAES128CBC, ssh.InsecureCipherTripleDESCBC)
		algos.HostKeys = append(algos.HostKeys, ssh.KeyAlgoRSA)
	}
	sc := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              authMethods(cfg),
		HostKeyCallback:   hk.check,
		HostKeyAlgorithms: hk.algorithms(algos.HostKeys),
	}
	sc.KeyExchanges = algos.KeyExchanges
	sc.Ciphers = algos.Ciphers
	sc.MACs = algos.MACs
	return sc
}

// authMethods offers the key, if any, then keyboard-interactive (some
// releases accept only that), then password.
func authMethods(cfg *Config) []ssh.AuthMethod {
	var methods []ssh.AuthMethod
	if len(cfg.PrivateKey) > 0 {
		if signer, err := ssh.ParsePrivateKey(cfg.PrivateKey); err == nil {
			methods = append(methods, ssh.PublicKeys(signer))
		}
	}
	answer := func(name, instruction string, questions []string, echos []bool) ([]string, error) {
		answers := make([]string, len(questions))
		for i := range questions {
			answers[i] = cfg.Password
			if echos[i] {
				answers[i] = cfg.User
			}
		}
		return answers, nil
	}
	return append(methods, ssh.KeyboardInteractive(answer), ssh.Password(cfg.Password))
}

// handshakeError turns what ssh.NewClientConn returned into the error an
// operator can act on.
func handshakeError(ctx context.Context, cfg *Config, hk *hostKeys, err error) error {
	var hke *HostKeyError
	var ane *ssh.AlgorithmNegotiationError
	switch {
	case errors.As(err, &hke):
		return hke
	case ctx.Err() != nil:
		return fmt.Errorf("log in to %s: %w", cfg.Node, context.Cause(ctx))
	case strings.Contains(err.Error(), "unable to authenticate"):
		return &AuthError{Node: cfg.Node, User: cfg.User, Methods: triedMethods(cfg), Err: err}
	case errors.As(err, &ane):
		return negotiationError(cfg, hk, ane)
	}
	return fmt.Errorf("log in to %s: %w", cfg.Node, err)
}

// negotiationError says which algorithms the node offers and what to do.
func negotiationError(cfg *Config, hk *hostKeys, e *ssh.AlgorithmNegotiationError) error {
	offered := strings.Join(slices.DeleteFunc(slices.Clone(e.RequestedAlgorithms), pseudo), ", ")
	if known := hk.knownTypes(); e.What == "host key" && len(known) > 0 {
		return fmt.Errorf("log in to %s: the node offers host keys of type %s, "+
			"but %s holds only %s for it: %w", cfg.Node, offered, hk.file,
			strings.Join(known, ", "), e)
	}
	hint := "; an older release needs the site's legacy SSH algorithms"
	if cfg.SSH.LegacyAlgorithms {
		hint = ""
	}
	return fmt.Errorf("log in to %s: no common %s algorithm, the node offers %s%s",
		cfg.Node, e.What, offered, hint)
}

// pseudo reports names that signal extensions rather than algorithms.
func pseudo(name string) bool {
	return strings.HasPrefix(name, "kex-strict-") || strings.HasPrefix(name, "ext-info-")
}

func triedMethods(cfg *Config) []string {
	m := []string{"keyboard-interactive", "password"}
	if len(cfg.PrivateKey) > 0 {
		m = append([]string{"public key"}, m...)
	}
	return m
}
