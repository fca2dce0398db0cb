package cucmsim

import (
	"errors"
	"fmt"
	"strings"
)

// showCertList is "show cert list own|trust".
func (s *session) showCertList(c call) outcome {
	s.cl.mu.Lock()
	defer s.cl.mu.Unlock()
	switch strings.ToLower(c.args[0]) {
	case "own":
		for _, unit := range ownUnits(s.n.cucm) {
			id := s.n.installed[unit]
			s.printf("%s/%s: %s", unit, id.file, id.describe())
			for _, old := range s.n.leftovers[unit] {
				s.printf("%s/%s: %s", unit, old.file, old.describe())
			}
		}
	case "trust":
		for _, store := range trustStores(s.n.cucm) {
			for _, e := range s.cl.trust[store] {
				s.printf("%s/%s: %s", store, e.file, e.desc)
			}
		}
	default:
		s.println("Invalid command")
		return invalid("Invalid command")
	}
	return done()
}

// unitArg resolves a unit name as typed. When the node has no such unit
// it prints the CLI's refusal and returns the outcome to end with.
func (s *session) unitArg(name string) (string, outcome, bool) {
	unit, ok := canonicalUnit(ownUnits(s.n.cucm), name)
	if !ok {
		s.printf("Invalid unit name: %s", name)
		s.println("Valid units: " + strings.Join(ownUnits(s.n.cucm), ", "))
		return "", failure(fmt.Errorf("no unit %s", name)), false
	}
	return unit, done(), true
}

// showCertOwn is "show cert own UNIT": the installed certificate.
func (s *session) showCertOwn(c call) outcome {
	unit, res, ok := s.unitArg(c.args[0])
	if !ok {
		return res
	}
	s.cl.mu.Lock()
	id := s.n.installed[unit]
	s.cl.mu.Unlock()
	s.println(certDetails(id.cert)...)
	return done()
}

// showCertTrust is "show cert trust STORE/FILE": one trust certificate,
// in the detail "show cert own" gives (serial, issuer, validity, subject).
func (s *session) showCertTrust(c call) outcome {
	s.cl.mu.Lock()
	e, refusal := s.trustEntry(c.args[0])
	s.cl.mu.Unlock()
	if e == nil {
		s.println(refusal)
		return failure(fmt.Errorf("no trust certificate %s", c.args[0]))
	}
	s.println(certDetails(e.cert)...)
	return done()
}

// trustEntry finds the trust certificate a "STORE/FILE" argument names,
// matching both parts without regard to case as the CLI does; without one
// it returns the CLI's refusal. Callers hold s.cl.mu.
func (s *session) trustEntry(arg string) (*trustEntry, string) {
	name, file, ok := strings.Cut(arg, "/")
	stores := trustStores(s.n.cucm)
	store, known := canonicalUnit(stores, name)
	if !ok || !known {
		return nil, fmt.Sprintf("Invalid certificate name: %s (give STORE/FILE, such as "+
			"tomcat-trust/NAME.pem; stores: %s)", arg, strings.Join(stores, ", "))
	}
	for _, e := range s.cl.trust[store] {
		if strings.EqualFold(e.file, file) {
			return e, ""
		}
	}
	return nil, fmt.Sprintf("Invalid certificate name: %s is not in %s", arg, store)
}

// showCSROwn is "show csr own UNIT": the pending CSR in PEM.
func (s *session) showCSROwn(c call) outcome {
	unit, res, ok := s.unitArg(c.args[0])
	if !ok {
		return res
	}
	s.cl.mu.Lock()
	p := s.n.pending[unit]
	s.cl.mu.Unlock()
	if p == nil {
		s.printf("No CSR exists for %s", unit)
		return failure(fmt.Errorf("no CSR for %s", unit))
	}
	s.println(p.pem)
	return done()
}

// setCSRGen is "set csr gen UNIT": a CSR for this node, RSA 2048, SHA256.
func (s *session) setCSRGen(c call) outcome {
	unit, res, ok := s.unitArg(c.args[0])
	if !ok {
		return res
	}
	s.cl.mu.Lock()
	exists := s.n.pending[unit] != nil
	s.cl.mu.Unlock()
	if exists {
		s.printf("A CSR for %s exists; a new one replaces it and its private key.", unit)
		if res, yes := s.proceed("Proceed with regeneration (yes|no)?"); !yes {
			return res
		}
	}
	withOU := true
	if s.cl.rel.asksOU() {
		yes, err := s.confirm("Include OU in CSR (yes|no)?")
		if err != nil {
			return broken(err)
		}
		withOU = yes
	}
	if _, err := s.cl.generateCSR(s.n, csrRequest{unit: unit, includeOU: withOU}); err != nil {
		s.println("Error: " + err.Error())
		return failure(err)
	}
	if s.cl.rel.major < 12 {
		s.printf("Successfully Generated CSR for %s", unit)
	} else {
		s.printf("Successfully Generated CSR for %s.", unit)
	}
	return done()
}

