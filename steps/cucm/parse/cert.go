package parse

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// CertEntry is one line of `show cert list own|trust`.
type CertEntry struct {
	// Unit is the certificate unit or trust store, such as "tomcat" or
	// "tomcat-trust".
	Unit string
	// File is the file name within the unit, such as "tomcat.pem".
	File string
	// Description is the text after the colon.
	Description string
	// SelfSigned is set when the description says so.
	SelfSigned bool
	// Issuer is the issuer named by "Certificate Signed by ...", if any.
	Issuer string
}

// Path returns Unit/File, the name `show cert` takes.
func (e CertEntry) Path() string { return e.Unit + "/" + e.File }

var certEntry = regexp.MustCompile(`^([A-Za-z0-9][\w.-]*)/([^\s:]+):\s*(.*)$`)
var signedBy = regexp.MustCompile(`(?i)\bsigned\s+by\s+(.+)$`)

// CertList parses the output of `show cert list own` or `show cert list
// trust`.
func CertList(out string) ([]CertEntry, error) {
	if err := Failure(out); err != nil {
		return nil, err
	}
	var list []CertEntry
	for _, l := range Lines(out) {
		m := certEntry.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		e := CertEntry{Unit: m[1], File: m[2], Description: m[3]}
		low := strings.ToLower(e.Description)
		e.SelfSigned = strings.Contains(low, "self-signed") || strings.Contains(low, "self signed")
		if s := signedBy.FindStringSubmatch(e.Description); s != nil {
			e.Issuer = strings.TrimSpace(s[1])
		}
		list = append(list, e)
	}
	if len(list) == 0 && !emptyOutput(out) {
		return nil, unreadable("certificate list", out)
	}
	return list, nil
}

// emptyOutput reports whether out holds nothing but blank lines and
// prompts.
func emptyOutput(out string) bool {
	for _, l := range Lines(out) {
		if t := strings.TrimSpace(l); t != "" && !IsPrompt(t) {
			return false
		}
	}
	return true
}

// Certificate is what `show cert own UNIT` printed: the certificate, when
// the output carries its PEM, and the fields of the text dump otherwise.
type Certificate struct {
	// Cert is the parsed certificate; nil when the output had no PEM.
	Cert *x509.Certificate
	// PEM is the certificate in PEM form, when the output had it.
	PEM string
	// Fields holds "Name: value" lines of the text dump, such as
	// "Serial Number" or "Subject Name", by name.
	Fields map[string]string
}

var dumpField = regexp.MustCompile(`^\s*([A-Z][A-Za-z ]{1,40}?)\s*:\s*(\S.*)$`)

// CertDetail parses the output of `show cert own UNIT` or `show cert trust
// UNIT/FILE`.
func CertDetail(out string) (Certificate, error) {
	if err := Failure(out); err != nil {
		return Certificate{}, err
	}
	c := Certificate{Fields: map[string]string{}}
	for _, l := range Lines(out) {
		if m := dumpField.FindStringSubmatch(l); m != nil {
			if _, dup := c.Fields[m[1]]; !dup {
				c.Fields[m[1]] = strings.TrimSpace(m[2])
			}
		}
	}
	block, err := pemBlock(out, "CERTIFICATE")
	switch {
	case err == nil:
		c.PEM = string(pem.EncodeToMemory(block))
		c.Cert, err = x509.ParseCertificate(block.Bytes)
		if err != nil {
			return c, fmt.Errorf("certificate in the output: %w", err)
		}
	case len(c.Fields) == 0:
		return c, unreadable("certificate", out)
	}
	return c, nil
}

// pemBlock finds the first PEM block of the given type in out, tolerating
// indentation, CRs and escape codes around it.
func pemBlock(out, typ string) (*pem.Block, error) {
	lines := Lines(out)
	begin, end := -1, -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if begin < 0 && isArmor(t, "BEGIN", typ) {
			begin = i
		} else if begin >= 0 && isArmor(t, "END", typ) {
			end = i
			break
		}
	}
	if begin < 0 || end < 0 {
		return nil, fmt.Errorf("no PEM %s in the output", typ)
	}
	var b strings.Builder
	for _, l := range lines[begin : end+1] {
		b.WriteString(strings.TrimSpace(l))
		b.WriteByte('\n')
	}
	block, _ := pem.Decode([]byte(b.String()))
	if block == nil {
		return nil, fmt.Errorf("PEM %s in the output is damaged", typ)
	}
	return block, nil
}

