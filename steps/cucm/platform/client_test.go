package platform

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// fakeAPI is a small certificate API on a real TLS listener.
func fakeAPI(t *testing.T) (*httptest.Server, *[]string) {
	var calls []string
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Prefix+"csr", func(w http.ResponseWriter, r *http.Request) {
		var req CSRRequest
		json.NewDecoder(r.Body).Decode(&req)
		calls = append(calls, "csr "+req.Service+" "+req.Distribution)
		if req.Service == "bogus" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"status":400,"message":"unknown certificate unit \"bogus\""}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"csr": "-----BEGIN CERTIFICATE REQUEST-----"})
	})
	mux.HandleFunc("POST "+Prefix+"identity/certificates", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Service      string
			Certificates []string
		}
		json.NewDecoder(r.Body).Decode(&req)
		calls = append(calls, "identity "+req.Service+" "+strings.Join(req.Certificates, ","))
		w.Write([]byte(`{"message":"Certificate uploaded","nodes":["a.example.com","b.example.com"]}`))
	})
	mux.HandleFunc("POST "+Prefix+"trust/certificates", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Service      []string
			Certificates []string
			Description  string
		}
		json.NewDecoder(r.Body).Decode(&req)
		calls = append(calls, "trust "+strings.Join(req.Service, "+")+" "+req.Description)
		w.Write([]byte(`{"imported":["tomcat-trust/Root.pem"]}`))
	})
	mux.HandleFunc("GET "+Prefix+"trust/certificate", func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, "list trust "+r.URL.Query().Get("service"))
		w.Write([]byte(`{"service":"tomcat-trust","certificates":[{"name":"Root.pem","serialNumber":"0A"}]}`))
	})
	mux.HandleFunc("GET "+Prefix+"identity/certificate", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("Tomcat is restarting\nplease wait"))
	})
	mux.HandleFunc("GET "+Prefix+"snapshot/server", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"node":"a.example.com","identity":[{"service":"tomcat","multiServer":true}],"trust":[]}`))
	})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "admin" || p != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func client(srv *httptest.Server, password string) *Client {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return New(srv.URL, "admin", password, &tls.Config{RootCAs: pool})
}

func TestCalls(t *testing.T) {
	srv, calls := fakeAPI(t)
	c := client(srv, "s3cret")
	ctx := context.Background()

	csr, err := c.GenerateCSR(ctx, CSRRequest{Service: "tomcat", Distribution: "multi-server"})
	if err != nil || csr != "-----BEGIN CERTIFICATE REQUEST-----" {
		t.Errorf("GenerateCSR = %q, %v", csr, err)
	}
	up, err := c.UploadIdentity(ctx, "tomcat", []string{"LEAF", "CA"})
	want := Upload{Message: "Certificate uploaded", Nodes: []string{"a.example.com", "b.example.com"}}
	if err != nil || !reflect.DeepEqual(up, want) {
		t.Errorf("UploadIdentity = %+v, %v", up, err)
	}
	imported, err := c.UploadTrust(ctx, []string{"tomcat"}, []string{"ROOT"}, "lab root")
	if err != nil || !reflect.DeepEqual(imported, []string{"tomcat-trust/Root.pem"}) {
		t.Errorf("UploadTrust = %q, %v", imported, err)
	}
	trust, err := c.Trust(ctx, "tomcat")
	if err != nil || len(trust) != 1 || trust[0].SerialNumber != "0A" {
		t.Errorf("Trust = %+v, %v", trust, err)
	}
	snap, err := c.Snapshot(ctx)
	if err != nil || snap.Node != "a.example.com" || !snap.Identity[0].MultiServer {
		t.Errorf("Snapshot = %+v, %v", snap, err)
	}
	wantCalls := []string{"csr tomcat multi-server", "identity tomcat LEAF,CA",
		"trust tomcat lab root", "list trust tomcat"}
	if !reflect.DeepEqual(*calls, wantCalls) {
		t.Errorf("calls = %q, want %q", *calls, wantCalls)
	}
}

func TestErrors(t *testing.T) {
	srv, _ := fakeAPI(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	tests := []struct {
		name    string
		call    func() error
		status  int
		wantErr string
	}{
		{name: "json message", status: 400, call: func() error {
			_, err := client(srv, "s3cret").GenerateCSR(ctx, CSRRequest{Service: "bogus"})
			return err
		}, wantErr: `POST csr: 400 unknown certificate unit "bogus"`},
		{name: "text body", status: 503, call: func() error {
			_, err := client(srv, "s3cret").Identity(ctx, "tomcat")
			return err
		}, wantErr: "GET identity/certificate: 503 Tomcat is restarting"},
		{name: "wrong password", status: 401, call: func() error {
			_, err := client(srv, "wrong").Snapshot(ctx)
			return err
		}, wantErr: "GET snapshot/server: 401 Unauthorized"},
		{name: "untrusted certificate", call: func() error {
			_, err := New(srv.URL, "admin", "s3cret", &tls.Config{RootCAs: x509.NewCertPool()}).Snapshot(ctx)
			return err
		}, wantErr: `GET snapshot/server: Get "` + srv.URL + Prefix + `snapshot/server": ` +
			`tls: failed to verify certificate: x509: certificate signed by unknown authority`},
		{name: "cancelled", call: func() error {
			_, err := client(srv, "s3cret").Snapshot(cancelled)
			return err
		}, wantErr: `GET snapshot/server: Get "` + srv.URL + Prefix + `snapshot/server": context canceled`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
			var ae *Error
			if errors.As(err, &ae) != (tt.status != 0) || (ae != nil && ae.Status != tt.status) {
				t.Errorf("typed error %+v, want status %d", ae, tt.status)
			}
		})
	}
}
