package adcstest

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	x509inspect "github.com/ucops/runbook/steps/x509"
)

// authenticate checks every request's credentials before next sees it.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ok bool
		if s.cfg.Basic {
			ok = s.basic(w, r)
		} else {
			ok = s.ntlm(w, r)
		}
		if ok {
			next.ServeHTTP(w, r)
		}
	})
}

func (s *Server) basic(w http.ResponseWriter, r *http.Request) bool {
	user, pass, given := r.BasicAuth()
	ok := given && user == s.cfg.Username && pass == s.cfg.Password
	s.log("basic " + user + verdict(ok))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="ca.lab.example.com"`)
		deny(w)
	}
	return ok
}

// ntlm runs the server side of NTLM over HTTP: NEGOTIATE gets a
// CHALLENGE, AUTHENTICATE is checked against the challenge sent on the
// same connection.
func (s *Server) ntlm(w http.ResponseWriter, r *http.Request) bool {
	msg := decodeToken(r.Header.Get("Authorization"), "NTLM")
	switch ntlmType(msg) {
	case ntlmNegotiate:
		ch := newChallenge()
		s.mu.Lock()
		s.challenges[r.RemoteAddr] = ch
		s.mu.Unlock()
		domain, _ := splitUser(s.cfg.Username)
		token := base64.StdEncoding.EncodeToString(challengeMessage(ch, domain))
		w.Header().Set("WWW-Authenticate", "NTLM "+token)
		w.WriteHeader(http.StatusUnauthorized)
		return false
	case ntlmAuthenticate:
		if s.checkNTLM(r, msg) {
			return true
		}
	default:
		s.log("none")
	}
	w.Header().Set("WWW-Authenticate", "NTLM")
	deny(w)
	return false
}

// deny answers 401 with IIS's wording.
func deny(w http.ResponseWriter) {
	http.Error(w, "401 - Unauthorized: Access is denied due to invalid credentials.",
		http.StatusUnauthorized)
}

func (s *Server) checkNTLM(r *http.Request, msg []byte) bool {
	s.mu.Lock()
	ch := s.challenges[r.RemoteAddr]
	delete(s.challenges, r.RemoteAddr)
	s.mu.Unlock()
	f, err := parseAuthenticate(msg)
	wantDomain, wantUser := splitUser(s.cfg.Username)
	ok := err == nil && ch != nil && strings.EqualFold(f.user, wantUser) &&
		strings.EqualFold(f.domain, wantDomain) && verifyNTLMv2(f, s.cfg.Password, ch)
	who := f.domain + `\` + f.user
	s.log("ntlm " + who + verdict(ok))
	return ok
}

func verdict(ok bool) string {
	if ok {
		return " ok"
	}
	return " refused"
}

func (s *Server) log(entry string) {
	s.mu.Lock()
	s.authLog = append(s.authLog, entry)
	s.mu.Unlock()
}

// submit is certfnsh.asp: Mode=newreq, CertRequest, CertAttrib,
// TargetStoreFlags, SaveCert.
func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("Mode") != "newreq" {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("TargetStoreFlags") != "0" || r.PostForm.Get("SaveCert") != "yes" {
		http.Error(w, "TargetStoreFlags=0 and SaveCert=yes expected", http.StatusBadRequest)
		return
	}
	template := templateOf(r.PostForm.Get("CertAttrib"))
	req, err := s.newRequest(r.PostForm.Get("CertRequest"), template)
	if err != nil {
		writePage(w, errorPage(err.Error()))
		return
	}
	writePage(w, dispositionPage(req))
}

func templateOf(attrib string) string {
	for _, line := range strings.Split(strings.ReplaceAll(attrib, "\r", "\n"), "\n") {
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "CertificateTemplate:"); ok {
			return strings.TrimSpace(name)
		}
	}
	return ""
}

func (s *Server) newRequest(certReq, template string) (*Request, error) {
	der := []byte(certReq)
	if block, _ := pem.Decode(der); block != nil {
		der = block.Bytes
	} else if b, err := base64.StdEncoding.DecodeString(squeeze(certReq)); err == nil {
		der = b
	}
	csr, err := x509inspect.CSR(der)
	if err != nil {
		return nil, errors.New("Error Parsing Request  ASN1 bad tag value met. " +
			"0x8009310b (ASN: 267 CRYPT_E_ASN1_BADTAG)")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &Request{ID: len(s.requests) + 1, Template: template, CSR: csr}
	s.requests = append(s.requests, req)
	t, known := s.cfg.Templates[template]
	switch {
	case template == "":
		req.State, req.Message = "denied", "Denied by Policy Module  0x80094801, "+
			"The request does not contain a certificate template extension "+
			"or the CertificateTemplate request attribute."
	case !known:
		req.State, req.Message = "denied", "Denied by Policy Module  0x80094800, The requested "+
			"certificate template is not supported by this CA."
	case t.Pending:
		req.State, req.Message = "pending", "Taken Under Submission"
	default:
		return req, s.issue(req)
	}
	return req, nil
}

// certnew serves certnew.cer?ReqID=N&Enc=b64, and the CA certificate for
// ReqID=CACert&Renewal=K.
func (s *Server) certnew(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("ReqID") == "CACert" {
		if q.Get("Renewal") != strconv.Itoa(s.cfg.Renewals) {
			http.Error(w, "no such renewal", http.StatusNotFound)
			return
		}
		writeCert(w, pemCert(s.ca))
		return
	}
	req, ok := s.lookup(w, q.Get("ReqID"))
	if !ok {
		return
	}
	if req.State != "issued" {
		writePage(w, dispositionPage(&req))
		return
	}
	writeCert(w, pemCert(req.Cert))
}

// chain serves certnew.p7b?ReqID=N&Enc=b64: PKCS#7 in CERTIFICATE armour,
// as AD CS does, with the certificates not in chain order.
func (s *Server) chain(w http.ResponseWriter, r *http.Request) {
	req, ok := s.lookup(w, r.URL.Query().Get("ReqID"))
	if !ok {
		return
	}
	if req.State != "issued" {
		writePage(w, dispositionPage(&req))
		return
	}
	der, err := x509inspect.MarshalPKCS7(s.root, req.Cert, s.ca)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-pkcs7-certificates")
	pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func (s *Server) lookup(w http.ResponseWriter, id string) (Request, bool) {
	n, _ := strconv.Atoi(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	req := s.request(n)
	if req == nil {
		writePage(w, errorPage("Cannot find the request: "+html.EscapeString(id)))
		return Request{}, false
	}
	return *req, true
}

// carc is certcarc.asp, which tells how often the CA certificate was
// renewed.
func (s *Server) carc(w http.ResponseWriter, r *http.Request) {
	writePage(w, fmt.Sprintf(carcPage, s.cfg.Renewals))
}

func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }

func writeCert(w http.ResponseWriter, pemText string) {
	w.Header().Set("Content-Type", "application/pkix-cert")
	fmt.Fprint(w, pemText)
}

func writePage(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, body)
}
