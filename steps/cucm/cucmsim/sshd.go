package cucmsim

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"slices"
	"time"

	"golang.org/x/crypto/ssh"
)

// handshakeTimeout bounds an SSH handshake, authentication included.
const handshakeTimeout = 30 * time.Second

// serveSSH accepts SSH connections until ln closes.
func (n *node) serveSSH(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		if !n.cl.spawn(func() { n.handleSSH(conn) }) {
			conn.Close()
		}
	}
}

// login is the outcome of one connection's authentication.
type login struct {
	user     string
	tried    bool // authentication was attempted
	checked  bool // the login faults were consulted
	refused  bool // a refuse_login fault fired
	recorded bool // a refusal was audited
}

// handleSSH runs one SSH connection: handshake, then session channels.
func (n *node) handleSSH(conn net.Conn) {
	defer conn.Close()
	lg := &login{}
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(conn, n.sshConfig(lg))
	if err != nil {
		if lg.tried && !lg.recorded {
			n.auditLogin(lg, ResultDenied) // no method the server offers was tried
		}
		return
	}
	conn.SetDeadline(time.Time{})
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	ctx, cancel := context.WithCancel(n.cl.ctx)
	defer cancel()
	go func() {
		sc.Wait()
		cancel()
	}()
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only session channels are supported")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		if !n.cl.spawn(func() { n.handleChannel(ctx, conn, ch, creqs) }) {
			ch.Close()
		}
	}
}

// sshConfig builds the server config of one connection; its callbacks
// record the login outcome in lg.
func (n *node) sshConfig(lg *login) *ssh.ServerConfig {
	c := n.cl
	cfg := &ssh.ServerConfig{ServerVersion: c.serverVersion(), MaxAuthTries: 6}
	if c.cfg.SSH.Legacy {
		cfg.KeyExchanges = []string{ssh.InsecureKeyExchangeDH14SHA1}
		cfg.Ciphers = []string{ssh.InsecureCipherAES128CBC, ssh.InsecureCipherTripleDESCBC}
		cfg.MACs = []string{ssh.HMACSHA1}
	}
	cfg.AddHostKey(n.hostKey())
	cfg.AuthLogCallback = func(meta ssh.ConnMetadata, _ string, _ error) {
		lg.tried, lg.user = true, meta.User()
	}
	check := func(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
		lg.user = meta.User()
		return nil, n.authenticate(lg, meta.User(), password)
	}
	methods := c.cfg.SSH.Auth
	if len(methods) == 0 || slices.Contains(methods, "password") {
		cfg.PasswordCallback = check
	}
	if len(methods) == 0 || slices.Contains(methods, "keyboard-interactive") {
		cfg.KeyboardInteractiveCallback = func(meta ssh.ConnMetadata,
			ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			answers, err := ask("", "", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			if len(answers) != 1 {
				return nil, errors.New("want one answer")
			}
			return check(meta, []byte(answers[0]))
		}
	}
	return cfg
}

// authenticate checks one login attempt and audits it, before the client
// learns the outcome. The first attempt of a connection may fire a
// refuse_login fault, which then fails every attempt of that connection
// and is audited once.
func (n *node) authenticate(lg *login, user string, password []byte) error {
	if !lg.checked {
		lg.checked = true
		lg.refused = n.cl.fire(n, event{kind: "login"}) != nil
	}
	if lg.refused {
		if !lg.recorded {
			n.auditLogin(lg, ResultRefused)
		}
		return errors.New("login refused")
	}
	admin := n.cl.cfg.Admin
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(admin.Username)) == 1
	passOK := subtle.ConstantTimeCompare(password, []byte(admin.Password)) == 1
	if !userOK || !passOK {
		n.auditLogin(lg, ResultDenied)
		return errors.New("wrong user name or password")
	}
	n.auditLogin(lg, ResultOK)
	return nil
}

// auditLogin records a login attempt.
func (n *node) auditLogin(lg *login, result string) {
	lg.recorded = true
	n.cl.record(AuditEntry{
		Node: n.name, Channel: ChannelCLI, Command: "login " + lg.user, Result: result,
	})
}

// serverVersion is the SSH banner of the release's OpenSSH.
func (c *Cluster) serverVersion() string {
	if c.rel.major < 12 {
		return "SSH-2.0-OpenSSH_5.3"
	}
	return "SSH-2.0-OpenSSH_7.4"
}
