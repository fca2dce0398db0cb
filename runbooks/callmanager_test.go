package runbooks_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/cli"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

const callmanager = "cucm-callmanager-multiserver-san"

// cmSiteExtra continues the site's params and overrides for the
// CallManager runbook: the lab's HTTPS is self-signed, retries are quick.
// A test may append more overrides.
const cmSiteExtra = `  api_insecure: true
overrides:
  restart-tftp: {retry: {delay: 10ms}}
  restart-callmanager: {retry: {delay: 10ms}}
  restart-ctimanager: {retry: {delay: 10ms}}
  restart-tvs: {retry: {delay: 10ms}}
  verify-served: {retry: {delay: 10ms}}
`

// cmServices are the services the runbook restarts, in its order.
var cmServices = []string{"Cisco TFTP", "Cisco CallManager", "Cisco CTIManager",
	"Cisco Trust Verification Service"}

// cmConfig is the test cluster, in mixed mode or not, with the
// CallManager TLS port served when port is set.
func cmConfig(release string, mixed, port bool) *cucmsim.Config {
	cfg := cucmsim.TestConfig(release)
	if mixed {
		cfg.SecurityMode = 1
	}
	if port {
		zero := 0
		cfg.Ports.CallManager = &zero
	}
	return cfg
}

// cmConfirmTVS plays the operator who checked a phone against TVS.
func cmConfirmTVS(l *lab) *engine.Outcome {
	l.t.Helper()
	return l.resume(engine.ResumeOptions{Confirm: "confirm-tvs",
		Inputs: map[string]string{"phone_model": "8845", "phone_mac": "SEP00AABBCCDDEE"}})
}

// cmWantWaiting checks that the run pauses at step, naming the command
// that continues it.
func cmWantWaiting(t *testing.T, out *engine.Outcome, step, inputs string) {
	t.Helper()
	wantOutcome(t, out, engine.StateWaiting)
	next := "runbook resume " + out.RunID + " --confirm " + step + inputs
	if !strings.Contains(out.Next, next) {
		t.Errorf("next: %q, want it to say %q", out.Next, next)
	}
}

const cmTVSInputs = " --input phone_mac=VALUE --input phone_model=VALUE"

