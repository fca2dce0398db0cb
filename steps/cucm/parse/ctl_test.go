package parse

import (
	"reflect"
	"testing"
)

func TestCTLUpdated(t *testing.T) {
	tests := []struct {
		name, in string
		want     CTLUpdate
		wantErr  string
	}{
		{name: "documented", in: fixture(t, "ctl-update.txt"), want: CTLUpdate{
			Message: "CTL file Updated",
			Restart: "Please Restart the TFTP and Cisco CallManager services on all nodes in the cluster that run these services"}},
		{name: "other wording", in: "CTLFile has been successfully updated\n", want: CTLUpdate{
			Message: "CTLFile has been successfully updated"}},
		{name: "not mixed mode", in: "Error: cluster is not in mixed mode\n",
			wantErr: `the CLI said "Error: cluster is not in mixed mode"`},
		{name: "declined", in: "This operation updates the CTLFile. Do you want to continue? (y/n):n\n",
			wantErr: `no "CTL file Updated" line in the output, which began "This operation updates the CTLFile. Do you want to continue? (y/n):n"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CTLUpdated(tt.in)
			if got != tt.want || errText(err) != tt.wantErr {
				t.Errorf("got %+v, %q; want %+v, %q", got, errText(err), tt.want, tt.wantErr)
			}
		})
	}
}

func TestCTLFile(t *testing.T) {
	got, err := CTLFile(fixture(t, "ctl-show.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := CTL{
		Checksums: []string{"0c05655de63fe2a274cf664ad3f4bf05(MD5)", "8a7aa70ab9e1f3aa8d2e9e8d0c3d3cb0c9c1dd77(SHA1)"},
		Length:    4947,
		Modified:  "Fri Mar 06 19:45:13 CET 2015",
		Header: []CTLField{{"SIGNERID", "149"},
			{"SIGNERNAME", "CN=cucm-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL"}},
		Records: []CTLRecord{
			{Fields: []CTLField{{"RECORDLENGTH", "1156"}, {"DNSNAME", "10.48.47.153"},
				{"SUBJECTNAME", "CN=cucm-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL"},
				{"FUNCTION", "System Administrator Security Token"},
				{"SERIALNUMBER", "70:CA:F6:4E:09:07:51:B9:DF:22:F4:9C:A8:87:08:52"},
				{"PUBLICKEY", ""}}},
			{Fields: []CTLField{{"RECORDLENGTH", "1156"},
				{"SUBJECTNAME", "CN=cucm-pub.lab.example.com;OU=UC;O=Lab;C=US"}, {"FUNCTION", "CCM+TFTP"}}},
		},
		Verified: true,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if f := got.Records[1].Get("function"); f != "CCM+TFTP" {
		t.Errorf("Get(function) = %q", f)
	}
}

func TestCTLFileErrors(t *testing.T) {
	tests := []struct{ name, in, wantErr string }{
		{name: "no ctl", in: "Error: CTL file not found",
			wantErr: `the CLI said "Error: CTL file not found"`},
		{name: "unreadable", in: "hello",
			wantErr: `no CTL file in the output, which began "hello"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := CTLFile(tt.in); errText(err) != tt.wantErr {
				t.Errorf("error = %q, want %q", errText(err), tt.wantErr)
			}
		})
	}
}

func TestFileList(t *testing.T) {
	tests := []struct {
		name, file string
		want       Listing
		wantErr    string
	}{
		{name: "detail", file: "files-detail.txt", want: Listing{Dirs: 1, Count: 2, Files: []File{
			{Name: "cron", Dir: true, Size: -1, Modified: "02 Dec,2024 10:44:01"},
			{Name: "certMgr00000001.log", Size: 128945, Modified: "12 Jan,2025 15:22:46"},
			{Name: "certMgr00000002.log", Size: 2010, Modified: "12 Jan,2025 15:23:07"},
		}}},
		{name: "plain columns", file: "files-plain.txt", want: Listing{Dirs: 1, Count: 3, Files: []File{
			{Name: "security", Dir: true, Size: -1},
			{Name: "catalina.out", Size: -1},
			{Name: "localhost_access_log.2025-01-12.txt", Size: -1},
			{Name: "platformcom.log", Size: -1},
		}}},
		{name: "missing directory", file: "files-missing.txt", want: Listing{Dirs: -1, Count: -1},
			wantErr: `the CLI said "Directory /var/log/active/tomcat/logs/nothere doesn't exist"`},
		{name: "invalid", file: "invalid.txt",
			wantErr: `the CLI said "Executed command unsuccessfully" (Invalid command)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FileList(fixture(t, tt.file))
			if errText(err) != tt.wantErr {
				t.Fatalf("error = %q, want %q", errText(err), tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
