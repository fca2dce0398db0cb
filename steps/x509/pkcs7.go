package x509inspect

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
)

var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
)

// contentInfo is PKCS#7's outer wrapper (RFC 2315 section 7).
type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

// TODO(pkcs7-ber): BER with indefinite lengths, which some Windows tools
// write, is refused; AD CS's certnew.p7b and OpenSSL's output are DER.

// ParsePKCS7 returns the certificates of a DER PKCS#7 SignedData
// structure, such as the certnew.p7b chain AD CS serves, in the order they
// are stored. Signatures and CRLs are ignored: a "certs-only" bundle has
// none that matter.
func ParsePKCS7(der []byte) ([]*x509.Certificate, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("pkcs7: %w", err)
	}
	if len(rest) > 0 {
		return nil, errors.New("pkcs7: trailing data after the content")
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("pkcs7: content type %s is not signed data", ci.ContentType)
	}
	raw, err := signedDataCerts(ci.Content.Bytes)
	if err != nil {
		return nil, err
	}
	certs, err := x509.ParseCertificates(raw)
	if err != nil {
		return nil, fmt.Errorf("pkcs7: %w", err)
	}
	return certs, nil
}

// signedDataCerts walks SignedData (version, digestAlgorithms,
// contentInfo, [0] certificates, ...) and returns the concatenated DER of
// the certificates field, or nil when there is none.
func signedDataCerts(der []byte) ([]byte, error) {
	var sd asn1.RawValue
	if _, err := asn1.Unmarshal(der, &sd); err != nil {
		return nil, fmt.Errorf("pkcs7: signed data: %w", err)
	}
	if sd.Class != asn1.ClassUniversal || sd.Tag != asn1.TagSequence {
		return nil, errors.New("pkcs7: signed data is not a sequence")
	}
	rest := sd.Bytes
	for i := 0; len(rest) > 0; i++ {
		var field asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &field); err != nil {
			return nil, fmt.Errorf("pkcs7: signed data field %d: %w", i+1, err)
		}
		if i >= 3 && field.Class == asn1.ClassContextSpecific && field.Tag == 0 {
			return field.Bytes, nil
		}
	}
	return nil, errors.New("pkcs7: no certificates in the signed data")
}

// certsOnly is a SignedData with certificates and nothing signed.
type certsOnly struct {
	Version          int
	DigestAlgorithms []asn1.RawValue `asn1:"set"`
	ContentInfo      struct{ ContentType asn1.ObjectIdentifier }
	Certificates     asn1.RawValue
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

// MarshalPKCS7 returns the DER of a "certs-only" PKCS#7 SignedData holding
// certs, the form of a .p7b chain file.
func MarshalPKCS7(certs ...*x509.Certificate) ([]byte, error) {
	var raw []byte
	for _, c := range certs {
		raw = append(raw, c.Raw...)
	}
	sd := certsOnly{Version: 1, DigestAlgorithms: []asn1.RawValue{}, SignerInfos: []asn1.RawValue{}}
	sd.ContentInfo.ContentType = oidData
	sd.Certificates = tagged0(raw)
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, fmt.Errorf("pkcs7: %w", err)
	}
	return asn1.Marshal(struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue
	}{oidSignedData, tagged0(inner)})
}

// tagged0 wraps content in a constructed [0] tag.
func tagged0(content []byte) asn1.RawValue {
	return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: content}
}
