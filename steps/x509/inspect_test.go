package x509inspect

import (
	"context"
	"crypto"
	"crypto/x509"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
	"github.com/ucops/runbook/steps/x509/x509test"
)

// decodeInput decodes a `with` block the way the engine does.
func decodeInput(t *testing.T, src string) *Input {
	t.Helper()
	return stepstest.Decode[Input](t, src)
}

func testdataRuntime(t *testing.T) *steps.Runtime {
	abs, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return &steps.Runtime{Site: &steps.Site{Dir: abs}}
}

func TestInspectFixtures(t *testing.T) {
	cases := []struct {
		name, with  string
		kind, order string
		leafCN      string
		count       int
		complete    bool
	}{
		{"csr pem", "source: cluster.csr", "csr", "single", "cucm-pub.lab.example.com", 1, false},
		{"csr der", "source: cluster.csr.der", "csr", "single", "cucm-pub.lab.example.com", 1, false},
		{"leaf pem", "source: leaf.pem", "certificate", "single", "cucm-pub.lab.example.com", 1, false},
		{"leaf der", "source: leaf.der", "certificate", "single", "cucm-pub.lab.example.com", 1, false},
		{"chain leaf first", "source: chain-leaf-first.pem", "chain", "leaf-first",
			"cucm-pub.lab.example.com", 3, true},
		{"chain root first", "source: chain-root-first.pem", "chain", "root-first",
			"cucm-pub.lab.example.com", 3, true},
		{"p7b der", "source: chain.p7b", "chain", "leaf-first", "cucm-pub.lab.example.com", 3, true},
		{"p7b pem", "source: chain-p7b.pem", "chain", "leaf-first", "cucm-pub.lab.example.com", 3, true},
		{"p7b in certificate armour", "source: chain-adcs-armour.pem", "chain", "leaf-first",
			"cucm-pub.lab.example.com", 3, true},
		{"root", "source: root.pem", "certificate", "single", "Lab Root CA", 1, true},
	}
	rt := testdataRuntime(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := inspect(context.Background(), rt, decodeInput(t, tc.with))
			if err != nil {
				t.Fatal(err)
			}
			got := []any{res.Kind, res.Order, res.Leaf.CN, res.Count, res.Complete}
			want := []any{tc.kind, tc.order, tc.leafCN, tc.count, tc.complete}
			if !equalAny(got, want) {
				t.Errorf("kind, order, leaf CN, count, complete = %v, want %v", got, want)
			}
		})
	}
}