// isArmor matches "-----BEGIN CERTIFICATE-----"; for CERTIFICATE REQUEST
// the older "NEW CERTIFICATE REQUEST" is accepted too.
func isArmor(line, edge, typ string) bool {
	inner, ok := strings.CutPrefix(line, "-----"+edge+" ")
	if !ok {
		return false
	}
	inner, ok = strings.CutSuffix(inner, "-----")
	return ok && (inner == typ || inner == "NEW "+typ)
}

var csrGenerated = regexp.MustCompile(
	`(?i)successfully\s+generated\s+(?:the\s+)?csr\s+for\s+(\S+?)\.?$`)

// CSRGenerated parses the output of `set csr gen UNIT` and returns the unit
// the CLI says it generated a CSR for.
func CSRGenerated(out string) (string, error) {
	if err := Failure(out); err != nil {
		return "", err
	}
	for _, l := range Lines(out) {
		if m := csrGenerated.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
			return m[1], nil
		}
	}
	return "", unreadable(`"Successfully Generated CSR" line`, out)
}

// CSR finds the certificate signing request in the output of `show csr
// own UNIT` (or any text holding one) and returns it parsed, with its PEM.
func CSR(out string) (*x509.CertificateRequest, []byte, error) {
	block, err := pemBlock(out, "CERTIFICATE REQUEST")
	if err != nil {
		if line := noCSRLine(out); line != "" {
			return nil, nil, &noCSRError{line}
		}
		if f := Failure(out); f != nil {
			return nil, nil, f
		}
		return nil, nil, err
	}
	block.Type = "CERTIFICATE REQUEST"
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate request in the output: %w", err)
	}
	return csr, pem.EncodeToMemory(block), nil
}

// ErrNoCSR matches the error CSR returns when the node has no pending CSR
// for the unit.
var ErrNoCSR = errors.New("no pending CSR")

// noCSRError quotes the CLI saying there is no CSR.
type noCSRError struct{ line string }

func (e *noCSRError) Error() string        { return fmt.Sprintf("the CLI said %q", e.line) }
func (e *noCSRError) Is(target error) bool { return target == ErrNoCSR }

var noCSR = regexp.MustCompile(
	`(?i)^no\s+csr\s+(?:exists|found)|\bcsr\b.*\b(?:does\s+not|doesn't)\s+exist`)

func noCSRLine(out string) string {
	for _, l := range Lines(out) {
		if t := strings.TrimSpace(l); noCSR.MatchString(t) {
			return t
		}
	}
	return ""
}

// Import is what `set cert import own|trust UNIT` printed on success.
type Import struct {
	// Unit is the unit the CLI names in its success line.
	Unit string
	// Nodes lists the nodes a multi-server certificate was installed on,
	// as the CLI names them; empty for a single node.
	Nodes []string
	// Message is the success line.
	Message string
	// Restart is the CLI's advice about services to restart, if any.
	Restart string
}

var (
	importOK = regexp.MustCompile(`(?i)^(?:` +
		`successfully\s+imported\s+(?:the\s+)?certificate\s+for\s+([\w-]+)\b.*|` +
		`.*\b(?:import|upload)\w*\s+(?:operation\s+)?(?:was\s+)?successful\b.*)$`)
	nodesOn = regexp.MustCompile(`(?i)\b(?:(?:for|on|to)\s+(?:the\s+)?(?:following\s+)?` +
		`(?:nodes?|servers?)|installed\s+on)\s*:?\s*(.*)$`)
)

