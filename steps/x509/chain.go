package x509inspect

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
)

// The orders a list of certificates can be in.
const (
	OrderSingle    = "single"
	OrderLeafFirst = "leaf-first"
	OrderRootFirst = "root-first"
	OrderUnordered = "unordered"
)

// Issued reports whether parent issued child: child names parent as its
// issuer and parent's key checks child's signature. A SHA-1 signature,
// which Go no longer verifies, counts when the names match.
func Issued(child, parent *x509.Certificate) bool {
	if !bytes.Equal(child.RawIssuer, parent.RawSubject) {
		return false
	}
	err := parent.CheckSignature(child.SignatureAlgorithm, child.RawTBSCertificate, child.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

// Order tells the order of certs: each issued by the next (leaf-first),
// each issued by the one before (root-first), a single certificate, or
// unordered.
func Order(certs []*x509.Certificate) string {
	switch {
	case len(certs) == 1:
		return OrderSingle
	case brokenLink(certs, true) < 0:
		return OrderLeafFirst
	case brokenLink(certs, false) < 0:
		return OrderRootFirst
	}
	return OrderUnordered
}

// brokenLink returns the index i of the first certificate that is not
// issued by its neighbour (certs[i+1] when leafFirst, certs[i-1]
// otherwise), or -1 when every link holds.
func brokenLink(certs []*x509.Certificate, leafFirst bool) int {
	for i := range certs {
		switch {
		case leafFirst && i+1 < len(certs) && !Issued(certs[i], certs[i+1]):
			return i
		case !leafFirst && i > 0 && !Issued(certs[i], certs[i-1]):
			return i
		}
	}
	return -1
}

// Complete reports whether the chain, in either order, ends in a
// self-signed root.
func Complete(certs []*x509.Certificate) bool {
	switch Order(certs) {
	case OrderSingle, OrderLeafFirst:
		return Issued(certs[len(certs)-1], certs[len(certs)-1])
	case OrderRootFirst:
		return Issued(certs[0], certs[0])
	}
	return false
}

// SortChain returns certs ordered leaf first: the one certificate that
// issued none of the others, then its issuer, and so on. Certificates
// that are not part of that one chain are an error.
func SortChain(certs []*x509.Certificate) ([]*x509.Certificate, error) {
	if len(certs) == 0 {
		return nil, errors.New("no certificates")
	}
	leaf, err := findLeaf(certs)
	if err != nil {
		return nil, err
	}
	chain := []*x509.Certificate{leaf}
	for len(chain) < len(certs) {
		next := issuerIn(chain[len(chain)-1], certs)
		if next == nil || containsCert(chain, next) {
			break
		}
		chain = append(chain, next)
	}
	if len(chain) != len(certs) {
		return nil, fmt.Errorf("%d of the %d certificates are not in the chain of %s",
			len(certs)-len(chain), len(certs), Label(leaf))
	}
	return chain, nil
}

func findLeaf(certs []*x509.Certificate) (*x509.Certificate, error) {
	var leaves []*x509.Certificate
	for _, c := range certs {
		if !issuesAny(c, certs) {
			leaves = append(leaves, c)
		}
	}
	switch len(leaves) {
	case 0:
		return certs[0], nil // only self-signed certificates: take the first
	case 1:
		return leaves[0], nil
	}
	return nil, fmt.Errorf("more than one end-entity certificate: %s and %s",
		Label(leaves[0]), Label(leaves[1]))
}

func issuesAny(c *x509.Certificate, certs []*x509.Certificate) bool {
	for _, o := range certs {
		if o != c && Issued(o, c) {
			return true
		}
	}
	return false
}

func issuerIn(c *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	for _, o := range certs {
		if o != c && Issued(c, o) {
			return o
		}
	}
	return nil
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, o := range certs {
		if o == c {
			return true
		}
	}
	return false
}

// Label names a certificate in messages: its CN, else its subject.
func Label(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	return c.Subject.String()
}
