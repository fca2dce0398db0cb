package parse

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// errText returns the error's text, "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestServices(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		want    []Service
		wantErr string
	}{
		{name: "documented", file: "services.txt", want: []Service{
			{Name: "System SSH", State: "STARTED", System: true},
			{Name: "Cluster Manager", State: "STARTED", System: true},
			{Name: "Service Manager", State: "STARTED", System: true},
			{Name: "Cisco CallManager", State: "STARTED"},
			{Name: "Cisco Tomcat", State: "STARTED"},
			{Name: "Cisco Tomcat Stats Servlet", State: "STOPPED", Reason: "Component is not running"},
			{Name: "Cisco DRF Master", State: "STOPPED", Reason: "Commanded Out of Service"},
			{Name: "Cisco WebDialer Web Service", State: "STOPPED", Reason: "Service Not Activated"},
			{Name: "Platform Administrative Web Service", State: "STARTED"},
		}},
		{name: "ansi, CRLF, padded columns, other prompt", file: "services-variant.txt", want: []Service{
			{Name: "System NTP", State: "STARTED", System: true},
			{Name: "Cisco Tomcat", State: "STARTING", System: true},
			{Name: "Cisco Certificate Change Notification", State: "STARTED"},
			{Name: "Platform Administrative Web Service", State: "STARTED", System: true},
			{Name: "Cisco AXL Web Service", State: "STOPPED", Reason: "Service Not Activated"},
		}},
		{name: "invalid command", file: "invalid.txt",
			wantErr: `the CLI said "Executed command unsuccessfully" (Invalid command)`},
		{name: "no services", file: "version.txt",
			wantErr: `no service states in the output, which began "admin:show version active | Active Master Version: 14.0.1.12900-161 | Active Version Installed Software Options:"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Services(fixture(t, tt.file))
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestFindService(t *testing.T) {
	list, err := Services(fixture(t, "services.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, query, want string
		found             bool
	}{
		{"exact", "Cisco Tomcat", "Cisco Tomcat", true},
		{"case and spaces", "cisco   TOMCAT", "Cisco Tomcat", true},
		{"platform without prefix", "Cisco Platform Administrative Web Service",
			"Platform Administrative Web Service", true},
		{"missing", "Cisco TFTP", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := Find(list, tt.query)
			if ok != tt.found || s.Name != tt.want {
				t.Errorf("Find(%q) = %q, %v; want %q, %v", tt.query, s.Name, ok, tt.want, tt.found)
			}
		})
	}
}

func TestServiceChange(t *testing.T) {
	tests := []struct {
		name, file, service string
		want                Change
		wantErr             string
	}{
		{name: "restart", file: "restart.txt", service: "Cisco Tomcat", want: Change{
			Service: "Cisco Tomcat", Final: "STARTED",
			States: []string{"STOPPING", "STOPPING", "STARTING", "STARTING", "STARTED"},
		}},
		{name: "older wording, still starting", file: "restart-old.txt", service: "Cisco Tomcat",
			want: Change{Service: "Cisco Tomcat", Final: "STARTING",
				States: []string{"STOPPING", "STARTING"}}},
		{name: "failed state", file: "restart-failed.txt", service: "Cisco Tomcat",
			want: Change{Service: "Cisco Tomcat", Final: "FAILED", Failed: true,
				States: []string{"STOPPING", "STARTING", "FAILED"}}},
		{name: "error line", file: "restart-error.txt", service: "Cisco Tomcat",
			want: Change{Service: "Cisco Tomcat", Failed: true,
				Message: "ERROR: Cisco Tomcat could not be started"}},
		{name: "not activated", file: "start-notactivated.txt", service: "Cisco WebDialer Web Service",
			want: Change{Service: "Cisco WebDialer Web Service", Failed: true,
				Message: "Cisco WebDialer Web Service is not activated. Activate it from Cisco Unified Serviceability."}},
		{name: "other service only", file: "restart.txt", service: "Cisco TFTP",
			want:    Change{Service: "Cisco TFTP"},
			wantErr: `no state of Cisco TFTP in the output, which began "Do not press Ctrl+C while the service is restarting. If the service has not restarted properly, execute the same command again. | Service Manager is running | Cisco Tomcat[STOPPING]"`},
		{name: "invalid", file: "invalid.txt", service: "Cisco Tomcat", want: Change{Service: "Cisco Tomcat"},
			wantErr: `the CLI said "Executed command unsuccessfully" (Invalid command)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ServiceChange(fixture(t, tt.file), tt.service)
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"csi colours", "\x1b[1;32mCisco\x1b[0m Tomcat", "Cisco Tomcat"},
		{"crlf", "a\r\nb\r\n", "a\nb\n"},
		{"carriage return rewrite", "10%\r50%\r100%\ndone", "100%\ndone"},
		{"backspace", "admx\bin:", "admin:"},
		{"osc title", "\x1b]0;cucm-pub\x07admin:", "admin:"},
		{"cursor query", "\x1b[?2004hadmin:", "admin:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsPrompt(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"admin:", true},
		{"ucadmin: ", true},
		{"\x1b[0madmin:", true},
		{"Version:", true},
		{"Do you want to continue? (y/n):", false},
		{"tomcat/tomcat.pem: Self-signed", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsPrompt(tt.line); got != tt.want {
			t.Errorf("IsPrompt(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}
