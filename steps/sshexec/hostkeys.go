package sshexec

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/ucops/runbook/steps"
)

// MismatchError is a host that offered another key than known_hosts
// holds for it: a rebuilt server, or someone in the middle.
type MismatchError struct {
	Host    string
	File    string
	Line    int
	Known   string // SHA256 fingerprint in known_hosts
	Offered string // SHA256 fingerprint the server offered
}

// Error names both fingerprints and where the known one is written.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("host key mismatch for %s: %s:%d has %s, the server offered %s; "+
		"if the host was rebuilt, remove that line, otherwise do not connect",
		e.Host, e.File, e.Line, e.Known, e.Offered)
}

// UnknownHostError is a host that known_hosts does not list while the
// site does not accept new keys.
type UnknownHostError struct {
	Host, File, Offered string
}

// Error says how to trust the host.
func (e *UnknownHostError) Error() string {
	return fmt.Sprintf("host %s is not in %s (it offered %s); add its key there, "+
		"or let the site accept new host keys", e.Host, e.File, e.Offered)
}

// HostKeys returns the host key check of the site's policy: keys are
// verified against the known_hosts file; an unknown host is an error
// unless AcceptNewHostKeys, when its key is appended; a changed key is
// always an error. It also returns the host key algorithms to offer for
// addr, so a host known by one key type is not asked for another.
func HostKeys(set steps.SSHSettings, addr string) (ssh.HostKeyCallback, []string, error) {
	if set.KnownHosts == "" {
		return nil, nil, errors.New("no known_hosts file: set credentials.known_hosts in the site")
	}
	if err := ensureFile(set.KnownHosts, set.AcceptNewHostKeys); err != nil {
		return nil, nil, err
	}
	known, err := knownhosts.New(set.KnownHosts)
	if err != nil {
		return nil, nil, fmt.Errorf("known_hosts: %w", err)
	}
	var mu sync.Mutex // one append at a time
	cb := func(host string, remote net.Addr, key ssh.PublicKey) error {
		err := known(host, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case !errors.As(err, &ke):
			return err
		case len(ke.Want) > 0:
			w := ke.Want[0]
			return &MismatchError{Host: host, File: w.Filename, Line: w.Line,
				Known: ssh.FingerprintSHA256(w.Key), Offered: ssh.FingerprintSHA256(key)}
		case !set.AcceptNewHostKeys:
			return &UnknownHostError{Host: host, File: set.KnownHosts,
				Offered: ssh.FingerprintSHA256(key)}
		}
		mu.Lock()
		defer mu.Unlock()
		return appendKey(set.KnownHosts, host, key)
	}
	return cb, algorithms(known, addr), nil
}

func ensureFile(path string, create bool) error {
	_, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && create {
		var f *os.File
		if f, err = os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			err = f.Close()
		}
	}
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	return nil
}

func appendKey(path, host string, key ssh.PublicKey) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(host)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("known_hosts: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("known_hosts: %w", err)
	}
	return f.Close()
}

// algorithms lists the host key algorithms of the keys known for addr,
// nil when it is unknown (then any algorithm will do).
func algorithms(known ssh.HostKeyCallback, addr string) []string {
	probe := probeKey{}
	tcp, _ := net.ResolveTCPAddr("tcp", addr)
	var remote net.Addr = tcp
	if tcp == nil {
		remote = &net.TCPAddr{}
	}
	var ke *knownhosts.KeyError
	if err := known(addr, remote, probe); !errors.As(err, &ke) {
		return nil
	}
	var algos []string
	for _, w := range ke.Want {
		switch t := w.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

// probeKey is a key no host has, used to ask known_hosts which keys it
// holds for an address.
type probeKey struct{}

func (probeKey) Type() string                        { return "runbook-probe" }
func (probeKey) Marshal() []byte                     { return []byte("runbook-probe") }
func (probeKey) Verify([]byte, *ssh.Signature) error { return errors.New("probe key") }
