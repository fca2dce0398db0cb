package tlsprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
	"github.com/ucops/runbook/steps/x509/x509test"
)

// server is a real TLS listener on loopback serving chain, recording the
// SNI names it was asked for.
type server struct {
	*httptest.Server
	mu  sync.Mutex
	sni []string
}

func newServer(t *testing.T, chain []*x509.Certificate, key any) *server {
	t.Helper()
	s := &server{}
	cert := tls.Certificate{PrivateKey: key}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	s.Server = httptest.NewUnstartedServer(http.NotFoundHandler())
	s.TLS = &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		s.mu.Lock()
		s.sni = append(s.sni, h.ServerName)
		s.mu.Unlock()
		return &cert, nil
	}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *server) port(t *testing.T) int {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func decodeInput(t *testing.T, src string) *Input {
	t.Helper()
	return stepstest.Decode[Input](t, src)
}

func TestProbe(t *testing.T) {
	root := x509test.NewRoot(t, "Lab Root CA")
	issuing := root.Sub(t, "Lab Issuing CA")
	key := x509test.ECKey(t)
	leaf := issuing.Leaf(t, key, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com")
	srv := newServer(t, []*x509.Certificate{leaf, issuing.Cert}, key)
	other := x509test.NewRoot(t, "Other Root")
	node := &steps.Node{Name: "cucm-pub", Host: "127.0.0.1", FQDN: "cucm-pub.lab.example.com",
		Ports: map[string]int{"https": srv.port(t)}}

	cases := []struct {
		name, with      string
		node            *steps.Node
		trusted, nameOK bool
		trustError, sni string
	}{
		{"node defaults, trusted", "ca_bundle: |\n" + indent(x509test.PEM(root.Cert)), node,
			true, true, "", "cucm-pub.lab.example.com"},
		{"other name", "server_name: cucm-sub2.lab.example.com\nca_bundle: |\n" +
			indent(x509test.PEM(root.Cert)), node, true, false,
			"x509: certificate is valid for cucm-pub.lab.example.com, cucm-sub1.lab.example.com, " +
				"not cucm-sub2.lab.example.com", "cucm-sub2.lab.example.com"},
		{"untrusted", "ca_bundle: |\n" + indent(x509test.PEM(other.Cert)), node, false, true,
			"x509: certificate signed by unknown authority", "cucm-pub.lab.example.com"},
		{"host and port, no node", "host: 127.0.0.1\nport: " + strconv.Itoa(srv.port(t)) +
			"\nserver_name: cucm-sub1.lab.example.com\nca_bundle: |\n" + indent(x509test.PEM(root.Cert)),
			nil, true, true, "", "cucm-sub1.lab.example.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := &steps.Runtime{Node: tc.node}
			res, err := probe(context.Background(), rt, decodeInput(t, tc.with))
			if err != nil {
				t.Fatal(err)
			}
			if res.Trusted != tc.trusted || res.NameMatches != tc.nameOK || res.TrustError != tc.trustError {
				t.Errorf("trusted %v, name matches %v, error %q; want %v, %v, %q",
					res.Trusted, res.NameMatches, res.TrustError, tc.trusted, tc.nameOK, tc.trustError)
			}
			if got := srv.lastSNI(); got != tc.sni {
				t.Errorf("server saw SNI %q, want %q", got, tc.sni)
			}
			if len(res.Chain) != 2 || res.ChainOrder != "leaf-first" || res.Leaf.SHA256 != res.Chain[0].SHA256 {
				t.Errorf("chain: %d certificates, order %s", len(res.Chain), res.ChainOrder)
			}
			if res.Leaf.IssuerCN != "Lab Issuing CA" || res.Leaf.DNSNames[1] != "cucm-sub1.lab.example.com" {
				t.Errorf("leaf described as %+v", res.Leaf)
			}
		})
	}
}

func (s *server) lastSNI() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sni) == 0 {
		return ""
	}
	return s.sni[len(s.sni)-1]
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n  ")
}

func TestProbeFailures(t *testing.T) {
	// A port nothing listens on: take a free one and close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	// A listener that accepts and never speaks.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	plainAddr := plain.Listener.Addr().String()
	silentAddr := silent.Addr().String()

	cases := []struct{ name, addr, with, want string }{
		{"connection refused", closed, "", "probe " + closed + ": dial tcp " + closed +
			": connect: connection refused"},
		{"silent server", silentAddr, "timeout: 200ms", "probe " + silentAddr +
			": no TLS answer within 200ms"},
		{"not TLS", plainAddr, "", "probe " + plainAddr +
			": tls: first record does not look like a TLS handshake"},
		{"no host", "", "", "no host to probe: set host, or give the step a target node"},
		{"bad bundle", plainAddr, "ca_bundle: /nonexistent/ca.pem",
			"CA bundle: open /nonexistent/ca.pem: no such file or directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			with := "{}"
			if tc.with != "" {
				with = tc.with
			}
			in := decodeInput(t, with)
			if tc.addr != "" {
				host, port, _ := net.SplitHostPort(tc.addr)
				in.Host = host
				in.Port, _ = strconv.Atoi(port)
			}
			start := time.Now()
			_, err := probe(context.Background(), &steps.Runtime{}, in)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
			if time.Since(start) > 10*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
		})
	}
}

func TestProbeCancelled(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		c, err := silent.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(5 * time.Second)
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	host, port, _ := net.SplitHostPort(silent.Addr().String())
	p, _ := strconv.Atoi(port)
	_, err = probe(ctx, &steps.Runtime{}, &Input{Host: host, Port: p, Timeout: time.Minute})
	if want := "probe " + silent.Addr().String() + ": context canceled"; err == nil || err.Error() != want {
		t.Errorf("error = %v, want the cancellation", err)
	}
}
