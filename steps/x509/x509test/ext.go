package x509test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

// ekuExtension builds the extended key usage extension a CSR requests.
func ekuExtension(t testing.TB, eku []x509.ExtKeyUsage) pkix.Extension {
	t.Helper()
	var oids []asn1.ObjectIdentifier
	for _, u := range eku {
		oid, ok := ekuOIDs[u]
		if !ok {
			t.Fatalf("x509test: no OID for extended key usage %d", u)
		}
		oids = append(oids, oid)
	}
	val, err := asn1.Marshal(oids)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Value: val}
}
