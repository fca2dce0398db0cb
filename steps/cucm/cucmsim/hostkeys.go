package cucmsim

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/crypto/ssh"
)

// hostKey loads a node's SSH host key from stateDir, or makes one and, with
// a stateDir, saves it so that known_hosts stays valid across restarts of
// the simulator. Legacy nodes get an RSA key offered only as ssh-rsa.
// fresh makes a new key even when one is saved, replacing it, as a
// reinstalled server does.
func hostKey(stateDir, node string, legacy, fresh bool) (ssh.Signer, error) {
	kind := "ed25519"
	if legacy {
		kind = "rsa"
	}
	path := ""
	if stateDir != "" {
		path = filepath.Join(stateDir, "hostkeys", node+"_ssh_host_"+kind+"_key")
	}
	var key crypto.Signer
	var err error
	if !fresh {
		key, err = loadHostKey(path)
	}
	if err != nil {
		return nil, err
	}
	if key == nil {
		if key, err = newHostKey(kind, path); err != nil {
			return nil, err
		}
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		return nil, fmt.Errorf("host key of %s: %w", node, err)
	}
	if !legacy {
		return signer, nil
	}
	return ssh.NewSignerWithAlgorithms(signer.(ssh.AlgorithmSigner),
		[]string{ssh.KeyAlgoRSA})
}

// loadHostKey reads a saved key; it returns nil without error when there
// is none to read.
func loadHostKey(path string) (crypto.Signer, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	raw, err := ssh.ParseRawPrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	switch k := raw.(type) {
	case *ed25519.PrivateKey:
		return *k, nil
	case crypto.Signer:
		return k, nil
	}
	return nil, fmt.Errorf("host key %s: unsupported key type %T", path, raw)
}

// newHostKey makes a key of kind and saves it at path, if given.
func newHostKey(kind, path string) (crypto.Signer, error) {
	var key crypto.Signer
	var err error
	if kind == "rsa" {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		_, key, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil || path == "" {
		return key, err
	}
	block, err := ssh.MarshalPrivateKey(key, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	return key, os.WriteFile(path, pem.EncodeToMemory(block), 0o600)
}
