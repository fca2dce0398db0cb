package cucmsim

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// apiPrefix is where the platform certificate REST API lives.
const apiPrefix = "/platformcom/api/v1/certmgr/config/"

// certAPI serves the certificate REST API of release 14 and later. It
// never restarts services: an uploaded certificate becomes active when
// the operator restarts the unit's service.
func (c *Cluster) certAPI(n *node) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+apiPrefix+"csr", func(w http.ResponseWriter, r *http.Request) {
		c.apiCSR(n, w, r)
	})
	mux.HandleFunc("POST "+apiPrefix+"identity/certificates", func(w http.ResponseWriter, r *http.Request) {
		c.apiIdentityUpload(n, w, r)
	})
	mux.HandleFunc("POST "+apiPrefix+"trust/certificates", func(w http.ResponseWriter, r *http.Request) {
		c.apiTrustUpload(n, w, r)
	})
	mux.HandleFunc("GET "+apiPrefix+"identity/certificate", func(w http.ResponseWriter, r *http.Request) {
		c.apiIdentity(n, w, r)
	})
	mux.HandleFunc("GET "+apiPrefix+"trust/certificate", func(w http.ResponseWriter, r *http.Request) {
		c.apiTrust(n, w, r)
	})
	mux.HandleFunc("GET "+apiPrefix+"snapshot/server", func(w http.ResponseWriter, r *http.Request) {
		c.apiSnapshot(n, w)
	})
	return mux
}

// CSRRequest is the body of POST csr.
type CSRRequest struct {
	Service       string   `json:"service"`
	Distribution  string   `json:"distribution"` // this-server or (ASSUMPTION) multi-server
	CommonName    string   `json:"commonName,omitempty"`
	KeyType       string   `json:"keyType,omitempty"`       // RSA or EC
	KeyLength     int      `json:"keyLength,omitempty"`     // 2048...
	HashAlgorithm string   `json:"hashAlgorithm,omitempty"` // SHA256...
	AltNames      []string `json:"altNames,omitempty"`
}

// CSRResponse is the answer to POST csr.
type CSRResponse struct {
	CSR string `json:"csr"`
}

func (c *Cluster) apiCSR(n *node, w http.ResponseWriter, r *http.Request) {
	var req CSRRequest
	if !readJSON(w, r, &req) {
		return
	}
	p, err := c.generateCSR(n, csrRequest{
		unit: req.Service, distribution: req.Distribution, commonName: req.CommonName,
		keyType: req.KeyType, keySize: req.KeyLength, hash: req.HashAlgorithm,
		altNames: req.AltNames, includeOU: !c.rel.asksOU(),
	})
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, CSRResponse{CSR: p.pem})
}

// IdentityUpload is the body of POST identity/certificates: the signed
// certificate first, then (optionally) its chain.
type IdentityUpload struct {
	Service      string   `json:"service"`
	Certificates []string `json:"certificates"`
}

// UploadResponse answers an upload. Nodes lists the FQDNs of the nodes an
// identity certificate was installed on (trust stores are cluster-wide).
type UploadResponse struct {
	Message string   `json:"message"`
	Nodes   []string `json:"nodes,omitempty"`
}

func (c *Cluster) apiIdentityUpload(n *node, w http.ResponseWriter, r *http.Request) {
	var req IdentityUpload
	if !readJSON(w, r, &req) {
		return
	}
	certs, err := parseCerts([]byte(strings.Join(req.Certificates, "\n")))
	var nodes []string
	if err == nil {
		nodes, err = c.importIdentity(n, req.Service, certs)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, uploadDone(req.Service, nodes))
}

func uploadDone(unit string, nodes []string) UploadResponse {
	return UploadResponse{
		Message: fmt.Sprintf("Certificate uploaded for %s. Restart the services related to %s "+
			"on %s for it to become active.", unit, unit, strings.Join(nodes, ", ")),
		Nodes: nodes,
	}
}

// TrustUpload is the body of POST trust/certificates. Service lists trust
// stores by unit ("tomcat" or "tomcat-trust").
type TrustUpload struct {
	Service      []string `json:"service"`
	Certificates []string `json:"certificates"`
	Description  string   `json:"description,omitempty"`
}

// TrustUploadResponse lists the trust store files written.
type TrustUploadResponse struct {
	Imported []string `json:"imported"` // store/file, e.g. tomcat-trust/Lab_Root_CA.pem
}

