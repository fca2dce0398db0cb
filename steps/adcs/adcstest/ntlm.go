package adcstest

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //nolint:staticcheck // NTLM is defined on MD4
)

// The NTLM message types (MS-NLMP 2.2.1).
const (
	ntlmNegotiate    = 1
	ntlmChallenge    = 2
	ntlmAuthenticate = 3
)

var ntlmSignature = []byte("NTLMSSP\x00")

// ntlmType returns the message type of an NTLM token, 0 when it is none.
func ntlmType(msg []byte) uint32 {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return 0
	}
	return binary.LittleEndian.Uint32(msg[8:12])
}

// challengeMessage builds a CHALLENGE for serverChallenge: Unicode,
// NTLM, extended session security, with target info naming the domain.
func challengeMessage(serverChallenge []byte, domain string) []byte {
	name := utf16le(strings.ToUpper(domain))
	info := avPair(2, name)                // MsvAvNbDomainName
	info = append(info, avPair(0, nil)...) // MsvAvEOL
	const flags = 0x00000001 | 0x00000004 | 0x00000200 | 0x00080000 | 0x00800000
	head := make([]byte, 48)
	copy(head, ntlmSignature)
	binary.LittleEndian.PutUint32(head[8:], ntlmChallenge)
	putField(head[12:], len(name), 48)
	binary.LittleEndian.PutUint32(head[20:], flags)
	copy(head[24:32], serverChallenge)
	putField(head[40:], len(info), 48+len(name))
	return append(append(head, name...), info...)
}

func avPair(id uint16, value []byte) []byte {
	b := make([]byte, 4, 4+len(value))
	binary.LittleEndian.PutUint16(b, id)
	binary.LittleEndian.PutUint16(b[2:], uint16(len(value)))
	return append(b, value...)
}

func putField(b []byte, length, offset int) {
	binary.LittleEndian.PutUint16(b, uint16(length))
	binary.LittleEndian.PutUint16(b[2:], uint16(length))
	binary.LittleEndian.PutUint32(b[4:], uint32(offset))
}

// authenticateFields are what the server needs of an AUTHENTICATE.
type authenticateFields struct {
	user, domain string
	ntResponse   []byte
}

func parseAuthenticate(msg []byte) (authenticateFields, error) {
	var f authenticateFields
	if ntlmType(msg) != ntlmAuthenticate || len(msg) < 64 {
		return f, errors.New("not an NTLM AUTHENTICATE message")
	}
	nt, err1 := field(msg, 20)
	domain, err2 := field(msg, 28)
	user, err3 := field(msg, 36)
	if err := errors.Join(err1, err2, err3); err != nil {
		return f, err
	}
	f.ntResponse, f.domain, f.user = nt, fromUTF16(domain), fromUTF16(user)
	return f, nil
}

func field(msg []byte, at int) ([]byte, error) {
	n := int(binary.LittleEndian.Uint16(msg[at:]))
	off := int(binary.LittleEndian.Uint32(msg[at+4:]))
	if off < 0 || off+n > len(msg) {
		return nil, errors.New("NTLM field out of range")
	}
	return msg[off : off+n], nil
}

// verifyNTLMv2 checks an NTLMv2 response against the password (MS-NLMP
// 3.3.2): NTProofStr = HMAC-MD5(NTOWFv2, serverChallenge || blob).
func verifyNTLMv2(f authenticateFields, password string, serverChallenge []byte) bool {
	if len(f.ntResponse) < 16+28 {
		return false // NTLMv1, or cut short
	}
	h := md4.New()
	h.Write(utf16le(password))
	ntowf := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(f.user)+f.domain))
	proof := hmacMD5(ntowf, serverChallenge, f.ntResponse[16:])
	return hmac.Equal(proof, f.ntResponse[:16])
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	m := hmac.New(md5.New, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return b
}

func fromUTF16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func newChallenge() []byte {
	b := make([]byte, 8)
	rand.Read(b)
	return b
}

func decodeToken(header, scheme string) []byte {
	tok, ok := strings.CutPrefix(header, scheme+" ")
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok))
	if err != nil {
		return nil
	}
	return b
}
