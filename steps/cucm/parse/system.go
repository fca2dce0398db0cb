package parse

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

// Release is what `show version active` printed.
type Release struct {
	// Version is the full version, such as "14.0.1.12900-161".
	Version string
	// Major, Minor and Maintenance are its first three numbers.
	Major, Minor, Maintenance int
	// Options lists the installed software options (COP files).
	Options []string
}

var versionLine = regexp.MustCompile(`(?i)^active\s+(?:master\s+)?version\s*:\s*(\S+)`)

// ActiveVersion parses the output of `show version active`.
func ActiveVersion(out string) (Release, error) {
	if err := Failure(out); err != nil {
		return Release{}, err
	}
	lines := Lines(out)
	for i, l := range lines {
		m := versionLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		r, err := ParseRelease(m[1])
		r.Options = options(lines[i+1:])
		return r, err
	}
	return Release{}, unreadable("active version", out)
}

// ParseRelease reads a version such as "14.0.1.12900-161" or "10.5.2".
func ParseRelease(v string) (Release, error) {
	r := Release{Version: v}
	parts := strings.SplitN(v, ".", 4)
	nums := []*int{&r.Major, &r.Minor, &r.Maintenance}
	for i, p := range parts[:min(len(parts), 3)] {
		n, err := strconv.Atoi(p)
		if err != nil {
			return r, fmt.Errorf("version %q: %q is not a number", v, p)
		}
		*nums[i] = n
	}
	return r, nil
}

// AtLeast reports whether r is major.minor or later.
func (r Release) AtLeast(major, minor int) bool {
	return r.Major > major || (r.Major == major && r.Minor >= minor)
}

func options(lines []string) []string {
	var opts []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		low := strings.ToLower(t)
		switch {
		case t == "" || IsPrompt(t) || strings.HasSuffix(low, "software options:"):
		case strings.HasPrefix(low, "no installed software options"):
			return nil
		default:
			opts = append(opts, t)
		}
	}
	return opts
}

// Member is one node of `show network cluster`.
type Member struct {
	Address string
	// FQDN is empty on releases that print only the host name.
	FQDN string
	Host string
	// Role is "publisher" or "subscriber".
	Role string
	// Product is "callmanager" for CUCM and "cups" for IM&P.
	Product string
	// DBRole is DBPub or DBSub.
	DBRole string
	// Status is the rest of the line, such as "authenticated using TCP
	// since ...".
	Status string
}

// IMP reports whether the node is an IM and Presence node.
func (m Member) IMP() bool { return m.Product == "cups" }

// Name returns the FQDN when known, else the host name.
func (m Member) Name() string {
	if m.FQDN != "" {
		return m.FQDN
	}
	return m.Host
}

// Cluster parses the output of `show network cluster`. Lines that do not
// start with an address and carry a role, such as the processnode table
// newer releases append, are skipped.
func Cluster(out string) ([]Member, error) {
	if err := Failure(out); err != nil {
		return nil, err
	}
	var list []Member
	for _, l := range Lines(out) {
		if m, ok := member(strings.Fields(l)); ok {
			list = append(list, m)
		}
	}
	if len(list) == 0 {
		return nil, unreadable("cluster nodes", out)
	}
	return list, nil
}

func member(f []string) (Member, bool) {
	if len(f) < 4 {
		return Member{}, false
	}
	if _, err := netip.ParseAddr(f[0]); err != nil {
		return Member{}, false
	}
	role := -1
	for i := 2; i < min(len(f)-1, 4); i++ {
		if r := strings.ToLower(f[i]); r == "publisher" || r == "subscriber" {
			role = i
			break
		}
	}
	if role < 0 {
		return Member{}, false
	}
	m := Member{Address: f[0], Host: f[role-1], Role: strings.ToLower(f[role]),
		Product: strings.ToLower(f[role+1])}
	if role == 3 {
		m.FQDN = f[1]
	}
	rest := f[role+2:]
	if len(rest) > 0 && strings.HasPrefix(strings.ToLower(rest[0]), "db") {
		m.DBRole, rest = rest[0], rest[1:]
	}
	m.Status = strings.Join(rest, " ")
	return m, true
}

// SSO is what `utils sso status` printed.
type SSO struct {
	Enabled bool
	// Status is the status text, such as "SAML SSO Enabled".
	Status string
	// Test is the "SAML SSO Test Status" value, when printed.
	Test string
}

