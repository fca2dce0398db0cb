package cucm

import (
	"reflect"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

const release125 = "12.5.1.10000-1"

// operatorCSR plays the operator: generate a CSR in the GUI stand-in and
// save it in the site directory.
func (e *env) operatorCSR(req cucmsim.GUICSRRequest, file string) cucmsim.GUICSRResponse {
	e.t.Helper()
	if req.Unit == "" {
		req.Unit, req.Distribution = "tomcat", "multi-server"
	}
	res, err := e.cl.GenerateCSR("cucm-pub", req)
	if err != nil {
		e.t.Fatal(err)
	}
	e.writeFile(file, res.CSR)
	return res
}

func TestCSRFromGUI(t *testing.T) {
	e := startEnv(t, cucmsim.TestConfig(release125))
	gui := e.operatorCSR(cucmsim.GUICSRRequest{}, "tomcat.csr")
	with := "{unit: tomcat, distribution: multi-server, csr_file: tomcat.csr}"
	out := e.must("cucm.csr.generate", "cucm-pub", with).(*CSRResult)
	if out.Method != "gui" || !reflect.DeepEqual(out.Nodes, allNodes) || len(out.Missing) != 0 ||
		!reflect.DeepEqual(gui.Nodes, allNodes) {
		t.Errorf("result = %+v (the GUI listed %q)", out, gui.Nodes)
	}
	if got := parseCSRPEM(t, out.PEM); !reflect.DeepEqual(got.Raw, parseCSRPEM(t, gui.CSR).Raw) {
		t.Error("the stored CSR is not the operator's")
	}
	for _, cmd := range e.cliCommands("cucm-pub") {
		if !readOnly(cmd) {
			t.Errorf("the hand-off sent %q", cmd)
		}
	}
	c, err := e.check("cucm.csr.generate", "cucm-pub", with)
	if err != nil || c.State != steps.Done {
		t.Errorf("check = %+v, %v", c, err)
	}
}

func TestCSRFromGUIRefused(t *testing.T) {
	tests := []struct {
		name    string
		release string
		edit    func(cfg *cucmsim.Config)
		play    func(e *env)
		with    string
		wantErr string
	}{
		{name: "a node is missing",
			edit: func(cfg *cucmsim.Config) {
				cfg.Nodes[1].Services = map[string]string{"Platform Administrative Web Service": "stopped"}
			},
			play: func(e *env) { e.operatorCSR(cucmsim.GUICSRRequest{}, "tomcat.csr") },
			wantErr: "the multi-server CSR for tomcat from tomcat.csr is not fit to sign: it does not " +
				"name cucm-sub1.lab.example.com: a node drops out of a multi-server CSR when its " +
				"Cisco Tomcat or Platform Administrative Web Service is down; start them there " +
				"(cucm.service.status shows them) and generate the CSR again"},
		{name: "stale",
			play: func(e *env) {
				e.operatorCSR(cucmsim.GUICSRRequest{}, "tomcat.csr")
				e.operatorCSR(cucmsim.GUICSRRequest{}, "newer.csr")
			},
			wantErr: "the CSR in tomcat.csr is not the one cucm-pub holds for tomcat (its key " +
				"differs): a CSR was generated after it, and a certificate signed from it would be " +
				"refused; download the current CSR"},
		{name: "no pending CSR",
			play: func(e *env) {
				other := startEnv(e.t, cucmsim.TestConfig(release125))
				other.operatorCSR(cucmsim.GUICSRRequest{}, "x.csr")
				csr, _ := other.cl.GenerateCSR("cucm-pub", cucmsim.GUICSRRequest{Unit: "tomcat",
					Distribution: "multi-server"})
				e.writeFile("tomcat.csr", csr.CSR)
			},
			wantErr: `cucm-pub holds no pending CSR for tomcat: the CLI said "No CSR ` +
				`exists for tomcat"; the CSR in tomcat.csr cannot be the current one: generate it ` +
				`again in OS Administration and download it`},
		{name: "other key than asked",
			play: func(e *env) {
				e.operatorCSR(cucmsim.GUICSRRequest{Unit: "tomcat", Distribution: "multi-server",
					KeySize: 4096, Hash: "SHA384"}, "tomcat.csr")
			},
			wantErr: "the multi-server CSR for tomcat from tomcat.csr is not fit to sign: it has an " +
				"RSA 4096 key, the step asks for RSA 2048; it is signed with SHA384, the step asks for SHA256"},
		{name: "no file",
			play:    func(e *env) {},
			wantErr: "csr_file: open FILE: no such file or directory"},
		{name: "not a CSR",
			play:    func(e *env) { e.writeFile("tomcat.csr", "hello") },
			wantErr: "csr_file tomcat.csr: neither PEM nor DER of a certificate, CSR or PKCS#7 chain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cucmsim.TestConfig(release125)
			if tt.edit != nil {
				tt.edit(cfg)
			}
			e := startEnv(t, cfg)
			tt.play(e)
			with := "{unit: tomcat, distribution: multi-server, csr_file: tomcat.csr}"
			_, err := e.run("cucm.csr.generate", "cucm-pub", with)
			want := replaceFile(tt.wantErr, e.site.Dir+"/tomcat.csr")
			if errText(err) != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
		})
	}
}

func replaceFile(s, file string) string {
	if s == "csr_file: open FILE: no such file or directory" {
		return "csr_file: open " + file + ": no such file or directory"
	}
	return s
}

func TestCSRDownload(t *testing.T) {
	e := startEnv(t, cucmsim.TestConfig(release125))
	_, err := e.run("cucm.csr.download", "cucm-pub", "unit: tomcat")
	want := `cucm-pub holds no pending CSR for tomcat: the CLI said "No CSR exists for tomcat"`
	if errText(err) != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	gui := e.operatorCSR(cucmsim.GUICSRRequest{}, "tomcat.csr")

	rt := e.runtime("cucm-pub")
	rt.Planning = true
	a := lookup(t, "cucm.csr.download")
	got, err := a.Run(t.Context(), rt, input(t, a, "{unit: tomcat, distribution: multi-server}"))
	if err != nil || got.(*CSRResult).Path != "" || got.(*CSRResult).PEM == "" {
		t.Errorf("while planning: %+v, %v", got, err)
	}
	out := e.must("cucm.csr.download", "cucm-pub", "{unit: tomcat, distribution: multi-server}").(*CSRResult)
	if out.Path == "" || !reflect.DeepEqual(out.Nodes, allNodes) || len(out.Missing) != 0 ||
		!reflect.DeepEqual(parseCSRPEM(t, out.PEM).Raw, parseCSRPEM(t, gui.CSR).Raw) {
		t.Errorf("result = %+v", out)
	}
	if lookup(t, "cucm.csr.download").Mutates() {
		t.Error("cucm.csr.download mutates")
	}
}
