package cucm

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ucops/runbook/engine/decode"
	"github.com/ucops/runbook/steps"
)

func TestActionContract(t *testing.T) {
	mutating := map[string]bool{"cucm.service.restart": true, "cucm.sso.disable": true,
		"cucm.ctl.update": true, "cucm.csr.generate": true, "cucm.cert.upload_trust": true,
		"cucm.cert.upload": true}
	if _, err := steps.NewRegistry(Actions()...); err != nil {
		t.Fatal(err)
	}
	for _, a := range Actions() {
		t.Run(a.Name(), func(t *testing.T) {
			if a.Mutates() != mutating[a.Name()] {
				t.Errorf("Mutates = %v", a.Mutates())
			}
			if _, ok := a.(steps.Checker); ok != a.Mutates() {
				t.Errorf("has a Check: %v, mutates: %v", ok, a.Mutates())
			}
			if a.Doc() == "" || !strings.HasSuffix(a.Doc(), ".") {
				t.Errorf("Doc = %q", a.Doc())
			}
			for _, f := range decode.Fields(reflect.TypeOf(a.NewInput()).Elem()) {
				if f.Doc == "" {
					t.Errorf("input field %s has no doc", f.Name)
				}
			}
			checkResult(t, a.ResultType())
		})
	}
}

// checkResult checks that every result field has a snake_case json name
// and a doc, through nested structs.
func checkResult(t *testing.T, rt reflect.Type) {
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name := f.Tag.Get("json")
		if name == "" || name != strings.ToLower(name) || f.Tag.Get("doc") == "" {
			t.Errorf("%s.%s: json %q, doc %q", rt.Name(), f.Name, name, f.Tag.Get("doc"))
		}
		et := f.Type
		for et.Kind() == reflect.Slice {
			et = et.Elem()
		}
		if et.Kind() == reflect.Struct && et != reflect.TypeFor[time.Time]() {
			checkResult(t, et)
		}
	}
}

func TestInputs(t *testing.T) {
	tests := []struct {
		action, with string
		want         any
		wantErr      string
	}{
		{action: "cucm.service.restart", with: "service: Cisco Tomcat",
			want: &RestartInput{Access: Access{Credential: "os_admin"}, Service: "Cisco Tomcat",
				Timeout: 15 * time.Minute, Poll: 5 * time.Second}},
		{action: "cucm.service.restart", with: "{service: Cisco Tomcat, timeout: 2m, credential: ops}",
			want: &RestartInput{Access: Access{Credential: "ops"}, Service: "Cisco Tomcat",
				Timeout: 2 * time.Minute, Poll: 5 * time.Second}},
		{action: "cucm.service.restart", with: "{servcie: Cisco Tomcat}",
			wantErr: "t.yaml:1:1: missing required field \"service\"\n" +
				"t.yaml:1:2: unknown field \"servcie\" (did you mean \"service\"?)"},
		{action: "cucm.service.restart", with: "{service: Cisco Tomcat, timeout: soon}",
			wantErr: `t.yaml:1:34: timeout: bad duration "soon": want a number and a unit, such as 30s, 5m or 1h30m`},
		{action: "cucm.csr.generate", with: "unit: tomcat",
			want: &CSRInput{Access: Access{Credential: "os_admin"}, Unit: "tomcat",
				Distribution: "this-server", KeyType: "RSA", KeySize: 2048, Hash: "SHA256",
				Method: "auto", APIDistribution: "multi-server"}},
		{action: "cucm.csr.generate", with: "{unit: tomcat, distribution: multi-sever, hash: SHA1}",
			wantErr: "t.yaml:1:30: distribution: \"multi-sever\" is not one of this-server, multi-server " +
				"(did you mean \"multi-server\"?)\n" +
				"t.yaml:1:49: hash: \"SHA1\" is not one of SHA256, SHA384, SHA512"},
		{action: "cucm.cert.upload_trust", with: "{unit: tomcat, certificates: [a.pem, b.pem]}",
			want: &TrustInput{Access: Access{Credential: "os_admin"}, Unit: "tomcat",
				Certificates: []string{"a.pem", "b.pem"}, Method: "cli"}},
		{action: "cucm.cert.upload", with: "{unit: tomcat, certificate: c.pem, api_ca: ca.pem}",
			want: &UploadInput{Access: Access{Credential: "os_admin"}, API: API{CA: "ca.pem"},
				Unit: "tomcat", Certificate: "c.pem", Method: "cli"}},
		{action: "cucm.service.status", with: "",
			want: &ServiceStatusInput{Access: Access{Credential: "os_admin"}}},
		{action: "cucm.cert.list", with: "store: all",
			wantErr: `t.yaml:1:8: store: "all" is not one of own, trust`},
	}
	for _, tt := range tests {
		t.Run(tt.action+" "+tt.with, func(t *testing.T) {
			got, err := decodeInput(lookup(t, tt.action), tt.with)
			if errText(err) != tt.wantErr {
				t.Fatalf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
			if tt.wantErr == "" && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
