package cucmsim

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// simAPI serves the /sim/ endpoints: a stand-in for the OS Administration
// pages (Certificate Management, SAML Single Sign-On) so that tests can
// play the operator on every release, and the phones' state.
func (c *Cluster) simAPI(n *node) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /sim/gui/csr", func(w http.ResponseWriter, r *http.Request) {
		c.guiCSR(n, w, r)
	})
	mux.HandleFunc("GET /sim/gui/csr", func(w http.ResponseWriter, r *http.Request) {
		c.guiGetCSR(n, w, r)
	})
	mux.HandleFunc("POST /sim/gui/upload", func(w http.ResponseWriter, r *http.Request) {
		c.guiUpload(n, w, r)
	})
	mux.HandleFunc("POST /sim/gui/sso", func(w http.ResponseWriter, r *http.Request) {
		c.guiSSO(w, r)
	})
	mux.HandleFunc("GET /sim/phones", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.Phones())
	})
	mux.HandleFunc("GET /sim/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, c.State())
	})
	return mux
}

// GUICSRRequest is the body of POST /sim/gui/csr, the fields of the
// Generate CSR page. A field the page does not have is refused, so that a
// misspelt one is not silently ignored.
type GUICSRRequest struct {
	Unit         string `json:"unit"`
	Distribution string `json:"distribution"` // this-server (default) or multi-server
	CommonName   string `json:"common_name,omitempty"`
	KeyType      string `json:"key_type,omitempty"` // RSA (default) or EC
	KeySize      int    `json:"key_size,omitempty"`
	Hash         string `json:"hash,omitempty"` // SHA256 (default), SHA384, SHA512
	// OtherDomains is the page's Other Domains field: DNS names added to
	// the SAN list after the ones it fills in. On 10.5.2 the CN is added
	// here, since the page leaves it out (CSCus47235).
	OtherDomains []string `json:"other_domains,omitempty"`
	// IncludeOU defaults to true before 14SU1 and false from it on.
	IncludeOU *bool `json:"include_ou,omitempty"`
}

// GUICSRResponse is the CSR the page generated and the nodes it lists
// for a multi-server CSR (the list the page shows).
type GUICSRResponse struct {
	Unit         string   `json:"unit"`
	Distribution string   `json:"distribution"`
	CSR          string   `json:"csr"`
	Nodes        []string `json:"nodes,omitempty"`
}