func equalAny(a, b []any) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestDescribeCSR(t *testing.T) {
	res, err := inspect(context.Background(), testdataRuntime(t), decodeInput(t, "source: cluster.csr"))
	if err != nil {
		t.Fatal(err)
	}
	l := res.Leaf
	checks := map[string][2]string{
		"sans":          {strings.Join(l.DNSNames, ","), "cucm-pub.lab.example.com,cucm-sub1.lab.example.com"},
		"key":           {l.KeyType + " " + strconv.Itoa(l.KeySize), "RSA 2048"},
		"hash":          {l.SignatureHash, "SHA-256"},
		"ku":            {strings.Join(l.KeyUsage, ","), "digital_signature,key_encipherment"},
		"eku":           {strings.Join(l.ExtKeyUsage, ","), "server_auth,client_auth"},
		"client auth":   {strconv.FormatBool(l.ClientAuth), "true"},
		"wildcard":      {strconv.FormatBool(l.Wildcard), "false"},
		"subject":       {l.Subject, "CN=cucm-pub.lab.example.com,O=Lab"},
		"pem armour":    {strings.SplitN(l.PEM, "\n", 2)[0], "-----BEGIN CERTIFICATE REQUEST-----"},
		"no ip sans":    {strconv.Itoa(len(l.IPAddresses)), "0"},
		"fingerprint #": {strconv.Itoa(len(l.SHA256)), "95"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
}

func TestExpectations(t *testing.T) {
	root := x509test.NewRoot(t, "Lab Root CA")
	issuing := root.Sub(t, "Lab Issuing CA")
	key := x509test.ECKey(t)
	serverOnly := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	leaf := issuing.Leaf(t, key, serverOnly, "cucm-pub.lab.example.com", "cucm-pub.lab.example.com",
		"imp-pub.lab.example.com")
	noCNLeaf := reissueWithoutCNSAN(t, issuing, key)
	csr := x509test.CSR(t, key, serverOnly, "cucm-pub.lab.example.com", "cucm-pub.lab.example.com",
		"imp-pub.lab.example.com")

	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	files := map[string]string{
		"csr":        write("csr.pem", x509test.CSRPEM(csr)),
		"leaf":       write("leaf.pem", x509test.PEM(leaf)),
		"nocn":       write("nocn.pem", x509test.PEM(noCNLeaf)),
		"root-first": write("rf.pem", x509test.PEM(root.Cert, issuing.Cert, leaf)),
		"leaf-first": write("lf.pem", x509test.PEM(leaf, issuing.Cert, root.Cert)),
		"unordered":  write("un.pem", x509test.PEM(issuing.Cert, root.Cert, leaf)),
		"no root":    write("nr.pem", x509test.PEM(leaf, issuing.Cert)),
		"wildcard":   "testdata/wildcard-sha1.pem",
	}
	cases := []struct {
		name, source, expect, want string
	}{
		{"csr has every name", "csr", `{sans: [cucm-pub.lab.example.com, imp-pub.lab.example.com],
			cn_in_san: true, no_wildcard: true, server_auth: true}`, ""},
		{"csr missing a node with hint", "csr",
			`{sans: [cucm-pub.lab.example.com, cucm-sub1.lab.example.com, IMP-PUB.lab.example.com],
			sans_hint: "its platform services may have been down"}`,
			"CSR is missing cucm-sub1.lab.example.com: its platform services may have been down"},
		{"csr missing a node and an ip", "csr", `{sans: [cucm-sub1.lab.example.com, 10.1.1.10]}`,
			"CSR is missing cucm-sub1.lab.example.com from its subject alternative names\n" +
				"CSR is missing 10.1.1.10 from its subject alternative names"},
		{"csr without client auth", "csr", `{client_auth: true}`,
			"CSR has no Client Authentication extended key usage (ext_key_usage: server_auth)"},
		{"csr key size", "csr", `{key_types: [RSA], min_key_size: 2048}`,
			"CSR key is EC 256, expected RSA\nCSR key is EC 256 bits, expected at least 2048"},
		{"cn not in san", "nocn", `{cn_in_san: true, cn: cucm-pub.lab.example.com}`,
			`certificate common name "cucm-pub.lab.example.com" is not also a subject alternative name`},
		{"wrong cn", "leaf", `{cn: cucm-sub1.lab.example.com}`,
			`certificate common name is "cucm-pub.lab.example.com", expected "cucm-sub1.lab.example.com"`},
		{"wildcard and sha1 and small key", "wildcard",
			`{no_wildcard: true, min_hash: SHA-256, min_key_size: 2048, self_signed: false}`,
			"certificate uses the wildcard name *.lab.example.com\n" +
				"certificate key is RSA 1024 bits, expected at least 2048\n" +
				"certificate CN=*.lab.example.com is signed with SHA-1, expected at least SHA-256\n" +
				"certificate is self-signed, expected one signed by a CA"},
		{"root first as expected", "root-first", `{order: root-first, complete: true, valid: true}`, ""},
		{"leaf first given root first wanted", "leaf-first", `{order: root-first}`,
			"chain is leaf-first, expected root-first"},
		{"unordered chain", "unordered", `{order: root-first}`,
			"chain is out of order, expected root-first: certificate 2 (CN=Lab Root CA) " +
				"is not issued by certificate 1 (CN=Lab Issuing CA)"},
		{"unordered chain leaf first", "unordered", `{order: leaf-first}`,
			"chain is out of order, expected leaf-first: certificate 2 (CN=Lab Root CA) " +
				"is not issued by certificate 3 (CN=cucm-pub.lab.example.com)"},
		{"missing root", "no root", `{complete: true, order: leaf-first}`,
			"chain does not end in a self-signed root: an intermediate or the root is missing"},
		{"chain leaf checks", "unordered", `{sans: [imp-pub.lab.example.com], server_auth: true,
			client_auth: true}`,
			"certificate has no Client Authentication extended key usage (ext_key_usage: server_auth)"},
		{"expires too soon", "leaf", `{min_valid: 87600h}`, "certificate expires on "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := decodeInput(t, "source: "+files[tc.source]+"\nexpect: "+tc.expect)
			_, err := inspect(context.Background(), &steps.Runtime{}, in)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want && !(strings.HasSuffix(tc.want, " ") && strings.HasPrefix(got, tc.want)) {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// reissueWithoutCNSAN issues a certificate whose CN is not among its SANs,
// as CUCM 10.5.2 produces (CSCus47235).
func reissueWithoutCNSAN(t *testing.T, ca *x509test.CA, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := x509test.Template("cucm-sub1.lab.example.com")
	tmpl.Subject.CommonName = "cucm-pub.lab.example.com"
	return ca.Issue(t, tmpl, key.Public())
}

func TestInspectErrors(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	os.WriteFile(key, []byte(x509test.KeyPEM(t, x509test.ECKey(t))), 0o600)
	junk := filepath.Join(dir, "junk.txt")
	os.WriteFile(junk, []byte("hello, this is not a certificate"), 0o644)
	cut := "-----BEGIN CERTIFICATE-----\nMIIB\n"
	cases := []struct{ name, source, want string }{
		{"missing file", filepath.Join(dir, "nope.pem"),
			"open " + filepath.Join(dir, "nope.pem") + ": no such file or directory"},
		{"private key", key, key + ": PEM block 1 (PRIVATE KEY): " +
			"this is a private key; give the certificate or CSR instead"},
		{"junk", junk, junk + ": neither PEM nor DER of a certificate, CSR or PKCS#7 chain"},
		{"cut short", cut, "(PEM text): no complete PEM block found (is the text cut short?)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inspect(context.Background(), &steps.Runtime{}, &Input{Source: tc.source})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestInputDecodeErrors(t *testing.T) {
	var n yaml.Node
	yaml.Unmarshal([]byte("source: a.pem\nexpect: {sams: [x], min_hash: MD5}\n"), &n)
	var errs decode.Errors
	decode.New("t.yaml", &errs).Decode(&n, new(Input))
	want := "t.yaml:2:10: expect: unknown field \"sams\" (did you mean \"sans\"?)\n" +
		"t.yaml:2:31: expect.min_hash: \"MD5\" is not one of SHA-1, SHA-256, SHA-384, SHA-512"
	if err := errs.Err(); err == nil || err.Error() != want {
		t.Errorf("decode error:\n%v\nwant:\n%s", err, want)
	}
}

func TestPKCS7RoundTrip(t *testing.T) {
	root := x509test.NewRoot(t, "R")
	sub := root.Sub(t, "I")
	der, err := MarshalPKCS7(sub.Cert, root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := ParsePKCS7(der)
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 2 || !certs[0].Equal(sub.Cert) || !certs[1].Equal(root.Cert) {
		t.Fatalf("round trip gave %d certificates", len(certs))
	}
	openssl, _ := os.ReadFile("testdata/chain.p7b")
	again, err := ParsePKCS7(openssl)
	if err != nil || len(again) != 3 {
		t.Fatalf("OpenSSL p7b: %d certificates, %v", len(again), err)
	}
}

func TestSortChain(t *testing.T) {
	root := x509test.NewRoot(t, "R")
	sub := root.Sub(t, "I")
	leaf := sub.Leaf(t, x509test.ECKey(t), nil, "a.example.com")
	other := root.Leaf(t, x509test.ECKey(t), nil, "b.example.com")
	cases := []struct {
		name  string
		in    []*x509.Certificate
		want  string
		error string
	}{
		{"shuffled", []*x509.Certificate{root.Cert, leaf, sub.Cert}, "a.example.com I R", ""},
		{"two leaves", []*x509.Certificate{leaf, other, sub.Cert, root.Cert}, "",
			"more than one end-entity certificate: CN=a.example.com and CN=b.example.com"},
		{"stranger", []*x509.Certificate{leaf, sub.Cert, x509test.NewRoot(t, "X").Cert}, "",
			"more than one end-entity certificate: CN=a.example.com and CN=X"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SortChain(tc.in)
			if tc.error != "" {
				if err == nil || err.Error() != tc.error {
					t.Fatalf("error = %v, want %s", err, tc.error)
				}
				return
			}
			var names []string
			for _, c := range got {
				names = append(names, c.Subject.CommonName)
			}
			if strings.Join(names, " ") != tc.want {
				t.Errorf("order = %v, want %s", names, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"cluster.csr", "cluster.csr.der", "leaf.der", "chain.p7b",
		"chain-adcs-armour.pem", "chain-root-first.pem"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := Inspect(b, Expect{SANs: []string{"x"}, Order: "root-first", Complete: true,
			MinHash: "SHA-256", CNInSAN: true}, time.Now()); err == nil && len(b.Certs)+len(b.CSRs) == 0 {
			t.Fatal("empty bundle inspected without error")
		}
	})
}

func FuzzParsePKCS7(f *testing.F) {
	data, err := os.ReadFile("testdata/chain.p7b")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte{0x30, 0x03, 0x06, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		certs, err := ParsePKCS7(der)
		if err == nil {
			for _, c := range certs {
				if c == nil {
					t.Fatal("nil certificate without error")
				}
			}
		}
	})
}
