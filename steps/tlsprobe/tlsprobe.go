// Package tlsprobe implements the tls.probe action: it connects to a TLS
// server (a node's HTTPS port by default), sends SNI, and reports the chain
// the server serves, whether that chain verifies to a CA bundle, and
// whether it is valid for the server name. An untrusted certificate is a
// finding, not a failure; only a server that does not answer fails.
//
// Certificates are described by steps/x509 (x509inspect.Describe), so a
// served chain and an inspected file read the same in expressions. The
// probe only reads: it never sends an HTTP request.
package tlsprobe

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/ucops/runbook/steps"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// Input is the `with` block of tls.probe.
type Input struct {
	Host       string        `yaml:"host" doc:"host name or address to connect to; default the target node's address"`
	Port       int           `yaml:"port" doc:"TCP port; default the node's https port, else 8443"`
	ServerName string        `yaml:"server_name" doc:"SNI and the name the certificate must be valid for; default the node's FQDN, else the host"`
	CABundle   string        `yaml:"ca_bundle" doc:"CA certificates to verify against: a file path or PEM text; default the system roots"`
	Timeout    time.Duration `yaml:"timeout" default:"15s" doc:"how long to wait for the connection and handshake"`
}

// Result is what tls.probe outputs.
type Result struct {
	Address     string             `json:"address" doc:"host:port connected to"`
	ServerName  string             `json:"server_name" doc:"the SNI sent and the name checked"`
	TLSVersion  string             `json:"tls_version" doc:"negotiated protocol version, such as TLS 1.3"`
	Leaf        x509inspect.Cert   `json:"leaf" doc:"the server's certificate"`
	Chain       []x509inspect.Cert `json:"chain" doc:"every certificate the server sent, in the order sent"`
	ChainOrder  string             `json:"chain_order" doc:"single, leaf-first (correct), root-first or unordered"`
	Trusted     bool               `json:"trusted" doc:"the chain verifies to the CA bundle"`
	NameMatches bool               `json:"name_matches" doc:"the certificate is valid for server_name"`
	Verified    bool               `json:"verified" doc:"trusted and name_matches: a browser would accept it"`
	TrustError  string             `json:"trust_error" doc:"why the chain is not verified, empty when it is"`
}

// Actions returns the tls family's actions.
func Actions() []steps.Action {
	return []steps.Action{
		steps.Func[Input, Result]{
			Name: "tls.probe",
			Doc:  "Report the certificate chain a TLS server serves and whether it is trusted.",
			Run:  probe,
		}.Action(),
	}
}

func probe(ctx context.Context, rt *steps.Runtime, in *Input) (*Result, error) {
	addr, name, err := endpoint(rt, in)
	if err != nil {
		return nil, err
	}
	var roots *x509.CertPool
	if in.CABundle != "" {
		if roots, err = x509inspect.LoadPool(rt, in.CABundle); err != nil {
			return nil, err
		}
	}
	state, err := handshake(ctx, addr, name, in.Timeout)
	if err != nil {
		return nil, err
	}
	return report(addr, name, state, roots), nil
}

// endpoint works out where to connect and which name to send.
func endpoint(rt *steps.Runtime, in *Input) (addr, name string, err error) {
	host, port, name := in.Host, in.Port, in.ServerName
	if node := rt.Node; node != nil {
		host = cmp.Or(host, node.Address())
		port = cmp.Or(port, node.Port("https", 8443))
		name = cmp.Or(name, node.FQDN)
	}
	if host == "" {
		return "", "", errors.New("no host to probe: set host, or give the step a target node")
	}
	port = cmp.Or(port, 8443)
	return net.JoinHostPort(host, strconv.Itoa(port)), cmp.Or(name, host), nil
}

func handshake(ctx context.Context, addr, name string, timeout time.Duration) (
	tls.ConnectionState, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	d := tls.Dialer{Config: &tls.Config{
		ServerName:         name,
		InsecureSkipVerify: true, // verification is done below and reported, not enforced
		MinVersion:         tls.VersionTLS10,
	}}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no TLS answer within %s", timeout)
		}
		return tls.ConnectionState{}, fmt.Errorf("probe %s: %w", addr, err)
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState(), nil
}

func report(addr, name string, st tls.ConnectionState, roots *x509.CertPool) *Result {
	certs := st.PeerCertificates
	res := &Result{
		Address:    addr,
		ServerName: name,
		TLSVersion: tls.VersionName(st.Version),
		Leaf:       x509inspect.Describe(certs[0]),
		ChainOrder: x509inspect.Order(certs),
	}
	for _, c := range certs {
		res.Chain = append(res.Chain, x509inspect.Describe(c))
	}
	res.NameMatches = certs[0].VerifyHostname(name) == nil
	trustErr := verify(certs, roots)
	res.Trusted = trustErr == nil
	res.Verified = res.Trusted && res.NameMatches
	switch {
	case trustErr != nil:
		res.TrustError = trustErr.Error()
	case !res.NameMatches:
		res.TrustError = certs[0].VerifyHostname(name).Error()
	}
	return res
}

func verify(certs []*x509.Certificate, roots *x509.CertPool) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	return err
}