// cmHandOffCSR plays the operator of the GUI hand-off: the multi-server
// CSR generated in OS Administration (the simulator's stand-in) and saved
// to a file, then confirmed.
func cmHandOffCSR(t *testing.T, l *lab, node, unit, step string) *engine.Outcome {
	t.Helper()
	csr, err := l.sim.GenerateCSR(node, cucmsim.GUICSRRequest{Unit: unit,
		Distribution: "multi-server", KeySize: 2048, Hash: "SHA256"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(l.dir, unit+".csr")
	if err := os.WriteFile(path, []byte(csr.CSR), 0o600); err != nil {
		t.Fatal(err)
	}
	return l.resume(engine.ResumeOptions{Confirm: step, Inputs: map[string]string{"csr_file": path}})
}

// cmServed returns the certificate a node serves on its CallManager TLS
// port, by a real handshake.
func cmServed(t *testing.T, l *lab, node string) *x509.Certificate {
	t.Helper()
	info, _ := l.sim.Node(node)
	return cmHandshake(t, net.JoinHostPort(info.Address, strconv.Itoa(info.CallManagerPort)), info.FQDN)
}

func cmHandshake(t *testing.T, addr, name string) *x509.Certificate {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{ServerName: name, InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS to %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0]
}

// cmMutating lists the CLI commands and API calls that change something.
func cmMutating(l *lab) []string {
	var out []string
	for _, e := range l.sim.Audit() {
		switch {
		case e.Channel == cucmsim.ChannelCLI && !cmReadOnly(e.Command),
			e.Channel == cucmsim.ChannelAPI && !strings.HasPrefix(e.Command, "GET "):
			out = append(out, e.Node+": "+e.Command)
		}
	}
	return out
}

// cmReadOnly reports whether a CLI command only reads.
func cmReadOnly(cmd string) bool {
	for _, p := range []string{"login ", "show ", "utils service list", "run sql select",
		"utils sso status", "set cli pagination off", "file list"} {
		if strings.HasPrefix(cmd, p) {
			return true
		}
	}
	return false
}

// cmIndex is the position of the first CLI command starting with prefix
// in the audit log, or -1.
func cmIndex(l *lab, prefix string) int {
	for i, e := range l.sim.Audit() {
		if e.Channel == cucmsim.ChannelCLI && strings.HasPrefix(e.Command, prefix) {
			return i
		}
	}
	return -1
}

// cmCheckRestarts checks each service was restarted once on each node of
// want[service], in that order (publisher first), and nowhere else.
func cmCheckRestarts(t *testing.T, l *lab, want map[string][]string) {
	t.Helper()
	for _, svc := range cmServices {
		var nodes []string
		for _, e := range l.sim.Audit() {
			if e.Channel == cucmsim.ChannelCLI && e.Command == "utils service restart "+svc {
				nodes = append(nodes, e.Node)
			}
		}
		if !slices.Equal(nodes, want[svc]) {
			t.Errorf("%s restarted on %q, want once on each of %q in that order", svc, nodes, want[svc])
		}
	}
	if others := l.commands("utils service restart "); len(others) != cmCount(want) {
		t.Errorf("restarts: %q", others)
	}
}

func cmCount(want map[string][]string) int {
	n := 0
	for _, nodes := range want {
		n += len(nodes)
	}
	return n
}

// cmCheckInstalled checks from outside that every CUCM node holds (and,
// after its CallManager restart, serves) one new CA-signed CallManager
// certificate naming the CUCM nodes only.
func cmCheckInstalled(t *testing.T, l *lab, served bool) {
	t.Helper()
	var first *x509.Certificate
	for _, n := range l.sim.Nodes() {
		if n.Product != "callmanager" {
			continue
		}
		cert := l.sim.ActiveCertificate(n.Name, "CallManager")
		if served {
			cert = cmServed(t, l, n.Name)
		}
		if cert.Issuer.CommonName != "Runbook Lab Issuing CA" {
			t.Errorf("%s: CallManager certificate issued by %q", n.Name, cert.Issuer.CommonName)
		}
		if first == nil {
			first = cert
		} else if !cert.Equal(first) {
			t.Errorf("%s has another CallManager certificate than the publisher", n.Name)
		}
		if !slices.Contains(cert.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
			t.Errorf("%s: the CallManager certificate lacks Client Authentication", n.Name)
		}
	}
	for _, n := range l.sim.Nodes() {
		if in := slices.Contains(first.DNSNames, n.FQDN); in != (n.Product == "callmanager") {
			t.Errorf("SANs %q: %s in it is %v", first.DNSNames, n.FQDN, in)
		}
	}
}

// TestCallManagerReleases runs the CallManager procedure on 14 (REST API)
// and on 12.5 and 10.5 (the operator generates the CSR in the GUI), in
// non-secure and mixed mode: it waits for the TVS confirmation before
// changing anything, then every CUCM node holds and serves the new
// certificate, each service restarted once per node, publisher first, the
// CTL file updated between the upload and the first restart in mixed mode
// only, and the phones accept their new configuration.
func TestCallManagerReleases(t *testing.T) {
	tests := []struct {
		name, release string
		mixed, port   bool
		handoff       bool
	}{
		{"14 non-secure", "14.0.1.12900-161", false, true, false},
		{"14 mixed", "14.0.1.12900-161", true, true, false},
		{"12.5 non-secure, no TLS port", "12.5.1.14900-63", false, false, true},
		{"12.5 mixed", "12.5.1.14900-63", true, true, true},
		{"10.5 mixed, no TLS port", "10.5.1.10000-7", true, false, true},
		{"10.5 non-secure", "10.5.1.10000-7", false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := startLab(t, cmConfig(tt.release, tt.mixed, tt.port), cmSiteExtra)
			out := l.run(callmanager)
			cmWantWaiting(t, out, "confirm-tvs", cmTVSInputs)
			if m := cmMutating(l); len(m) > 0 {
				t.Fatalf("changes before the TVS confirmation: %q", m)
			}
			out = cmConfirmTVS(l)
			if tt.handoff {
				cmWantWaiting(t, out, "handoff-csr", " --input csr_file=VALUE")
				out = cmHandOffCSR(t, l, "cucm-pub", "CallManager", "handoff-csr")
			}
			wantOutcome(t, out, engine.StateSucceeded)

			cmCheckInstalled(t, l, tt.port)
			both := []string{"cucm-pub", "cucm-sub1"}
			cmCheckRestarts(t, l, map[string][]string{"Cisco TFTP": both,
				"Cisco CallManager": both, "Cisco CTIManager": both,
				"Cisco Trust Verification Service": both})
			ctl := l.commands("utils ctl update CTLFile")
			if tt.mixed {
				upload, update := cmIndex(l, "set cert import own CallManager"), cmIndex(l, "utils ctl")
				restart := cmIndex(l, "utils service restart")
				if !slices.Equal(ctl, []string{"cucm-pub: utils ctl update CTLFile"}) ||
					upload < 0 || update < upload || restart < update {
					t.Errorf("CTL updates %q at %d, upload at %d, first restart at %d: want one "+
						"on the publisher between the upload and the restarts", ctl, update, upload, restart)
				}
			} else if len(ctl) > 0 {
				t.Errorf("non-secure mode: %q", ctl)
			}
			if p := l.sim.Phones(); p.RejectedConfig {
				t.Errorf("the phones rejected their configuration: %s", p.Reason)
			}
			verify := "verify-installed"
			if tt.port {
				verify = "verify-served"
			}
			if st := stepState(l.status(), verify); st.State != engine.StateSucceeded {
				t.Errorf("%s: %s", verify, st.State)
			}
		})
	}
}

// TestCallManagerRestartsOnlyWhereActivated gives a dedicated TFTP server
// (cucm-sub2: no CallManager, no CTIManager) and a call-processing
// subscriber without TFTP: each service restarts only where it is
// activated, publisher first, and the TLS check skips the node that runs
// no CallManager (it serves nothing) but finds the certificate on it.
func TestCallManagerRestartsOnlyWhereActivated(t *testing.T) {
	cfg := cmConfig("", false, true)
	cfg.Nodes[1].Services = map[string]string{"Cisco TFTP": "not_activated"}
	cfg.Nodes = append(cfg.Nodes, cucmsim.NodeConfig{Name: "cucm-sub2", Role: "subscriber",
		Product: "callmanager", Address: "127.0.0.24", Services: map[string]string{
			"Cisco CallManager": "not_activated", "Cisco CTIManager": "not_activated"}})
	l := startLab(t, cfg, cmSiteExtra)
	cmWantWaiting(t, l.run(callmanager), "confirm-tvs", cmTVSInputs)
	wantOutcome(t, cmConfirmTVS(l), engine.StateSucceeded)

	cmCheckRestarts(t, l, map[string][]string{
		"Cisco TFTP":                       {"cucm-pub", "cucm-sub2"},
		"Cisco CallManager":                {"cucm-pub", "cucm-sub1"},
		"Cisco CTIManager":                 {"cucm-pub", "cucm-sub1"},
		"Cisco Trust Verification Service": {"cucm-pub", "cucm-sub1", "cucm-sub2"},
	})
	st := l.status()
	for step, want := range map[string][]string{"verify-served": {"cucm-pub", "cucm-sub1"},
		"verify-installed": {"cucm-sub2"}} {
		var got []string
		for _, tg := range stepState(st, step).Targets {
			if tg.State == engine.StateSucceeded {
				got = append(got, tg.Node)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s succeeded on %q, want %q", step, got, want)
		}
	}
	want := l.sim.ActiveCertificate("cucm-pub", "CallManager")
	if !l.sim.InstalledCertificate("cucm-sub2", "CallManager").Equal(want) {
		t.Error("cucm-sub2 does not hold the new CallManager certificate")
	}
}

// TestCallManagerMixedModeNeedsCTLUpdate is the control of the CTL
// ordering. A site cannot skip update-ctl: the runbook marks it critical.
// When the CTL update fails on the node, the run stops there, before any
// restart, and the phones are fine; a CallManager restart made anyway,
// straight on the simulator's CLI, makes the phones reject their
// configuration - what the runbook prevented.
func TestCallManagerMixedModeNeedsCTLUpdate(t *testing.T) {
	skip := startLab(t, cmConfig("", true, true), cmSiteExtra+
		"  update-ctl: {skip: true, reason: control test}\n")
	_, err := engine.Run(context.Background(), skip.opts(), engine.LoadOptions{Runbook: callmanager, Site: skip.site})
	if err == nil || !strings.Contains(err.Error(), `step "update-ctl": the runbook marks this step critical to its safety: it cannot be skipped`) {
		t.Fatalf("a site skipping update-ctl: %v", err)
	}

	cfg := cmConfig("", true, true)
	cfg.Faults = append(cfg.Faults, cucmsim.Fault{Node: "cucm-pub", On: "utils ctl update CTLFile",
		Action: cucmsim.FaultFail, Times: 1})
	l := startLab(t, cfg, cmSiteExtra)
	cmWantWaiting(t, l.run(callmanager), "confirm-tvs", cmTVSInputs)
	out := cmConfirmTVS(l)
	wantOutcome(t, out, engine.StateFailed)
	if !strings.HasPrefix(out.Message, "step update-ctl failed: ") {
		t.Errorf("message: %s", out.Message)
	}
	if r := l.commands("utils service restart"); len(r) > 0 {
		t.Errorf("restarts after a failed CTL update: %q", r)
	}
	if l.sim.Phones().RejectedConfig {
		t.Fatalf("the phones rejected their configuration: %s", l.sim.Phones().Reason)
	}

	cmCLI(t, l, "cucm-pub", "utils service restart Cisco CallManager")
	p := l.sim.Phones()
	want := "mixed mode: the CTL file was not updated with the new CallManager certificate " +
		"of cucm-pub before the restart"
	if !p.RejectedConfig || p.Reason != want {
		t.Errorf("phones after a restart without CTL update: %+v, want rejected: %s", p, want)
	}
}

// TestCallManagerCTLUpdatedByHand: the CTL update fails on the node; the
// operator updates the CTL file by hand and marks the step done; the run
// then restarts the services and the phones accept the new certificate.
func TestCallManagerCTLUpdatedByHand(t *testing.T) {
	cfg := cmConfig("", true, true)
	cfg.Faults = append(cfg.Faults, cucmsim.Fault{Node: "cucm-pub", On: "utils ctl update CTLFile",
		Action: cucmsim.FaultFail, Times: 1})
	l := startLab(t, cfg, cmSiteExtra)
	cmWantWaiting(t, l.run(callmanager), "confirm-tvs", cmTVSInputs)
	wantOutcome(t, cmConfirmTVS(l), engine.StateFailed)

	cmCLI(t, l, "cucm-pub", "utils ctl update CTLFile",
		cli.Answer{Question: "Do you want to continue", Reply: "y"})
	out := l.resume(engine.ResumeOptions{MarkDone: "update-ctl", Reason: "CTL file updated by hand"})
	wantOutcome(t, out, engine.StateSucceeded)
	up := -1
	for i, e := range l.sim.Audit() {
		if e.Command == "utils ctl update CTLFile" && e.Result == cucmsim.ResultOK {
			up = i
		}
	}
	if r := cmIndex(l, "utils service restart"); up < 0 || r < up {
		t.Errorf("CTL update at %d, first restart at %d", up, r)
	}
	if p := l.sim.Phones(); p.RejectedConfig {
		t.Errorf("the phones rejected their configuration: %s", p.Reason)
	}
	cmCheckInstalled(t, l, true)
}

// cmCLI runs one command on a node's CLI, as an operator would, outside
// the engine.
func cmCLI(t *testing.T, l *lab, node, cmd string, answers ...cli.Answer) string {
	t.Helper()
	info, _ := l.sim.Node(node)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := cli.Dial(ctx, cli.Config{Node: node, Addr: info.SSHAddr(), User: l.sim.Username(),
		Password: l.sim.Password(),
		SSH:      steps.SSHSettings{KnownHosts: filepath.Join(l.dir, "known_hosts")}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.Run(ctx, cmd, answers...)
	if err != nil {
		t.Fatalf("%s on %s: %v", cmd, node, err)
	}
	return out
}

// TestCallManagerPhonesDoNotTrustTVS: the phones cannot open HTTPS
// services, so the operator cannot confirm the TVS check and the run stays
// waiting, with nothing changed, however often it is resumed. The control:
// an operator who confirms anyway gets phones that reject their
// configuration after the restarts.
func TestCallManagerPhonesDoNotTrustTVS(t *testing.T) {
	cfg := cmConfig("", false, true)
	cfg.PhonesTrustTVS = false
	l := startLab(t, cfg, cmSiteExtra)
	cmWantWaiting(t, l.run(callmanager), "confirm-tvs", cmTVSInputs)
	cmWantWaiting(t, l.resume(engine.ResumeOptions{}), "confirm-tvs", cmTVSInputs)
	if m := cmMutating(l); len(m) > 0 {
		t.Fatalf("changes while waiting for the TVS confirmation: %q", m)
	}
	if st := stepState(l.status(), "confirm-tvs"); st.State != engine.StateWaiting {
		t.Fatalf("confirm-tvs: %s", st.State)
	}
	_, err := engine.Resume(context.Background(), l.opts(), engine.ResumeOptions{Confirm: "confirm-tvs",
		Inputs: map[string]string{"phone_model": "8845", "phone_mac": "none"}})
	wantErr := `--confirm confirm-tvs: input phone_mac: "none" does not match (?i)(SEP)?[0-9a-f]{12}`
	if err == nil || err.Error() != wantErr {
		t.Errorf("confirmation without a MAC: %v, want %s", err, wantErr)
	}

	wantOutcome(t, cmConfirmTVS(l), engine.StateSucceeded)
	p := l.sim.Phones()
	want := "the phones do not trust TVS and cannot verify the new CallManager certificate of cucm-sub1"
	if !p.RejectedConfig || p.Reason != want {
		t.Errorf("phones after a wrong confirmation: %+v, want rejected: %s", p, want)
	}
}

// cmKeyCaveat is the warning for CallManager keys above 2048 bits.
const cmKeyCaveat = "CallManager keys above 2048 bits: some phone models fail to register with " +
	"them; check that every phone model in use supports the key size before the restarts"

// TestCallManagerLargeKeyWarns: a 4096-bit key is warned about when the
// run starts and in the plan; a 2048-bit key is not.
func TestCallManagerLargeKeyWarns(t *testing.T) {
	for _, size := range []string{"2048", "4096"} {
		t.Run(size, func(t *testing.T) {
			l := startLab(t, cmConfig("", false, false), cmSiteExtra)
			cmWantWaiting(t, l.run(callmanager, "key_size="+size), "confirm-tvs", cmTVSInputs)
			var warned []string
			l.mu.Lock()
			for _, e := range l.events {
				if e.Kind == engine.EventCaveat && e.Step == "key-size" {
					warned = append(warned, e.Message)
				}
			}
			l.mu.Unlock()
			planned := slices.Contains(l.plan(callmanager, "key_size="+size).Caveats,
				"key-size: "+cmKeyCaveat)
			want := size == "4096"
			if (len(warned) == 1 && warned[0] == cmKeyCaveat) != want || planned != want {
				t.Errorf("key %s: run warned %q, plan warned %v; want the warning: %v",
					size, warned, planned, want)
			}
		})
	}
}

// TestCallManagerPlanIsReadOnly plans the procedure on a mixed-mode
// cluster: the plan reads every fact, would update the CTL file and
// restart the four services, and the simulator saw nothing but reads.
func TestCallManagerPlanIsReadOnly(t *testing.T) {
	l := startLab(t, cmConfig("", true, true), cmSiteExtra)
	p := l.plan(callmanager)
	if p.Blocked {
		t.Fatalf("plan blocked: %+v", p.Steps)
	}
	for _, f := range p.Facts {
		if f.Error != "" {
			t.Errorf("fact %s: %s", f.ID, f.Error)
		}
	}
	for _, s := range p.Steps {
		if strings.HasPrefix(s.ID, "restart-") || s.ID == "update-ctl" {
			if s.Decision != engine.PlanRun {
				t.Errorf("%s: %s (%s)", s.ID, s.Decision, s.Reason)
			}
		}
	}
	if m := cmMutating(l); len(m) > 0 {
		t.Errorf("the plan changed the cluster: %q", m)
	}
}

// TestCallManagerGuardsBlock reproduces the states the guards catch: a
// node whose web services are down (the multi-server CSR would leave it
// out) and an activated call-control service that is stopped (a restart
// would start it). The run is blocked with the guard's message and
// nothing changes.
func TestCallManagerGuardsBlock(t *testing.T) {
	tests := []struct {
		name     string
		services map[string]string
		want     string
	}{
		{"web service down", map[string]string{"Cisco Tomcat": "stopped"},
			"guard web_services_running: Cisco Tomcat (STOPPED) is not running on cucm-sub1; " +
				"the multi-server CSR would leave those nodes out"},
		{"CTIManager stopped", map[string]string{"Cisco CTIManager": "stopped"},
			"guard activated_services_running: activated services are not running: " +
				"cucm-sub1: Cisco CTIManager STOPPED; a restart would start them"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := cmConfig("", false, false)
			cfg.Nodes[1].Services = tt.services
			l := startLab(t, cfg, cmSiteExtra)
			out := l.run(callmanager)
			wantOutcome(t, out, engine.StateBlocked)
			if !strings.Contains(out.Message, tt.want) {
				t.Errorf("message: %s\nwant it to hold: %s", out.Message, tt.want)
			}
			if m := cmMutating(l); len(m) > 0 {
				t.Errorf("a blocked run changed the cluster: %q", m)
			}
		})
	}
}

// TestCallManagerCNOn1052: on 10.5.2 the GUI leaves the CN out of the
// multi-server CSR's SANs (CSCus47235). The caveat and the hand-off's
// instructions say to add the CN under Other Domains; a CSR made without
// it is refused by check-csr, naming the cause; the operator generates it
// again with the CN under Other Domains, resumes from generate-csr, and
// the run finishes.
func TestCallManagerCNOn1052(t *testing.T) {
	l := startLab(t, cmConfig("10.5.2", false, false), cmSiteExtra)
	wantOutcome(t, l.run(callmanager), engine.StateWaiting)
	caveat := "CSCus47235: on 10.5.2 the CN is not copied into the SAN list of a multi-server " +
		"CSR; check-csr fails if it is missing (when generating the CSR add the CN (by default " +
		"the publisher's FQDN) under Other Domains; or, when the CN is not a node's name and " +
		"nothing needs it as a SAN, set require_cn_in_san false)"
	if w := l.status().Warnings; !slices.Contains(w, caveat) {
		t.Errorf("caveats shown:\n%q\nwant:\n%q", w, caveat)
	}
	out := cmConfirmTVS(l)
	cmWantWaiting(t, out, "handoff-csr", " --input csr_file=VALUE")
	want := "step handoff-csr waiting: waiting for an operator: In Cisco Unified OS Administration " +
		"on the publisher, open Security > Certificate Management > Generate CSR. Choose " +
		"Certificate Purpose CallManager, Distribution Multi-server(SAN), key length 2048 and " +
		"hash SHA256. Check that every CUCM node is listed in the SAN: cucm-pub.lab.example.com, " +
		"cucm-sub1.lab.example.com. On 10.5.2 the CN is not copied into the SAN list " +
		"(CSCus47235): add the CN under Other Domains - by default the publisher's FQDN, " +
		"cucm-pub.lab.example.com. Generate, then Download CSR and save the file where this " +
		"tool can read it."
	if out.Message != want {
		t.Errorf("pause message:\n%s\nwant:\n%s", out.Message, want)
	}

	out = cmHandOffCSR(t, l, "cucm-pub", "CallManager", "handoff-csr")
	wantOutcome(t, out, engine.StateFailed)
	want = "step check-csr failed: CSR is missing cucm-pub.lab.example.com: on 10.5.2 the CN is " +
		"left out of the SANs (CSCus47235): if this is the CN, add it under Other Domains when " +
		"generating the CSR; else its Cisco Tomcat or Platform Administrative Web Service may " +
		"have been down when the CSR was generated\nCSR common name \"cucm-pub.lab.example.com\" " +
		"is not also a subject alternative name"
	if out.Message != want {
		t.Errorf("message:\n%s\nwant:\n%s", out.Message, want)
	}

	csr, err := l.sim.GenerateCSR("cucm-pub", cucmsim.GUICSRRequest{Unit: "CallManager",
		Distribution: "multi-server", KeySize: 2048, Hash: "SHA256",
		OtherDomains: []string{"cucm-pub.lab.example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(l.dir, "CallManager.csr"), []byte(csr.CSR), 0o600); err != nil {
		t.Fatal(err)
	}
	out = l.resume(engine.ResumeOptions{From: "generate-csr", Reason: "CN added under Other Domains"})
	wantOutcome(t, out, engine.StateSucceeded)
	for _, n := range []string{"cucm-pub", "cucm-sub1"} {
		if c := l.sim.InstalledCertificate(n, "CallManager"); !slices.Contains(c.DNSNames, "cucm-pub.lab.example.com") {
			t.Errorf("%s holds a CallManager certificate without the CN as a SAN: %q", n, c.DNSNames)
		}
	}
}