// CertImport parses the output of `set cert import own|trust UNIT`. A
// refusal comes back as *CLIError carrying the CLI's reason.
func CertImport(out string) (Import, error) {
	if err := importFailure(out); err != nil {
		return Import{}, err
	}
	var imp Import
	lines := Lines(out)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if m := importOK.FindStringSubmatch(t); m != nil && imp.Message == "" {
			imp.Unit, imp.Message = m[1], t
			imp.Nodes = nodeList(t, lines[i+1:])
		} else if strings.Contains(strings.ToLower(t), "restart") && imp.Restart == "" {
			imp.Restart = t
		}
	}
	if imp.Message == "" {
		return imp, unreadable("import result", out)
	}
	return imp, nil
}

// importFailure reports the CLI's reason for refusing an import: a failure
// line, or one saying the certificate was not imported.
func importFailure(out string) error {
	if err := Failure(out); err != nil {
		return err
	}
	lines := Lines(out)
	for i, l := range lines {
		low := strings.ToLower(l)
		if strings.Contains(low, "unable to") || strings.Contains(low, "could not") ||
			strings.Contains(low, "failed to") || strings.Contains(low, "not imported") {
			return &CLIError{Line: strings.TrimSpace(l), Detail: nextText(lines[i+1:])}
		}
	}
	return nil
}

// nodeList reads the nodes a success line names ("... for the nodes a,b"),
// or that a following line names ("Nodes: a, b"), or that are listed one
// per line below a line ending in "nodes:".
func nodeList(line string, after []string) []string {
	if m := nodesOn.FindStringSubmatch(line); m != nil {
		if names := splitNames(m[1]); len(names) > 0 {
			return names
		}
		return column(after)
	}
	for i, l := range after {
		t := strings.TrimSpace(l)
		m := nodesOn.FindStringSubmatch(t)
		if m == nil {
			m = nodesLine.FindStringSubmatch(t)
		}
		if m == nil {
			continue
		}
		if names := splitNames(m[1]); len(names) > 0 {
			return names
		}
		return column(after[i+1:])
	}
	return nil
}

var nodesLine = regexp.MustCompile(`(?i)^(?:nodes?|servers?)\s*:\s*(.*)$`)

// column reads names listed one per line, up to the first line that is not
// a single name.
func column(lines []string) []string {
	var names []string
	for _, l := range lines {
		t := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(l), "-*"))
		if t == "" || IsPrompt(t) || strings.ContainsAny(t, " \t") {
			break
		}
		names = append(names, strings.TrimRight(t, ".,;"))
	}
	return names
}

// splitNames splits the first sentence of s into names at commas, spaces,
// semicolons and "and".
func splitNames(s string) []string {
	s, _, _ = strings.Cut(s, ". ")
	s = strings.TrimRight(strings.TrimSpace(s), ".")
	var names []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == ';' || r == '\t'
	}) {
		if !strings.EqualFold(f, "and") {
			names = append(names, f)
		}
	}
	return names
}

// Serial returns the serial number in upper-case hexadecimal without
// separators.
func (c Certificate) Serial() string {
	if c.Cert != nil {
		return strings.ToUpper(c.Cert.SerialNumber.Text(16))
	}
	s := strings.ReplaceAll(c.Fields["Serial Number"], ":", "")
	return strings.ToUpper(strings.TrimLeft(strings.ReplaceAll(s, " ", ""), "0"))
}

// Subject returns the subject name.
func (c Certificate) Subject() string {
	if c.Cert != nil {
		return c.Cert.Subject.String()
	}
	return c.Fields["Subject Name"]
}

// Issuer returns the issuer name.
func (c Certificate) Issuer() string {
	if c.Cert != nil {
		return c.Cert.Issuer.String()
	}
	return c.Fields["Issuer Name"]
}

// SANs returns the DNS names of the subject alternative names.
func (c Certificate) SANs() []string {
	if c.Cert != nil {
		return c.Cert.DNSNames
	}
	var names []string
	for _, k := range []string{"DNS names", "DNSName", "DNS Names"} {
		for _, n := range strings.Split(c.Fields[k], ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, n)
			}
		}
	}
	return names
}