var ssoStatus = regexp.MustCompile(`(?i)^(?:saml\s+)?sso\s*status\s*[:=]\s*(.+)$`)
var ssoTest = regexp.MustCompile(`(?i)^saml\s+sso\s+test\s+status\s*[:=]\s*(.+)$`)
var ssoLoose = regexp.MustCompile(`(?i)\bsso\b.*\b(enabled|disabled)\b`)

// SSOStatus parses the output of `utils sso status`.
func SSOStatus(out string) (SSO, error) {
	if err := Failure(out); err != nil {
		return SSO{}, err
	}
	var s SSO
	for _, l := range Lines(out) {
		t := strings.TrimSpace(l)
		if m := ssoTest.FindStringSubmatch(t); m != nil {
			s.Test = strings.TrimSpace(m[1])
		} else if m := ssoStatus.FindStringSubmatch(t); m != nil && s.Status == "" {
			s.Status = strings.TrimSpace(m[1])
		} else if s.Status == "" && ssoLoose.MatchString(t) {
			s.Status = t
		}
	}
	if s.Status == "" {
		return s, unreadable("SSO status", out)
	}
	low := strings.ToLower(s.Status)
	s.Enabled = strings.Contains(low, "enabled") &&
		!strings.Contains(low, "disabled") && !strings.Contains(low, "not enabled")
	return s, nil
}

var ssoOff = regexp.MustCompile(`(?i)\b(?:disabled\s+successfully|already\s+disabled|` +
	`successfully\s+disabled|disable\s+operation\s+is\s+successful)`)

// SSODisabled parses the output of `utils sso disable` and returns the line
// that says SSO is disabled (or already was).
func SSODisabled(out string) (string, error) {
	if err := Failure(out); err != nil {
		return "", err
	}
	for _, l := range Lines(out) {
		if t := strings.TrimSpace(l); ssoOff.MatchString(t) {
			return t, nil
		}
	}
	return "", unreadable("line saying SSO is disabled", out)
}

// Table is the result of `run sql`.
type Table struct {
	Columns []string
	Rows    [][]string
}

// Column returns the index of the column called name, or -1.
func (t Table) Column(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

var ruler = regexp.MustCompile(`^=+(?:\s+=+)*$`)

// SQL parses the output of `run sql`: a header line, a ruler of = signs
// whose runs give the column widths, and the rows.
func SQL(out string) (Table, error) {
	if err := Failure(out); err != nil {
		return Table{}, err
	}
	lines := Lines(out)
	for i := 1; i < len(lines); i++ {
		if ruler.MatchString(strings.TrimSpace(lines[i])) {
			return table(lines[i-1], lines[i], lines[i+1:]), nil
		}
	}
	return Table{}, unreadable("SQL result table", out)
}

func table(header, rule string, rows []string) Table {
	spans := columnSpans(rule)
	t := Table{Columns: cut(header, spans)}
	for _, r := range rows {
		if strings.TrimSpace(r) == "" || IsPrompt(r) {
			continue
		}
		t.Rows = append(t.Rows, cut(r, spans))
	}
	return t
}

// columnSpans returns the start of each run of = in rule.
func columnSpans(rule string) []int {
	var starts []int
	for i := range rule {
		if rule[i] == '=' && (i == 0 || rule[i-1] != '=') {
			starts = append(starts, i)
		}
	}
	return starts
}

// cut splits line at the column starts; a value longer than its column
// runs into the next and is split at white space instead.
func cut(line string, starts []int) []string {
	if f := strings.Fields(line); len(f) == len(starts) {
		return f
	}
	cells := make([]string, len(starts))
	for i, s := range starts {
		end := len(line)
		if i+1 < len(starts) {
			end = min(starts[i+1], len(line))
		}
		if s < end {
			cells[i] = strings.TrimSpace(line[s:end])
		}
	}
	return cells
}

// SecurityMode reads the ClusterSecurityMode value (0 non-secure, 1 mixed)
// from the output of `run sql select paramname,paramvalue from
// processconfig where paramname='ClusterSecurityMode'`.
func SecurityMode(out string) (int, error) {
	t, err := SQL(out)
	if err != nil {
		return 0, err
	}
	name, value := t.Column("paramname"), t.Column("paramvalue")
	if value < 0 {
		return 0, errors.New("no paramvalue column in the SQL result")
	}
	for _, r := range t.Rows {
		if name >= 0 && !strings.EqualFold(r[name], "ClusterSecurityMode") {
			continue
		}
		mode, err := strconv.Atoi(r[value])
		if err != nil {
			return 0, fmt.Errorf("ClusterSecurityMode is %q, not a number", r[value])
		}
		return mode, nil
	}
	return 0, errors.New("no ClusterSecurityMode row in the SQL result")
}