// proceed asks a yes/no question; it reports whether to go on and, if
// not, the outcome to end the command with.
func (s *session) proceed(question string) (outcome, bool) {
	yes, err := s.confirm(question)
	switch {
	case err != nil:
		return broken(err), false
	case !yes:
		return aborted(), false
	}
	return done(), true
}

// setCertImport is "set cert import own|trust UNIT": paste a PEM.
func (s *session) setCertImport(c call) outcome {
	kind, name := strings.ToLower(c.args[0]), c.args[1]
	unit := strings.TrimSuffix(name, "-trust")
	switch kind {
	case "trust":
		store, err := trustStoreOf(s.n, name)
		if err != nil {
			s.println("Error: " + err.Error())
			return failure(err)
		}
		unit = strings.TrimSuffix(store, "-trust")
	case "own":
		var res outcome
		var ok bool
		if unit, res, ok = s.unitArg(name); !ok {
			return res
		}
	default:
		s.println("Invalid command")
		return invalid("Invalid command")
	}
	s.println("Paste the Certificate and Hit Enter")
	if err := s.flush(); err != nil {
		return broken(err)
	}
	text, err := s.readPaste()
	if err != nil {
		return broken(err)
	}
	nodes, err := s.importPasted(kind, unit, text)
	if err != nil {
		s.println("Error: "+err.Error(), "Executed command unsuccessfully")
		return failure(err)
	}
	s.printf("Successfully imported certificate for %s.", unit)
	if len(nodes) > 1 {
		s.println("Certificate installed on: " + strings.Join(nodes, ", "))
	}
	s.printf("Please restart services related to %s for the new certificate to become active.", unit)
	return done()
}

// importPasted imports pasted PEM text as a trust or own certificate.
func (s *session) importPasted(kind, unit, text string) ([]string, error) {
	certs, err := parseCerts([]byte(text))
	if err != nil {
		return nil, errors.New("invalid certificate: " + err.Error())
	}
	if kind == "trust" {
		_, err := s.cl.importTrust(s.n, unit, certs[:1], "")
		return nil, err
	}
	return s.cl.importIdentity(s.n, unit, certs[:1])
}

// readPaste reads a pasted certificate: lines up to the END line, or up to
// a blank line. A blank line that came with the paste, right after the END
// line, is the closing Enter and is read too.
func (s *session) readPaste() (string, error) {
	var b strings.Builder
	for {
		line, err := s.t.readLine()
		if err != nil {
			return "", err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			return b.String(), nil
		}
		b.WriteString(line + "\n")
		if strings.HasPrefix(line, "-----END ") {
			s.t.skipBlankLine()
			return b.String(), nil
		}
	}
}

// setCertRegen is "set cert regen UNIT": a new self-signed certificate,
// active after the unit's service restarts.
func (s *session) setCertRegen(c call) outcome {
	unit, res, ok := s.unitArg(c.args[0])
	if !ok {
		return res
	}
	s.println("", "WARNING: This operation will overwrite any CA signed certificate previously imported for "+unit)
	if res, yes := s.proceed("Proceed with regeneration (yes|no)?"); !yes {
		return res
	}
	if err := s.cl.regenerate(s.n, unit); err != nil {
		s.println("Error: " + err.Error())
		return failure(err)
	}
	s.println("", "Successfully Regenerated Certificate for "+unit+".",
		"Please do a backup of the server as soon as possible. Failure to do so can stale the cluster in case of a crash.",
		"You must restart services related to "+unit+" for the regenerated certificates to become active.")
	return done()
}

// regenerate installs a new self-signed certificate for unit on n and
// puts it in the unit's trust store.
func (c *Cluster) regenerate(n *node, unit string) error {
	id, err := newSelfSigned(unit, n.fqdn(), c.cfg.Subject, c.cfg.SelfSignedKey, c.now(),
		c.validity(n, unit))
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n.install(unit, id)
	if store, err := trustStoreOf(n, unit); err == nil {
		c.addTrust(store, id.cert, "Trust Certificate")
	}
	return nil
}
