package cucmsim

import (
	"bufio"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// endpoints builds a node's listeners: SSH, the Tomcat HTTPS port, the API
// port, and the optional CallManager and XMPP TLS ports.
func (c *Cluster) endpoints(n *node, p Ports) []*endpoint {
	eps := []*endpoint{
		{name: "ssh", host: n.address, port: p.SSH, serve: n.serveSSH},
		c.tlsEndpoint(n, "https", p.HTTPS, "tomcat", svcTomcat, c.webHandler(n)),
		c.tlsEndpoint(n, "api", p.API, "tomcat", svcTomcat, c.apiHandler(n)),
	}
	if n.cucm && p.CallManager != nil {
		eps = append(eps, c.tlsEndpoint(n, "callmanager", *p.CallManager,
			"CallManager", svcCallManager, nil))
	}
	if !n.cucm && p.XMPP != nil {
		eps = append(eps, c.tlsEndpoint(n, "xmpp", *p.XMPP, "cup-xmpp", svcXCPRouter, nil))
	}
	return eps
}

// tlsEndpoint is a TLS port serving the active certificate of unit while
// service runs; with a handler it speaks HTTP, without it only does the
// handshake.
func (c *Cluster) tlsEndpoint(n *node, name string, port int, unit, service string,
	h http.Handler) *endpoint {
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			c.mu.Lock()
			defer c.mu.Unlock()
			return n.active[unit].tls, nil
		},
	}
	e := &endpoint{name: name, host: n.address, port: port, service: service,
		open: n.gate(service)}
	e.serve = func(ln net.Listener) { serveHandshakes(tls.NewListener(ln, cfg)) }
	if h != nil {
		e.serve = func(ln net.Listener) {
			srv := &http.Server{
				Handler: h, ReadHeaderTimeout: 30 * time.Second,
				ErrorLog: log.New(io.Discard, "", 0),
			}
			srv.Serve(tls.NewListener(ln, cfg))
		}
	}
	return e
}

// serveHandshakes completes TLS handshakes and then waits for the client
// to hang up, for ports whose protocol the simulator does not speak.
func serveHandshakes(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(30 * time.Second))
			if conn.(*tls.Conn).Handshake() == nil {
				io.Copy(io.Discard, conn)
			}
		}()
	}
}

// webHandler serves the Tomcat web pages, and the REST API on releases
// that have it, on the HTTPS port.
func (c *Cluster) webHandler(n *node) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", c.audited(n, ChannelHTTPS, http.HandlerFunc(n.page)))
	if c.rel.hasRESTAPI() {
		mux.Handle(apiPrefix, c.audited(n, ChannelAPI, c.basicAuth(c.certAPI(n))))
	}
	return mux
}

// apiHandler serves the REST API (release 14 and later) and the /sim/
// endpoints on the API port.
func (c *Cluster) apiHandler(n *node) http.Handler {
	mux := http.NewServeMux()
	if c.rel.hasRESTAPI() {
		mux.Handle(apiPrefix, c.audited(n, ChannelAPI, c.basicAuth(c.certAPI(n))))
	}
	mux.Handle("/sim/", c.audited(n, ChannelGUI, c.basicAuth(c.simAPI(n))))
	return mux
}

// page serves the administration pages' landing HTML.
func (n *node) page(w http.ResponseWriter, r *http.Request) {
	title := "Cisco Unified CM Administration"
	home := "/ccmadmin"
	if !n.cucm {
		title, home = "Cisco Unified CM IM and Presence Administration", "/cupadmin"
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case home:
	case "/ccmadmin":
		http.Redirect(w, r, home+"/", http.StatusFound)
		return
	case "":
		fmt.Fprintf(w, "<html><body><a href=\"%s/\">%s</a></body></html>\n", home, title)
		return
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>\n",
		title, title, n.fqdn())
}

// basicAuth lets through requests with the OS administrator's credentials.
func (c *Cluster) basicAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		admin := c.cfg.Admin
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(admin.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(admin.Password)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="Cisco"`)
			writeError(w, http.StatusUnauthorized, "authentication required")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// audited records each request and applies the faults aimed at it: drop
// closes the connection, fail answers the fault's status. The entry is
// recorded when the answer's header is written, before the client can
// see it, so that the log keeps the order in which calls were answered.
func (c *Cluster) audited(n *node, channel string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !c.hold() {
			panic(http.ErrAbortHandler) // closing: drop the connection
		}
		defer c.wg.Done()
		call := r.Method + " " + r.URL.Path
		entry := AuditEntry{Node: n.name, Channel: channel, Command: call}
		if f := c.fire(n, event{"api", call}); f != nil {
			c.applyFault(w, f, entry)
			return
		}
		rec := &recorder{ResponseWriter: w, record: func(status int, detail string) {
			entry.Status, entry.Result, entry.Detail = status, ResultOK, detail
			if status >= 400 {
				entry.Result = ResultFailed
			}
			c.record(entry)
		}}
		h.ServeHTTP(rec, r)
		rec.WriteHeader(http.StatusOK) // no-op once written
	})
}

// applyFault answers a request the way a fired fault says, and records
// it.
func (c *Cluster) applyFault(w http.ResponseWriter, f *Fault, e AuditEntry) {
	if f.Action == FaultDrop {
		e.Result, e.Detail = ResultDropped, "drop fault"
		c.record(e)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				abort(conn)
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	e.Result, e.Status, e.Detail = ResultFailed, f.Status, "fail fault"
	c.record(e)
	writeError(w, f.Status, "simulated failure")
}

// recorder reports the status and error message of an answer once, when
// its header is written.
type recorder struct {
	http.ResponseWriter
	record  func(status int, detail string)
	detail  string
	written bool
}

// WriteHeader reports the answer, then writes the header.
func (r *recorder) WriteHeader(status int) {
	if r.written {
		return
	}
	r.written = true
	r.record(status, r.detail)
	r.ResponseWriter.WriteHeader(status)
}

// Write writes the header first if the handler did not.
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.ResponseWriter.Write(b)
}

// Hijack lets a fault close the connection.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return r.ResponseWriter.(http.Hijacker).Hijack()
}

// APIError is the body of every error answer of the REST API and the
// /sim/ endpoints, with the HTTP status.
type APIError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// writeError answers an error as JSON.
func writeError(w http.ResponseWriter, status int, msg string) {
	if rec, ok := w.(*recorder); ok {
		rec.detail = msg
	}
	writeJSON(w, status, APIError{status, msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
