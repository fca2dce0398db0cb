package sshexec

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps"
)

// handshakeTimeout bounds the SSH handshake when ctx has no deadline.
const handshakeTimeout = 30 * time.Second

// authMethods turns a credential into SSH auth: the private key when
// there is one (its passphrase is the password), and the password, also
// answered to keyboard-interactive prompts.
func authMethods(cred steps.Credential) ([]ssh.AuthMethod, error) {
	var methods []ssh.AuthMethod
	if len(cred.PrivateKey) > 0 {
		signer, err := ssh.ParsePrivateKey(cred.PrivateKey)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) && cred.Password != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase(cred.PrivateKey, []byte(cred.Password))
			cred.Password = "" // it was the passphrase
		}
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if cred.Password != "" {
		pw := cred.Password
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				answers := make([]string, len(qs))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(methods) == 0 {
		return nil, errors.New("the credential has neither a password nor a private key")
	}
	return methods, nil
}

// Legacy makes cfg also offer the key exchanges, ciphers, MACs and host
// key types that old servers need (diffie-hellman-group14-sha1, CBC,
// ssh-rsa), after the modern ones. Sites enable it per host family.
func Legacy(cfg *ssh.ClientConfig) {
	ok, old := ssh.SupportedAlgorithms(), ssh.InsecureAlgorithms()
	cfg.KeyExchanges = append(ok.KeyExchanges, old.KeyExchanges...)
	cfg.Ciphers = append(ok.Ciphers, old.Ciphers...)
	cfg.MACs = append(ok.MACs, old.MACs...)
	if cfg.HostKeyAlgorithms == nil {
		cfg.HostKeyAlgorithms = append(ok.HostKeys, old.HostKeys...)
	}
}

// dial connects and logs in, honouring ctx during the TCP connect and the
// handshake (ssh itself takes no context).
func dial(ctx context.Context, addr string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok || time.Until(deadline) > handshakeTimeout {
		deadline = time.Now().Add(handshakeTimeout)
	}
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, loginError(cfg.User, err)
	}
	conn.SetDeadline(time.Time{})
	return ssh.NewClient(c, chans, reqs), nil
}

// loginError rewords a refused login; other handshake errors (host keys
// included) pass unchanged.
func loginError(user string, err error) error {
	var mm *MismatchError
	var uh *UnknownHostError
	if errors.As(err, &mm) {
		return mm
	}
	if errors.As(err, &uh) {
		return uh
	}
	if msg := err.Error(); strings.Contains(msg, "unable to authenticate") {
		tried := ""
		if i := strings.Index(msg, "attempted methods ["); i >= 0 {
			tried = msg[i+len("attempted methods [") : strings.Index(msg[i:], "]")+i]
		}
		return fmt.Errorf("login refused for %s: wrong password or key (tried %s)", user, tried)
	}
	return err
}