func (c *Cluster) guiCSR(n *node, w http.ResponseWriter, r *http.Request) {
	var req GUICSRRequest
	if !readPageJSON(w, r, &req) {
		return
	}
	out, err := c.generateGUICSR(n, req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// GenerateCSR does what POST /sim/gui/csr on a node does, without HTTP:
// it is not audited and works while Tomcat is down. Tests use it to play
// the operator.
func (c *Cluster) GenerateCSR(node string, req GUICSRRequest) (GUICSRResponse, error) {
	n := c.node(node)
	if n == nil {
		return GUICSRResponse{}, fmt.Errorf("generate CSR on %s: no such node", node)
	}
	return c.generateGUICSR(n, req)
}

func (c *Cluster) generateGUICSR(n *node, req GUICSRRequest) (GUICSRResponse, error) {
	withOU := !c.rel.asksOU()
	if req.IncludeOU != nil {
		withOU = *req.IncludeOU
	}
	p, err := c.generateCSR(n, csrRequest{
		unit: req.Unit, distribution: req.Distribution, commonName: req.CommonName,
		keyType: req.KeyType, keySize: req.KeySize, hash: req.Hash,
		altNames: req.OtherDomains, includeOU: withOU,
	})
	if err != nil {
		return GUICSRResponse{}, err
	}
	return csrResponse(p), nil
}

func csrResponse(p *pendingCSR) GUICSRResponse {
	dist := distThisServer
	if p.multi {
		dist = distMultiServer
	}
	return GUICSRResponse{Unit: p.unit, Distribution: dist, CSR: p.pem, Nodes: p.nodes}
}

// guiGetCSR is the Download CSR page: GET /sim/gui/csr?unit=tomcat.
func (c *Cluster) guiGetCSR(n *node, w http.ResponseWriter, r *http.Request) {
	unit, ok := canonicalUnit(ownUnits(n.cucm), r.URL.Query().Get("unit"))
	c.mu.Lock()
	p := n.pending[unit]
	c.mu.Unlock()
	if !ok || p == nil {
		writeError(w, http.StatusNotFound, "no CSR for unit "+r.URL.Query().Get("unit"))
		return
	}
	writeJSON(w, http.StatusOK, csrResponse(p))
}

// GUIUpload is the body of POST /sim/gui/upload, the Upload
// Certificate/Certificate chain page: Unit is an identity unit such as
// tomcat, or a trust store such as tomcat-trust; Certificate is PEM, leaf
// first.
type GUIUpload struct {
	Unit        string `json:"unit"`
	Certificate string `json:"certificate"`
	Description string `json:"description,omitempty"`
}

func (c *Cluster) guiUpload(n *node, w http.ResponseWriter, r *http.Request) {
	var req GUIUpload
	if !readPageJSON(w, r, &req) {
		return
	}
	out, err := c.upload(n, req)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// Upload does what POST /sim/gui/upload on a node does, without HTTP: it
// is not audited and works while Tomcat is down. Tests use it to play the
// operator.
func (c *Cluster) Upload(node string, req GUIUpload) (UploadResponse, error) {
	n := c.node(node)
	if n == nil {
		return UploadResponse{}, fmt.Errorf("upload on %s: no such node", node)
	}
	return c.upload(n, req)
}

// upload imports an identity certificate, or a trust certificate when the
// unit names a trust store.
func (c *Cluster) upload(n *node, req GUIUpload) (UploadResponse, error) {
	certs, err := parseCerts([]byte(req.Certificate))
	if err != nil {
		return UploadResponse{}, err
	}
	if strings.HasSuffix(strings.ToLower(req.Unit), "-trust") {
		store, err := c.importTrust(n, req.Unit, certs, req.Description)
		if err != nil {
			return UploadResponse{}, err
		}
		return UploadResponse{Message: "Certificate uploaded to " + store}, nil
	}
	nodes, err := c.importIdentity(n, req.Unit, certs)
	if err != nil {
		return UploadResponse{}, err
	}
	return uploadDone(req.Unit, nodes), nil
}

// GUISSO is the body of POST /sim/gui/sso: enabling SAML SSO as the
// operator does on the SAML Single Sign-On page (metadata re-exported and
// the test passed), or disabling it.
type GUISSO struct {
	Enabled bool `json:"enabled"`
}

func (c *Cluster) guiSSO(w http.ResponseWriter, r *http.Request) {
	var req GUISSO
	if !readPageJSON(w, r, &req) {
		return
	}
	c.mu.Lock()
	c.sso = ssoState{enabled: req.Enabled, since: c.now()}
	c.mu.Unlock()
	writeJSON(w, http.StatusOK, c.SSO())
}

// State is the simulator state /sim/state shows.
type State struct {
	Release      string     `json:"release"`
	SecurityMode int        `json:"security_mode"`
	SSO          SSOState   `json:"sso"`
	Phones       PhoneState `json:"phones"`
	CTLUpdated   *time.Time `json:"ctl_updated,omitempty"`
}

// State returns the cluster-wide simulated state.
func (c *Cluster) State() State {
	st := State{Release: c.rel.String(), SecurityMode: c.cfg.SecurityMode,
		SSO: c.SSO(), Phones: c.Phones()}
	c.mu.Lock()
	if c.ctl != nil {
		t := c.ctl.updated
		st.CTLUpdated = &t
	}
	c.mu.Unlock()
	return st
}
