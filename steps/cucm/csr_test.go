package cucm

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

var allNodes = []string{"cucm-pub.lab.example.com", "cucm-sub1.lab.example.com", "imp-pub.lab.example.com"}

func TestCSRByAPI(t *testing.T) {
	e := startEnv(t, nil)
	with := "{unit: tomcat, distribution: multi-server, api_ca: " + e.trustActive() + "}"
	out := e.must("cucm.csr.generate", "cucm-pub", with).(*CSRResult)
	wantSANs := append(append([]string{}, allNodes...), "lab.example.com")
	if out.Method != "api" || !reflect.DeepEqual(out.Nodes, allNodes) || len(out.Missing) != 0 ||
		!reflect.DeepEqual(out.SANs, wantSANs) || out.KeyType != "RSA" || out.KeySize != 2048 ||
		out.Hash != "SHA256" || !out.CNInSAN || !out.ClientAuth {
		t.Errorf("result = %+v", out)
	}
	stored, err := os.ReadFile(out.Path)
	if err != nil || string(stored) != out.PEM {
		t.Errorf("artifact %s: %v", out.Path, err)
	}
	pending := e.cl.PendingCSR("cucm-pub", "tomcat")
	if got := parseCSRPEM(t, out.PEM); pending == nil || !reflect.DeepEqual(got.Raw, pending.Raw) {
		t.Error("the CSR is not the node's pending one")
	}
	c, err := e.check("cucm.csr.generate", "cucm-pub", with)
	if err != nil || c.State != steps.Done || c.Result.(*CSRResult).PEM != out.PEM {
		t.Errorf("check = %+v, %v", c, err)
	}
	// A newer CSR replaces the stored one.
	if _, err := e.cl.GenerateCSR("cucm-pub", cucmsim.GUICSRRequest{Unit: "tomcat"}); err != nil {
		t.Fatal(err)
	}
	c, err = e.check("cucm.csr.generate", "cucm-pub", with)
	if err != nil || c.State != steps.NotDone || c.Detail != "cucm-pub no longer holds the stored CSR for tomcat" {
		t.Errorf("check after a newer CSR = %+v, %v", c, err)
	}
}

func TestCSRByAPIErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*cucmsim.Config)
		with    func(e *env) string
		wantErr func(e *env) string
	}{
		{name: "untrusted HTTPS certificate",
			with: func(*env) string { return "{unit: tomcat, distribution: multi-server}" },
			wantErr: func(e *env) string {
				n, _ := e.cl.Node("cucm-pub")
				return `REST API of cucm-pub: POST csr: Post "https://` + n.APIAddr() +
					`/platformcom/api/v1/certmgr/config/csr": tls: failed to verify certificate: ` +
					`x509: certificate signed by unknown authority; its HTTPS certificate is not ` +
					`trusted: set api_ca to a PEM file holding it or its CA (api_insecure skips ` +
					`the check in a lab)`
			}},
		{name: "a node's Tomcat is down",
			edit: func(cfg *cucmsim.Config) {
				cfg.Nodes[2].Services = map[string]string{"Cisco Tomcat": "stopped"}
			},
			with: func(*env) string { return "{unit: tomcat, distribution: multi-server, api_insecure: true}" },
			wantErr: func(*env) string {
				return "the multi-server CSR for tomcat from cucm-pub is not fit to sign: it does not " +
					"name imp-pub.lab.example.com: a node drops out of a multi-server CSR when its " +
					"Cisco Tomcat or Platform Administrative Web Service is down; start them there " +
					"(cucm.service.status shows them) and generate the CSR again"
			}},
		{name: "refused by the node",
			with: func(*env) string { return "{unit: tomcat, key_size: 512, api_insecure: true}" },
			wantErr: func(*env) string {
				return `REST API of cucm-pub: POST csr: 400 RSA key length 512: want 1024, 2048, 3072 or 4096`
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig("")
			if tt.edit != nil {
				tt.edit(cfg)
			}
			e := startEnv(t, cfg)
			_, err := e.run("cucm.csr.generate", "cucm-pub", tt.with(e))
			if want := tt.wantErr(e); errText(err) != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
		})
	}
}

func TestCSRByCLI(t *testing.T) {
	tests := []struct {
		release string
		with    string
	}{
		{"12.5.1.10000-1", "unit: tomcat"},
		{"14.0.1.12900-161", "{unit: tomcat, method: cli}"},
	}
	for _, tt := range tests {
		t.Run(tt.release, func(t *testing.T) {
			e := startEnv(t, cucmsim.TestConfig(tt.release))
			for range 2 { // the second time answers the regeneration question
				out := e.must("cucm.csr.generate", "cucm-sub1", tt.with).(*CSRResult)
				if out.Method != "cli" || !reflect.DeepEqual(out.Nodes, allNodes[1:2]) ||
					out.CommonName != "cucm-sub1.lab.example.com" {
					t.Errorf("result = %+v", out)
				}
				got := parseCSRPEM(t, out.PEM)
				if p := e.cl.PendingCSR("cucm-sub1", "tomcat"); p == nil || !reflect.DeepEqual(got.Raw, p.Raw) {
					t.Error("the CSR is not the node's pending one")
				}
			}
			for _, cmd := range e.cliCommands("cucm-sub1") {
				if strings.HasPrefix(cmd, "set csr") && cmd != "set csr gen tomcat" {
					t.Errorf("sent %q", cmd)
				}
			}
		})
	}
}

func TestCSRMethodErrors(t *testing.T) {
	tests := []struct {
		name, release, with, wantErr string
	}{
		{name: "multi-server on 12.5 needs the GUI", release: "12.5.1.10000-1",
			with: "{unit: tomcat, distribution: multi-server}",
			wantErr: "on release 12.5.1.10000-1 this CSR is made in Cisco Unified OS Administration " +
				"of cucm-pub: Security > Certificate Management > Generate CSR, Certificate Purpose " +
				"tomcat, Distribution Multi-server (SAN), Key Type RSA, Key Length 2048, Hash " +
				"Algorithm SHA256; download it and give its path as csr_file (a manual step before " +
				"this one can ask the operator for it)"},
		{name: "no REST API on 12.5", release: "12.5.1.10000-1", with: "{unit: tomcat, method: api}",
			wantErr: "release 12.5.1.10000-1 of cucm-pub has no certificate REST API (14 and later); " +
				"use method cli (this-server) or gui"},
		{name: "no multi-server on the CLI", release: "14.0.1.12900-161",
			with:    "{unit: tomcat, method: cli, distribution: multi-server}",
			wantErr: "the CLI has no multi-server distribution; use method api (release 14 and later) or gui"},
		{name: "CLI keys", release: "12.5.1.10000-1", with: "{unit: tomcat, key_size: 4096}",
			wantErr: "the CLI makes RSA 2048 SHA256 CSRs for the node's own name only; use method " +
				"api (release 14 and later) or gui for other keys, hashes or names"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := startEnv(t, cucmsim.TestConfig(tt.release))
			_, err := e.run("cucm.csr.generate", "cucm-pub", tt.with)
			if errText(err) != tt.wantErr {
				t.Errorf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
			for _, cmd := range e.cliCommands("cucm-pub") {
				if !readOnly(cmd) {
					t.Errorf("sent %q", cmd)
				}
			}
		})
	}
}
