package adcs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseReply(t *testing.T) {
	cases := []struct {
		file string
		want Reply
	}{
		{"issued-script.html", Reply{Issued, 4711, "Issued"}},
		{"pending-nomessage.html", Reply{Pending, 38, "Certificate Pending Your certificate request has " +
			"been received. However, you must wait for an administrator to issue the certificate you " +
			"requested. Your Request Id is 38. Please return to this web ..."}},
		{"denied-subject.html", Reply{Denied, 0, "Error Parsing Request  The request subject name is " +
			"invalid or too long. 0x80094001 (-2146875391 CERTSRV_E_BAD_REQUESTSUBJECT)"}},
		{"unexpected-error.html", Reply{Failed, 0, "Error An unexpected error has occurred: The RPC " +
			"server is unavailable. 0x800706ba (WIN32: 1722 RPC_S_SERVER_UNAVAILABLE)"}},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if got := ParseReply(string(page)); got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseRenewals(t *testing.T) {
	cases := []struct {
		page string
		want int
		err  string
	}{
		{"<script>\n\tvar nRenewals=3;\n</script>", 3, ""},
		{"var nRenewals = 0 ;", 0, ""},
		{"<P>Access denied</P>", 0, "no nRenewals in the page: Access denied"},
	}
	for _, tc := range cases {
		got, err := ParseRenewals(tc.page)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("ParseRenewals(%q) = %d, %v; want %d, %q", tc.page, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.html")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	f.Add("certnew.cer?ReqID=99999999999999999999999&")
	f.Add(`<script>var nRenewals=1;</script> disposition message is "x`)
	f.Fuzz(func(t *testing.T, page string) {
		r := ParseReply(page)
		switch r.State {
		case Issued, Pending, Denied, Failed:
		default:
			t.Fatalf("state %q", r.State)
		}
		if r.Message == "" && r.State != Denied && r.State != Pending {
			t.Fatalf("no message for %s", r.State)
		}
		ParseRenewals(page)
	})
}
