package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"slices"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys checks host keys against known_hosts for one dial.
type hostKeys struct {
	node, addr string
	file       string
	acceptNew  bool
	db         ssh.HostKeyCallback
}

// newHostKeys reads the known_hosts file. A missing file is an empty one
// when new keys may be accepted.
func newHostKeys(cfg *Config) (*hostKeys, error) {
	file := cfg.SSH.KnownHosts
	if file == "" {
		return nil, fmt.Errorf("connect to %s: the site names no known_hosts file, "+
			"and host keys are always verified", cfg.Node)
	}
	_, err := os.Stat(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && cfg.SSH.AcceptNewHostKeys:
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			return nil, fmt.Errorf("create known_hosts: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	db, err := knownhosts.New(file)
	if err != nil {
		return nil, fmt.Errorf("read known_hosts: %w", err)
	}
	return &hostKeys{node: cfg.Node, addr: cfg.Addr, file: file,
		acceptNew: cfg.SSH.AcceptNewHostKeys, db: db}, nil
}

// check is the ssh.HostKeyCallback.
func (h *hostKeys) check(hostname string, remote net.Addr, key ssh.PublicKey) error {
	err := h.db(hostname, remote, key)
	var ke *knownhosts.KeyError
	if !errors.As(err, &ke) {
		return err
	}
	if len(ke.Want) == 0 && h.acceptNew {
		return h.add(key)
	}
	e := &HostKeyError{Node: h.node, Addr: h.addr, File: h.file,
		Offered: ssh.FingerprintSHA256(key)}
	for _, k := range ke.Want {
		e.Known = append(e.Known, KnownKey{Fingerprint: ssh.FingerprintSHA256(k.Key),
			Where: fmt.Sprintf("%s:%d", k.Filename, k.Line)})
	}
	return e
}

// add appends the host's key to known_hosts.
func (h *hostKeys) add(key ssh.PublicKey) error {
	line := knownhosts.Line([]string{knownhosts.Normalize(h.addr)}, key)
	f, err := os.OpenFile(h.file, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("add %s to known_hosts: %w", h.node, err)
	}
	if _, err := fmt.Fprintln(f, line); err != nil {
		f.Close()
		return fmt.Errorf("add %s to known_hosts: %w", h.node, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("add %s to known_hosts: %w", h.node, err)
	}
	return f.Close()
}

// known returns the keys known_hosts holds for the host, one per type.
func (h *hostKeys) known() []ssh.PublicKey {
	remote, err := net.ResolveTCPAddr("tcp", h.addr)
	if err != nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if !errors.As(h.db(h.addr, remote, probeKey{}), &ke) {
		return nil
	}
	keys := make([]ssh.PublicKey, len(ke.Want))
	for i, k := range ke.Want {
		keys[i] = k.Key
	}
	return keys
}

// knownTypes returns the types of the keys known_hosts holds for the host.
func (h *hostKeys) knownTypes() []string {
	var types []string
	for _, k := range h.known() {
		types = append(types, k.Type())
	}
	slices.Sort(types)
	return types
}

// algorithms returns the host key algorithms to offer: those of the key
// types known_hosts holds for the host, so that the server cannot pick a
// type the file has no key of, or every allowed one for a new host.
func (h *hostKeys) algorithms(allowed []string) []string {
	keys := h.known()
	if len(keys) == 0 {
		return allowed
	}
	var algos []string
	for _, k := range keys {
		for _, a := range algorithmsFor(k.Type()) {
			if slices.Contains(allowed, a) && !slices.Contains(algos, a) {
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsFor returns the signature algorithms of a key type.
func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// probeKey is a key no host has, used to learn which keys known_hosts
// holds for a host.
type probeKey struct{}

func (probeKey) Type() string                                 { return "runbook-probe" }
func (probeKey) Marshal() []byte                              { return []byte("runbook-probe") }
func (probeKey) Verify(data []byte, sig *ssh.Signature) error { return errors.New("probe key") }
