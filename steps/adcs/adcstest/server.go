// Package adcstest runs a fake Microsoft AD CS web enrolment server
// (certsrv) on loopback for tests, the way httptest runs an HTTP server:
// a real TLS listener, real NTLMv2 (or basic) authentication checked
// against a configured password, and real signing with crypto/x509 by a
// two-level CA. It follows the protocol adcs.submit speaks (see DOMAIN.md):
// certfnsh.asp, certnew.cer, certnew.p7b, certcarc.asp, with issued,
// pending and denied dispositions.
//
// The client is steps/adcs; this package only serves.
package adcstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Template is how the fake CA treats requests naming a certificate
// template.
type Template struct {
	// ClientAuth adds Client Authentication to Server Authentication.
	ClientAuth bool
	// Pending holds requests for an administrator (see Server.Approve).
	Pending bool
}

// Config describes the fake server.
type Config struct {
	// Username and Password are the one account accepted. For NTLM the
	// user name may carry a domain: `LAB\svc-runbook`.
	Username, Password string
	// Basic switches authentication from NTLM to HTTP basic.
	Basic bool
	// Templates maps template names to their treatment; nil means
	// WebServer (server authentication) and WebServerClient (server and
	// client authentication).
	Templates map[string]Template
	// Renewals is the nRenewals certcarc.asp reports: the CA certificate
	// is then served under Renewal=Renewals.
	Renewals int
}

// Request is a certificate request the fake CA received.
type Request struct {
	ID       int
	Template string
	CSR      *x509.CertificateRequest
	State    string // issued, pending, denied
	Message  string // disposition message
	Cert     *x509.Certificate
}

// Server is a running fake certsrv.
type Server struct {
	srv  *httptest.Server
	cfg  Config
	root *x509.Certificate
	ca   *x509.Certificate
	key  crypto.Signer

	mu         sync.Mutex
	requests   []*Request
	challenges map[string][]byte // NTLM server challenge by client address
	authLog    []string
}

// New starts a fake certsrv on a loopback port.
func New(cfg Config) (*Server, error) {
	if cfg.Templates == nil {
		cfg.Templates = map[string]Template{"WebServer": {}, "WebServerClient": {ClientAuth: true}}
	}
	s := &Server{cfg: cfg, challenges: map[string][]byte{}}
	if err := s.makeCA(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /certsrv/certfnsh.asp", s.submit)
	mux.HandleFunc("GET /certsrv/certnew.cer", s.certnew)
	mux.HandleFunc("GET /certsrv/certnew.p7b", s.chain)
	mux.HandleFunc("GET /certsrv/certcarc.asp", s.carc)
	s.srv = httptest.NewUnstartedServer(s.authenticate(mux))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are test cases
	s.srv.StartTLS()
	return s, nil
}

// URL is the certsrv base URL, such as https://127.0.0.1:43121/certsrv.
func (s *Server) URL() string { return s.srv.URL + "/certsrv" }

// TLSBundle returns the PEM of the certificate the HTTPS listener serves,
// to trust as the CA bundle of the connection.
func (s *Server) TLSBundle() string {
	return pemCert(s.srv.Certificate())
}

// Chain returns the signing CA's certificates, root first.
func (s *Server) Chain() []*x509.Certificate { return []*x509.Certificate{s.root, s.ca} }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Requests returns a copy of the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// AuthLog returns what authentication saw, one entry per request: "ntlm
// LAB\svc ok", "basic svc refused", "none".
func (s *Server) AuthLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.authLog...)
}

// Approve issues pending request id, as an administrator would.
func (s *Server) Approve(id int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.request(id)
	if r == nil || r.State != "pending" {
		return fmt.Errorf("request %d is not pending", id)
	}
	return s.issue(r)
}

// Deny denies pending request id with message.
func (s *Server) Deny(id int, message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.request(id)
	if r == nil || r.State != "pending" {
		return fmt.Errorf("request %d is not pending", id)
	}
	r.State, r.Message = "denied", message
	return nil
}

func (s *Server) request(id int) *Request {
	if id < 1 || id > len(s.requests) {
		return nil
	}
	return s.requests[id-1]
}

func (s *Server) makeCA() error {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	s.key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	rootTmpl := caTemplate("Lab Enterprise Root CA")
	if s.root, err = sign(rootTmpl, rootTmpl, rootKey.Public(), rootKey); err != nil {
		return err
	}
	s.ca, err = sign(caTemplate("Lab Enterprise Issuing CA"), s.root, s.key.Public(), rootKey)
	return err
}

func caTemplate(cn string) *x509.Certificate {
	return &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Lab"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
}

// issue signs r's CSR with its template; the caller holds s.mu.
func (s *Server) issue(r *Request) error {
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      r.CSR.Subject,
		DNSNames:     r.CSR.DNSNames,
		IPAddresses:  r.CSR.IPAddresses,
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if s.cfg.Templates[r.Template].ClientAuth {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	cert, err := sign(tmpl, s.ca, r.CSR.PublicKey, s.key)
	if err != nil {
		return err
	}
	r.State, r.Message, r.Cert = "issued", "Issued", cert
	return nil
}

func sign(tmpl, parent *x509.Certificate, pub crypto.PublicKey,
	key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 80))
	return n
}

func pemCert(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

func splitUser(u string) (domain, user string) {
	if d, name, ok := strings.Cut(u, `\`); ok {
		return d, name
	}
	return "", u
}
