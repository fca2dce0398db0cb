package ca

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
	x509inspect "github.com/ucops/runbook/steps/x509"
	"github.com/ucops/runbook/steps/x509/x509test"
)

func decodeInput(t *testing.T, src string) *Input {
	t.Helper()
	return stepstest.Decode[Input](t, src)
}

func withCSR(csrPEM, extra string) string {
	return "csr: |\n  " + strings.ReplaceAll(strings.TrimSpace(csrPEM), "\n", "\n  ") + "\n" + extra
}

var names = []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com", "imp-pub.lab.example.com"}

func TestSign(t *testing.T) {
	serverEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	bothEKU := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	cases := []struct {
		name       string
		eku        []x509.ExtKeyUsage
		extra      string
		levels     int
		clientAuth bool
	}{
		{"defaults, rsa root", serverEKU, "", 1, false},
		{"intermediate, server-client", bothEKU,
			"profile: server-client\nintermediate: true\nca_key: ec-p256\nname: Acme Lab", 2, true},
		{"plain csr, root only", nil, "ca_key: ec-p384\ndays: 30", 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			arts := t.TempDir()
			rt := &steps.Runtime{Step: "sign-tomcat", Artifacts: stepstest.Artifacts(arts)}
			csr := x509test.CSR(t, x509test.RSAKey(t, 2048), tc.eku, names...)
			in := decodeInput(t, withCSR(x509test.CSRPEM(csr), tc.extra))

			chk, err := signed(context.Background(), rt, in)
			caDir := filepath.Join(arts, "local-ca")
			if err != nil || chk.State != steps.NotDone || chk.Detail != "no CA in "+caDir+" yet" {
				t.Fatalf("check before: %v %v %q", chk.State, err, chk.Detail)
			}
			res, err := sign(context.Background(), rt, in)
			if err != nil {
				t.Fatal(err)
			}
			checkIssued(t, res, csr, tc.levels, tc.clientAuth)

			again, err := sign(context.Background(), rt, in)
			if err != nil || !again.Reused || again.Serial != res.Serial {
				t.Fatalf("second sign: reused %v serial %s (first %s), %v", again.Reused, again.Serial, res.Serial, err)
			}
			chk, err = signed(context.Background(), rt, in)
			done := chk.Result.(*Result)
			if err != nil || chk.State != steps.Done || done.Serial != res.Serial ||
				done.CertificateFile != res.CertificateFile || !strings.Contains(chk.Detail, "already issued CN=cucm-pub") {
				t.Fatalf("check after: %v %v %q", chk.State, err, chk.Detail)
			}
		})
	}
}

func checkIssued(t *testing.T, res *Result, csr *x509.CertificateRequest, levels int, clientAuth bool) {
	t.Helper()
	b, err := x509inspect.Parse([]byte(res.Certificate + strings.Join(res.ChainCerts, "")))
	if err != nil {
		t.Fatal(err)
	}
	leaf := b.Certs[0]
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(b.Certs[1])
	for _, c := range b.Certs[2:] {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		DNSName: "imp-pub.lab.example.com", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		t.Errorf("certificate does not verify to the CA: %v", err)
	}
	if leaf.Subject.String() != csr.Subject.String() || strings.Join(leaf.DNSNames, ",") !=
		strings.Join(csr.DNSNames, ",") {
		t.Errorf("subject %s, SANs %v; CSR had %s, %v", leaf.Subject, leaf.DNSNames, csr.Subject, csr.DNSNames)
	}
	if got := x509inspect.Describe(leaf).ClientAuth; got != clientAuth {
		t.Errorf("client auth = %v, want %v", got, clientAuth)
	}
	if len(res.ChainCerts) != levels {
		t.Errorf("chain has %d CA certificates, want %d", len(res.ChainCerts), levels)
	}
	// The chain file is root first; the full chain leaf first and complete.
	chain, _ := os.ReadFile(res.ChainFile)
	full, _ := os.ReadFile(res.FullChainFile)
	for name, c := range map[string]struct {
		data []byte
		want x509inspect.Expect
	}{
		"chain":     {chain, x509inspect.Expect{Order: "root-first", Complete: true}},
		"fullchain": {full, x509inspect.Expect{Order: "leaf-first", Complete: true, ServerAuth: true}},
	} {
		pb, err := x509inspect.Parse(c.data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if levels == 1 && name == "chain" {
			c.want.Order = ""
		}
		if _, err := x509inspect.Inspect(pb, c.want, leaf.NotBefore.Add(3600e9)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSignRefusals(t *testing.T) {
	key := x509test.ECKey(t)
	both := x509test.CSR(t, key, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		names...)
	tampered := []byte(x509test.CSRPEM(x509test.CSR(t, key, nil, names...)))
	tampered = tamper(t, tampered)
	cert := x509test.NewRoot(t, "Not a CSR").Cert
	cases := []struct{ name, with, want string }{
		{"strip client auth", withCSR(x509test.CSRPEM(both), ""),
			"CSR for cucm-pub.lab.example.com asks for Client Authentication, which profile server " +
				"would strip; use profile server-client"},
		{"tampered", withCSR(string(tampered), ""),
			"read CSR: CSR signature does not check: x509: ECDSA verification failure"},
		{"certificate", withCSR(x509test.PEM(cert), ""),
			"read CSR: want one CSR, found 0 CSRs and 1 certificates"},
		{"missing file", "csr: /nonexistent/cluster.csr",
			"read CSR: open /nonexistent/cluster.csr: no such file or directory"},
		{"zero days", withCSR(x509test.CSRPEM(both), "days: -1\nprofile: server-client"),
			"days must be at least 1, got -1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := &steps.Runtime{Artifacts: stepstest.Artifacts(t.TempDir())}
			_, err := sign(context.Background(), rt, decodeInput(t, tc.with))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

// tamper changes one byte of the CSR's subject so its signature fails.
func tamper(t *testing.T, pemData []byte) []byte {
	b, err := x509inspect.Parse(pemData)
	if err != nil {
		t.Fatal(err)
	}
	raw := append([]byte(nil), b.CSRs[0].Raw...)
	i := strings.Index(string(raw), "cucm-pub")
	raw[i] = 'k'
	return []byte("-----BEGIN CERTIFICATE REQUEST-----\n" + base64.StdEncoding.EncodeToString(raw) + "\n-----END CERTIFICATE REQUEST-----\n")
}

func TestOpenRace(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	fps := make([]string, 4)
	errs := make([]error, 4)
	for i := range fps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, err := Open(dir, "Race", "ec-p256", true)
			errs[i] = err
			if err == nil {
				fps[i] = x509inspect.Fingerprint(a.Root.Cert.Raw) + x509inspect.Fingerprint(a.Issuing.Cert.Raw)
			}
		}()
	}
	wg.Wait()
	for i := range fps {
		if errs[i] != nil || fps[i] != fps[0] {
			t.Fatalf("opener %d: %v, CA %s vs %s", i, errs[i], fps[i], fps[0])
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary directories left: %v", leftovers)
	}
	info, err := os.Stat(filepath.Join(dir, "root", "key.pem"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("root key mode %v, %v", info.Mode(), err)
	}
}
