package runbooks_test

import (
	"context"
	"crypto/x509"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/engine"
	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// TestTomcatTrustResumeSameNameCA: the procedure ran once with a lab CA;
// a second run makes a new lab CA of the same names ("Runbook Lab Root
// CA", "Runbook Lab Issuing CA": new keys) and is interrupted (Ctrl-C)
// between the import of its root and of its issuing CA. tomcat-trust then
// holds the new root beside the old issuing CA, in a file of the name the
// new one takes. Resume must not take the name for the certificate: the
// check of upload-trust says not done, the new issuing CA is imported (and
// the root not again), and the new certificate uploads and is served.
func TestTomcatTrustResumeSameNameCA(t *testing.T) {
	l := startLab(t, cucmsim.TestConfig(""), labSiteExtra)
	wantOutcome(t, l.run(tomcat), engine.StateSucceeded)
	oldIssuing := tomcatTrusted(t, l, "Runbook Lab Issuing CA")
	mark := len(l.commands("set cert import trust"))

	out := tomcatRunInterruptedAt(t, l, "Runbook Lab Root CA imported into tomcat-trust")
	wantOutcome(t, out, engine.StateInterrupted)
	if got := l.commands("set cert import trust")[mark:]; len(got) != 1 {
		t.Fatalf("trust imports of the interrupted run: %q, want the root only", got)
	}
	if !tomcatTrusted(t, l, "Runbook Lab Issuing CA").Equal(oldIssuing) {
		t.Fatal("the interrupted run replaced the issuing CA")
	}

	wantOutcome(t, l.resume(engine.ResumeOptions{}), engine.StateSucceeded)
	newIssuing := tomcatTrusted(t, l, "Runbook Lab Issuing CA")
	if newIssuing.Equal(oldIssuing) {
		t.Fatal("tomcat-trust still holds the old issuing CA")
	}
	want := "cucm.cert.upload_trust was in flight when the engine stopped; its check says not " +
		"done: tomcat-trust lacks CN=Runbook Lab Issuing CA (serial " + tomcatSerial(newIssuing) +
		"): tomcat-trust/Runbook_Lab_Issuing_CA.pem holds another certificate (serial " +
		tomcatSerial(oldIssuing) + ", issued by " + oldIssuing.Issuer.String() + ")"
	if e := tomcatReconciledStep(l, "upload-trust"); e.State != engine.StatePending || e.Message != want {
		t.Errorf("reconciled %s: %s\nwant: %s", e.State, e.Message, want)
	}
	wantImports := []string{"cucm-pub: set cert import trust tomcat", "cucm-pub: set cert import trust tomcat"}
	if got := l.commands("set cert import trust")[mark:]; !slices.Equal(got, wantImports) {
		t.Errorf("trust imports since the first run: %q, want the root, then the issuing CA", got)
	}
	served := tomcatServesNew(t, l, "Runbook Lab Issuing CA")
	if err := served.CheckSignatureFrom(newIssuing); err != nil {
		t.Errorf("the served certificate is not signed by the new issuing CA: %v", err)
	}
	for _, cmd := range l.commands("show cert trust") {
		if !strings.HasPrefix(cmd, "cucm-pub: show cert trust tomcat-trust/Runbook_Lab_") {
			t.Errorf("unexpected %q", cmd)
		}
	}
}

// tomcatRunInterruptedAt runs the procedure and cancels it, as Ctrl-C
// does, as soon as an action reports a progress line containing at.
func tomcatRunInterruptedAt(t *testing.T, l *lab, at string) *engine.Outcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	o := l.opts()
	sink := o.Sink
	o.Sink = func(e engine.Event) {
		sink(e)
		if e.Kind == engine.EventProgress && strings.Contains(e.Message, at) {
			cancel()
		}
	}
	out, err := engine.Run(ctx, o, engine.LoadOptions{Runbook: tomcat, Site: l.site})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return out
}

// tomcatTrusted returns the certificate of tomcat-trust whose CN is cn.
func tomcatTrusted(t *testing.T, l *lab, cn string) *x509.Certificate {
	t.Helper()
	for _, c := range l.sim.TrustCertificates("tomcat-trust") {
		if c.Subject.CommonName == cn {
			return c
		}
	}
	t.Fatalf("tomcat-trust holds no %s", cn)
	return nil
}

func tomcatSerial(c *x509.Certificate) string {
	return strings.ToUpper(c.SerialNumber.Text(16))
}

// tomcatReconciledStep is what the last resume said of step's target in
// flight.
func tomcatReconciledStep(l *lab, step string) engine.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var last engine.Event
	for _, e := range l.events {
		if e.Kind == engine.EventReconciled && e.Step == step {
			last = e
		}
	}
	return last
}
