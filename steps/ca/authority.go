package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/ucops/runbook/steps/file"
)

// Level is one certificate authority of the local CA: the root, or the
// issuing intermediate below it.
type Level struct {
	Cert     *x509.Certificate
	Key      crypto.Signer
	CertFile string
}

// Authority is a local CA kept in a directory: root/ (cert.pem, key.pem),
// optionally issuing/ (the intermediate), and issued/ (every certificate
// it signed, named by key and profile, so a signature is never repeated).
type Authority struct {
	Dir     string
	Root    *Level
	Issuing *Level // nil until an intermediate is asked for
}

const (
	rootDir    = "root"
	issuingDir = "issuing"
	issuedDir  = "issued"
)

// Open loads the CA in dir, creating the root (and, with intermediate,
// the issuing CA) on first use. keyType is used only for what it creates;
// an existing CA keeps its keys and names.
func Open(dir, name, keyType string, intermediate bool) (*Authority, error) {
	if err := os.MkdirAll(filepath.Join(dir, issuedDir), 0o700); err != nil {
		return nil, err
	}
	a := &Authority{Dir: dir}
	var err error
	a.Root, err = ensure(dir, rootDir, func() (*x509.Certificate, crypto.Signer, error) {
		return newCA(name+" Root CA", keyType, nil)
	})
	if err != nil || !intermediate {
		return a, err
	}
	a.Issuing, err = ensure(dir, issuingDir, func() (*x509.Certificate, crypto.Signer, error) {
		return newCA(name+" Issuing CA", keyType, a.Root)
	})
	return a, err
}

// Peek loads the CA in dir without creating anything; nil when there is
// none yet.
func Peek(dir string) (*Authority, error) {
	root, err := load(filepath.Join(dir, rootDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a := &Authority{Dir: dir, Root: root}
	a.Issuing, err = load(filepath.Join(dir, issuingDir))
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	return a, err
}

// ensure loads the level in dir/sub, or makes it and moves it into place
// with one rename, so two runs racing to create it agree on one.
func ensure(dir, sub string, create func() (*x509.Certificate, crypto.Signer, error)) (
	*Level, error) {
	final := filepath.Join(dir, sub)
	lv, err := load(final)
	if !errors.Is(err, fs.ErrNotExist) {
		return lv, err
	}
	cert, key, err := create()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, "."+sub+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := store(tmp, cert, key); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, final); err != nil && !exists(final) {
		return nil, err
	}
	if err := file.SyncDir(dir); err != nil {
		return nil, err
	}
	return load(final)
}

func store(dir string, cert *x509.Certificate, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := file.WriteAtomic(filepath.Join(dir, "key.pem"), keyPEM, 0o600); err != nil {
		return err
	}
	return file.WriteAtomic(filepath.Join(dir, "cert.pem"), pemOf(cert), 0o644)
}

func load(dir string) (*Level, error) {
	certFile := filepath.Join(dir, "cert.pem")
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, "key.pem"))
	if err != nil {
		return nil, err
	}
	cert, err := parseOne(certPEM, "CERTIFICATE")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	keyDER, err := parseOne(keyPEM, "PRIVATE KEY")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "key.pem"), err)
	}
	return level(certFile, cert, keyDER)
}

func level(certFile string, certDER, keyDER []byte) (*Level, error) {
	cert, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", certFile, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(keyDER)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", certFile, err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s key: %T cannot sign", certFile, key)
	}
	return &Level{Cert: cert, Key: signer, CertFile: certFile}, nil
}

func parseOne(data []byte, typ string) ([]byte, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != typ {
		return nil, fmt.Errorf("no %s PEM block", typ)
	}
	return block.Bytes, nil
}

func newCA(cn, keyType string, parent *Level) (*x509.Certificate, crypto.Signer, error) {
	key, err := newKey(keyType)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"runbook lab CA"}},
		NotBefore:    time.Now().Add(-5 * time.Minute),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign |
			x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	issuer, signer := tmpl, key
	if parent != nil {
		tmpl.MaxPathLenZero = true
		tmpl.NotAfter = parent.Cert.NotAfter.Add(-24 * time.Hour)
		issuer, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, key.Public(), signer)
	if err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func newKey(keyType string) (crypto.Signer, error) {
	switch keyType {
	case "rsa-2048", "":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "rsa-3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	case "rsa-4096":
		return rsa.GenerateKey(rand.Reader, 4096)
	case "ec-p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ec-p384":
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	return nil, fmt.Errorf("unknown CA key type %q", keyType)
}

func randomSerial() *big.Int {
	// crypto/rand.Reader never fails since Go 1.24.
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