func (c *Cluster) apiTrustUpload(n *node, w http.ResponseWriter, r *http.Request) {
	var req TrustUpload
	if !readJSON(w, r, &req) {
		return
	}
	certs, err := parseCerts([]byte(strings.Join(req.Certificates, "\n")))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	var out TrustUploadResponse
	for _, unit := range req.Service {
		store, err := c.importTrust(n, unit, certs, req.Description)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		for _, cert := range certs {
			out.Imported = append(out.Imported, store+"/"+trustFile(cert))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// CertInfo describes one certificate in API answers.
type CertInfo struct {
	Service      string    `json:"service"` // unit or trust store
	Name         string    `json:"name"`    // file name
	Type         string    `json:"type"`    // self-signed, ca-signed or trust
	MultiServer  bool      `json:"multiServer,omitempty"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	SerialNumber string    `json:"serialNumber"`
	NotAfter     time.Time `json:"notAfter"`
	SANs         []string  `json:"sans,omitempty"`
	Description  string    `json:"description,omitempty"`
	Certificate  string    `json:"certificate"` // PEM
}

func certInfo(service, name string, cert *x509.Certificate) CertInfo {
	kind := "ca-signed"
	if isSelfSigned(cert) {
		kind = "self-signed"
	}
	return CertInfo{
		Service: service, Name: name, Type: kind,
		Subject: cert.Subject.String(), Issuer: cert.Issuer.String(),
		SerialNumber: strings.ToUpper(cert.SerialNumber.Text(16)),
		NotAfter:     cert.NotAfter, SANs: cert.DNSNames, Certificate: pemCert(cert),
	}
}

func identityInfo(id *identity) CertInfo {
	info := certInfo(id.unit, id.file, id.cert)
	info.MultiServer = id.multi
	return info
}

func trustInfo(store string, e *trustEntry) CertInfo {
	info := certInfo(store, e.file, e.cert)
	info.Type, info.Description = "trust", e.desc
	return info
}

// apiIdentity answers GET identity/certificate?service=UNIT with the
// installed certificate.
func (c *Cluster) apiIdentity(n *node, w http.ResponseWriter, r *http.Request) {
	unit, ok := canonicalUnit(ownUnits(n.cucm), r.URL.Query().Get("service"))
	if !ok {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown service %q", r.URL.Query().Get("service")))
		return
	}
	c.mu.Lock()
	info := identityInfo(n.installed[unit])
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}

// TrustList answers GET trust/certificate.
type TrustList struct {
	Service      string     `json:"service"`
	Certificates []CertInfo `json:"certificates"`
}

func (c *Cluster) apiTrust(n *node, w http.ResponseWriter, r *http.Request) {
	store, err := trustStoreOf(n, r.URL.Query().Get("service"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	out := TrustList{Service: store, Certificates: []CertInfo{}}
	c.mu.Lock()
	for _, e := range c.trust[store] {
		out.Certificates = append(out.Certificates, trustInfo(store, e))
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// Snapshot answers GET snapshot/server: every certificate of the node.
// Identity lists the installed certificates, then the leftovers that are
// still listed (CSCur97909).
type Snapshot struct {
	Node     string     `json:"node"`
	Identity []CertInfo `json:"identity"`
	Trust    []CertInfo `json:"trust"`
}

func (c *Cluster) apiSnapshot(n *node, w http.ResponseWriter) {
	out := Snapshot{Node: n.fqdn(), Identity: []CertInfo{}, Trust: []CertInfo{}}
	c.mu.Lock()
	for _, unit := range ownUnits(n.cucm) {
		out.Identity = append(out.Identity, identityInfo(n.installed[unit]))
		for _, old := range n.leftovers[unit] {
			out.Identity = append(out.Identity, identityInfo(old))
		}
	}
	for _, store := range trustStores(n.cucm) {
		for _, e := range c.trust[store] {
			out.Trust = append(out.Trust, trustInfo(store, e))
		}
	}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// readJSON decodes a request body of at most 1 MiB, answering 400 when it
// cannot. Unknown fields are ignored, as a REST API does.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	return decodeBody(w, json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)), v)
}

// readPageJSON is readJSON for the /sim/ stand-ins of GUI pages: a field
// the page does not have is refused, so that a misspelt one (alt_names
// for other_domains) is not silently ignored.
func readPageJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	return decodeBody(w, dec, v)
}

func decodeBody(w http.ResponseWriter, dec *json.Decoder, v any) bool {
	if err := dec.Decode(v); err != nil {
		var syntax *json.SyntaxError
		msg := "invalid JSON body: " + err.Error()
		if errors.As(err, &syntax) {
			msg = fmt.Sprintf("invalid JSON body at byte %d: %v", syntax.Offset, err)
		}
		writeError(w, http.StatusBadRequest, msg)
		return false
	}
	return true
}
