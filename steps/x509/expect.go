package x509inspect

import (
	"crypto/x509"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// Expect lists what a runbook asserts about a CSR, certificate or chain.
// Name, key and usage checks apply to the CSR or to the chain's leaf; the
// hash check applies to every certificate that is not a self-signed root.
type Expect struct {
	SANs       []string      `yaml:"sans" doc:"names (DNS names or IP addresses) that must all be subject alternative names"`
	SANsHint   string        `yaml:"sans_hint" doc:"why a name may be missing, printed after each missing name"`
	CN         string        `yaml:"cn" doc:"the common name the subject must have"`
	CNInSAN    bool          `yaml:"cn_in_san" doc:"the common name must also be a subject alternative name"`
	NoWildcard bool          `yaml:"no_wildcard" doc:"no name may use a wildcard"`
	ServerAuth bool          `yaml:"server_auth" doc:"the Server Authentication extended key usage must be present"`
	ClientAuth bool          `yaml:"client_auth" doc:"the Client Authentication extended key usage must be present"`
	KeyTypes   []string      `yaml:"key_types" doc:"allowed key types: RSA, EC, Ed25519"`
	MinKeySize int           `yaml:"min_key_size" doc:"smallest allowed key size in bits"`
	MaxKeySize int           `yaml:"max_key_size" doc:"largest allowed key size in bits"`
	MinHash    string        `yaml:"min_hash" enum:"SHA-1,SHA-256,SHA-384,SHA-512" doc:"weakest allowed signature hash"`
	Order      string        `yaml:"order" enum:"leaf-first,root-first" doc:"the order a chain must be in"`
	Complete   bool          `yaml:"complete" doc:"a chain must end in a self-signed root"`
	SelfSigned *bool         `yaml:"self_signed" doc:"the certificate must (true) or must not (false) be self-signed"`
	Valid      bool          `yaml:"valid" doc:"the certificate must be valid now: not expired, not before its start"`
	MinValid   time.Duration `yaml:"min_valid" doc:"the certificate must stay valid at least this long, such as 720h"`
}

// Violations lists the expectations that do not hold, one line each.
type Violations []string

// Error prints one violation per line.
func (v Violations) Error() string { return strings.Join(v, "\n") }

// subject is what the checks look at.
type subject struct {
	noun  string // "CSR" or "certificate"
	leaf  Cert
	certs []*x509.Certificate
	now   time.Time
}

// Check returns the violations of e by s, nil when there are none.
func (e *Expect) check(s subject) Violations {
	var v Violations
	v = append(v, e.checkNames(s)...)
	v = append(v, e.checkUsage(s)...)
	v = append(v, e.checkKey(s)...)
	v = append(v, e.checkHash(s)...)
	v = append(v, e.checkChain(s)...)
	v = append(v, e.checkValidity(s)...)
	return v
}

func (e *Expect) checkNames(s subject) Violations {
	var v Violations
	for _, name := range e.SANs {
		if hasSAN(s.leaf, name) {
			continue
		}
		if e.SANsHint != "" {
			v = append(v, fmt.Sprintf("%s is missing %s: %s", s.noun, name, e.SANsHint))
		} else {
			v = append(v, fmt.Sprintf("%s is missing %s from its subject alternative names",
				s.noun, name))
		}
	}
	if e.CN != "" && !strings.EqualFold(e.CN, s.leaf.CN) {
		v = append(v, fmt.Sprintf("%s common name is %q, expected %q", s.noun, s.leaf.CN, e.CN))
	}
	if e.CNInSAN && !hasSAN(s.leaf, s.leaf.CN) {
		v = append(v, fmt.Sprintf("%s common name %q is not also a subject alternative name",
			s.noun, s.leaf.CN))
	}
	if e.NoWildcard && s.leaf.Wildcard {
		v = append(v, fmt.Sprintf("%s uses the wildcard name %s", s.noun, wildcardName(s.leaf)))
	}
	return v
}

func hasSAN(c Cert, name string) bool {
	if ip := net.ParseIP(name); ip != nil {
		return slices.Contains(c.IPAddresses, ip.String())
	}
	return containsFold(c.DNSNames, name)
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

func wildcardName(c Cert) string {
	for _, n := range c.DNSNames {
		if strings.Contains(n, "*") {
			return n
		}
	}
	return c.CN
}

func (e *Expect) checkUsage(s subject) Violations {
	var v Violations
	const missing = "%s has no %s Authentication extended key usage (ext_key_usage: %s)"
	if e.ServerAuth && !s.leaf.ServerAuth {
		v = append(v, fmt.Sprintf(missing, s.noun, "Server", usageList(s.leaf)))
	}
	if e.ClientAuth && !s.leaf.ClientAuth {
		v = append(v, fmt.Sprintf(missing, s.noun, "Client", usageList(s.leaf)))
	}
	return v
}

func usageList(c Cert) string {
	if len(c.ExtKeyUsage) == 0 {
		return "none"
	}
	return strings.Join(c.ExtKeyUsage, ", ")
}

func (e *Expect) checkKey(s subject) Violations {
	var v Violations
	key := fmt.Sprintf("%s %d", s.leaf.KeyType, s.leaf.KeySize)
	if len(e.KeyTypes) > 0 && !containsFold(e.KeyTypes, s.leaf.KeyType) {
		v = append(v, fmt.Sprintf("%s key is %s, expected %s",
			s.noun, key, strings.Join(e.KeyTypes, " or ")))
	}
	const size = "%s key is %s bits, expected at %s %d"
	if e.MinKeySize > 0 && s.leaf.KeySize < e.MinKeySize {
		v = append(v, fmt.Sprintf(size, s.noun, key, "least", e.MinKeySize))
	}
	if e.MaxKeySize > 0 && s.leaf.KeySize > e.MaxKeySize {
		v = append(v, fmt.Sprintf(size, s.noun, key, "most", e.MaxKeySize))
	}
	return v
}

func (e *Expect) checkHash(s subject) Violations {
	if e.MinHash == "" {
		return nil
	}
	if len(s.certs) == 0 {
		return e.weakHash(s.noun, s.leaf.SignatureHash)
	}
	var v Violations
	for _, c := range s.certs {
		if Issued(c, c) && len(s.certs) > 1 {
			continue // a root's own signature is not relied upon
		}
		v = append(v, e.weakHash("certificate "+Label(c), hashOf(c.SignatureAlgorithm))...)
	}
	return v
}

func (e *Expect) weakHash(who, hash string) Violations {
	if hashRank[hash] >= hashRank[e.MinHash] {
		return nil
	}
	return Violations{fmt.Sprintf("%s is signed with %s, expected at least %s",
		who, hash, e.MinHash)}
}

func (e *Expect) checkChain(s subject) Violations {
	var v Violations
	if e.Order != "" && len(s.certs) > 1 {
		v = append(v, orderViolation(s.certs, e.Order)...)
	}
	if e.Complete && len(s.certs) > 0 && !Complete(s.certs) {
		v = append(v, "chain does not end in a self-signed root: "+
			"an intermediate or the root is missing")
	}
	if e.SelfSigned != nil && *e.SelfSigned != s.leaf.SelfSigned {
		if s.leaf.SelfSigned {
			v = append(v, fmt.Sprintf("%s is self-signed, expected one signed by a CA", s.noun))
		} else {
			v = append(v, fmt.Sprintf("%s is signed by %s, expected a self-signed one",
				s.noun, s.leaf.Issuer))
		}
	}
	return v
}

func orderViolation(certs []*x509.Certificate, want string) Violations {
	got := Order(certs)
	if got == want {
		return nil
	}
	if got == OrderLeafFirst || got == OrderRootFirst {
		return Violations{fmt.Sprintf("chain is %s, expected %s", got, want)}
	}
	i := brokenLink(certs, want == OrderLeafFirst)
	j := i - 1
	if want == OrderLeafFirst {
		j = i + 1
	}
	return Violations{fmt.Sprintf("chain is out of order, expected %s: "+
		"certificate %d (%s) is not issued by certificate %d (%s)",
		want, i+1, Label(certs[i]), j+1, Label(certs[j]))}
}

func (e *Expect) checkValidity(s subject) Violations {
	if s.leaf.NotAfter.IsZero() || (!e.Valid && e.MinValid == 0) {
		return nil
	}
	var v Violations
	switch {
	case s.now.After(s.leaf.NotAfter):
		v = append(v, fmt.Sprintf("%s expired on %s",
			s.noun, s.leaf.NotAfter.Format(time.DateOnly)))
	case s.now.Before(s.leaf.NotBefore):
		v = append(v, fmt.Sprintf("%s is not valid before %s",
			s.noun, s.leaf.NotBefore.Format(time.RFC3339)))
	case e.MinValid > 0 && s.leaf.NotAfter.Sub(s.now) < e.MinValid:
		v = append(v, fmt.Sprintf("%s expires on %s, within %s", s.noun,
			s.leaf.NotAfter.Format(time.DateOnly), e.MinValid))
	}
	return v
}
