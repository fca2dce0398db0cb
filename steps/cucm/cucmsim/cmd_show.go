package cucmsim

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// showVersion is "show version active".
func (s *session) showVersion(call) outcome {
	s.println("Active Master Version: "+s.cl.rel.String(),
		"Active Version Installed Software Options:",
		"No Installed Software Options Found.")
	return done()
}

// showNetworkCluster is "show network cluster": one line per node, the
// local one without its connection time, then the processnode table.
func (s *session) showNetworkCluster(call) outcome {
	since := s.cl.started.Format(time.ANSIC)
	s.cl.mu.Lock()
	for _, n := range s.cl.nodes {
		role, db := "Subscriber", "DBSub"
		if n.pub {
			role = "Publisher"
		}
		if n.dbPub {
			db = "DBPub"
		}
		state := "authenticated using TCP since " + since
		switch {
		case n == s.n:
			state = "authenticated"
		case n.down:
			state = "not authenticated - INITIATOR since " + since
		}
		s.printf("%s %s %s %s %s %s %s", n.address, n.fqdn(), n.hostname(), role,
			n.product(), db, state)
	}
	s.println("", "Server Table (processnode) Entries", "----------------------------------")
	for _, n := range s.cl.nodes {
		s.println(n.fqdn())
	}
	s.cl.mu.Unlock()
	s.println("", "Successful")
	return done()
}

// certDetails renders a certificate the way "show cert own" does, in the
// platform's Java style.
func certDetails(c *x509.Certificate) []string {
	kind, bits := keyDescription(c.PublicKey)
	lines := []string{
		"[",
		"  Version: V3",
		"  Serial Number: " + strings.ToUpper(c.SerialNumber.Text(16)),
		"  SignatureAlgorithm: " + javaSigAlg(c.SignatureAlgorithm),
		"  Issuer Name: " + c.Issuer.String(),
		"  Validity From: " + javaDate(c.NotBefore),
		"           To:   " + javaDate(c.NotAfter),
		"  Subject Name: " + c.Subject.String(),
		fmt.Sprintf("  Key: %s %d bits", kind, bits),
	}
	var exts [][]string
	if len(c.DNSNames) > 0 {
		exts = append(exts, []string{"SubjectAltName (OID.2.5.29.17)",
			"DNS names: " + strings.Join(c.DNSNames, ", ")})
	}
	if len(c.ExtKeyUsage) > 0 {
		exts = append(exts, []string{"ExtKeyUsageSyntax (OID.2.5.29.37)",
			"Usage oids: " + strings.Join(ekuOIDs(c.ExtKeyUsage), ", ")})
	}
	lines = append(lines, fmt.Sprintf("  Extensions: %d present", len(exts)))
	for _, e := range exts {
		lines = append(lines, "  [", "     Extension: "+e[0], "     Critical: false",
			"     "+e[1], "  ]")
	}
	return append(lines, "]")
}

func javaSigAlg(a x509.SignatureAlgorithm) string {
	names := map[x509.SignatureAlgorithm]string{
		x509.SHA256WithRSA:   "SHA256withRSA (1.2.840.113549.1.1.11)",
		x509.SHA384WithRSA:   "SHA384withRSA (1.2.840.113549.1.1.12)",
		x509.SHA512WithRSA:   "SHA512withRSA (1.2.840.113549.1.1.13)",
		x509.ECDSAWithSHA256: "SHA256withECDSA (1.2.840.10045.4.3.2)",
		x509.ECDSAWithSHA384: "SHA384withECDSA (1.2.840.10045.4.3.3)",
		x509.ECDSAWithSHA512: "SHA512withECDSA (1.2.840.10045.4.3.4)",
	}
	if n, ok := names[a]; ok {
		return n
	}
	return a.String()
}

func ekuOIDs(usages []x509.ExtKeyUsage) []string {
	oids := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageServerAuth:     "1.3.6.1.5.5.7.3.1",
		x509.ExtKeyUsageClientAuth:     "1.3.6.1.5.5.7.3.2",
		x509.ExtKeyUsageIPSECEndSystem: "1.3.6.1.5.5.7.3.5",
	}
	var out []string
	for _, u := range usages {
		if o, ok := oids[u]; ok {
			out = append(out, o)
		}
	}
	return out
}

// ctlUpdate is "utils ctl update CTLFile": on the publisher, in mixed mode.
func (s *session) ctlUpdate(call) outcome {
	if !s.n.pub {
		s.println("This command can be executed only on the publisher node.")
		return failure(fmt.Errorf("not the publisher"))
	}
	if s.cl.cfg.SecurityMode != 1 {
		s.println("The cluster is in non-secure mode; the CTL file exists only in mixed mode.",
			"Executed command unsuccessfully")
		return failure(fmt.Errorf("cluster in non-secure mode"))
	}
	if res, yes := s.proceed("This operation updates the CTLFile. Do you want to continue? (y/n):"); !yes {
		return res
	}
	s.cl.mu.Lock()
	s.cl.updateCTL()
	s.cl.mu.Unlock()
	s.println("Updating CTL file", "CTL file Updated",
		"Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services")
	return done()
}

// showCTL is "show ctl": the CTL file's records.
func (s *session) showCTL(call) outcome {
	s.cl.mu.Lock()
	f := s.cl.ctl
	s.cl.mu.Unlock()
	if f == nil {
		s.println("Length of CTL file: 0",
			"CTL File not found. Please run CTLClient plugin or run the CLI - utils ctl.. to generate the CTL file.",
			"Error parsing the CTL File.")
		return failure(fmt.Errorf("no CTL file"))
	}
	s.printf("The CTL File was last modified on %s", javaDate(f.updated))
	s.println("", "Parse CTL File", "----------------", "", "Version:        1.2")
	for i, r := range f.records {
		s.println("", fmt.Sprintf("CTL Record #:%d", i+1), "----",
			"BYTEPOS TAG             LENGTH  VALUE",
			"------- ---             ------  -----")
		fields := [][2]string{
			{"DNSNAME", r.fqdn}, {"SUBJECTNAME", r.cert.Subject.String()},
			{"FUNCTION", r.function}, {"ISSUERNAME", r.cert.Issuer.String()},
			{"SERIALNUMBER", strings.ToUpper(r.cert.SerialNumber.Text(16))},
		}
		for j, f := range fields {
			s.printf("%-7d %-15s %-7d %s", j+1, f[0], len(f[1]), f[1])
		}
	}
	s.println("", "The CTL file was verified successfully.")
	return done()
}

// itlReset is "utils itl reset localkey": on the publisher, it sends a
// reset ITL file to the TFTP servers so phones can trust the new one.
func (s *session) itlReset(call) outcome {
	if !s.n.pub {
		s.println("This command can be executed only on the publisher node.")
		return failure(fmt.Errorf("not the publisher"))
	}
	s.cl.mu.Lock()
	var tftp []string
	for _, n := range s.cl.nodes {
		if n.cucm && n.running(svcTFTP) {
			tftp = append(tftp, n.fqdn())
		}
	}
	s.cl.resetITL()
	s.cl.mu.Unlock()
	s.println("Locating active Tftp servers in the cluster.....", "",
		"Following is the list of Active tftp servers in the cluster", "")
	s.println(tftp...)
	s.println("", "The reset ITL file was generated successfully", "",
		"Transferring new reset ITL file to the TFTP server nodes.....", "")
	for _, n := range tftp {
		s.println("Successfully transferred reset ITL to node " + n)
	}
	return done()
}
