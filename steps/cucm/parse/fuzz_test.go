package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seed adds every fixture, and a few hostile strings, to f's corpus.
func seed(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{"", "\x1b[", "[", "a[]", "=\n=", "x\n= =\n", "\r\r\n\b\b",
		"-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----", "1.2.3.4 a b Publisher"} {
		f.Add(s)
	}
}

func FuzzClean(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if strings.Contains(c, "\x1b[") && !strings.Contains(s, "\x1b[") {
			t.Errorf("Clean made an escape sequence out of %q", s)
		}
		if strings.Contains(c, "\r\n") {
			t.Errorf("Clean(%q) kept a CRLF", s)
		}
	})
}

func FuzzServices(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		list, err := Services(s)
		if (err == nil) == (len(list) == 0) {
			t.Errorf("Services gave %d services and error %v", len(list), err)
		}
		for _, svc := range list {
			if svc.State != strings.ToUpper(svc.State) || svc.Name == "" {
				t.Errorf("bad service %+v", svc)
			}
		}
	})
}

func FuzzServiceChange(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ServiceChange(s, "Cisco Tomcat")
		if err == nil && c.Final == "" && !c.Failed {
			t.Errorf("no state, no failure and no error for %q", s)
		}
		if n := len(c.States); n > 0 && c.States[n-1] != c.Final {
			t.Errorf("final %q is not the last state of %v", c.Final, c.States)
		}
	})
}

func FuzzActiveVersion(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ActiveVersion(s)
		if err == nil && r.Version == "" {
			t.Errorf("no version and no error for %q", s)
		}
	})
}

func FuzzCluster(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		list, err := Cluster(s)
		if (err == nil) == (len(list) == 0) {
			t.Errorf("Cluster gave %d nodes and error %v", len(list), err)
		}
		for _, m := range list {
			if m.Role != "publisher" && m.Role != "subscriber" {
				t.Errorf("role %q", m.Role)
			}
		}
	})
}

func FuzzSSOStatus(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		sso, err := SSOStatus(s)
		if err == nil && sso.Status == "" {
			t.Errorf("no status and no error for %q", s)
		}
	})
}

func FuzzSQL(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := SQL(s)
		if err != nil {
			return
		}
		for _, r := range tab.Rows {
			if len(r) != len(tab.Columns) {
				t.Errorf("row %q has %d cells for %d columns", r, len(r), len(tab.Columns))
			}
		}
		SecurityMode(s)
	})
}

func FuzzCertList(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		list, err := CertList(s)
		for _, e := range list {
			if e.Unit == "" || e.File == "" || strings.Contains(e.Path(), " ") {
				t.Errorf("bad entry %+v", e)
			}
		}
		if err != nil && list != nil {
			t.Errorf("entries and an error")
		}
	})
}

func FuzzCertDetail(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := CertDetail(s)
		if err == nil && c.Cert == nil && len(c.Fields) == 0 {
			t.Errorf("nothing and no error for %q", s)
		}
	})
}

func FuzzCSRGenerated(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		unit, err := CSRGenerated(s)
		if (err == nil) == (unit == "") {
			t.Errorf("unit %q and error %v", unit, err)
		}
	})
}

func FuzzCSR(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		csr, p, err := CSR(s)
		if err == nil && (csr == nil || len(p) == 0) {
			t.Errorf("no CSR and no error for %q", s)
		}
	})
}

func FuzzCertImport(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		imp, err := CertImport(s)
		if err == nil && imp.Message == "" {
			t.Errorf("no message and no error for %q", s)
		}
	})
}

func FuzzCTLUpdated(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		u, err := CTLUpdated(s)
		if (err == nil) == (u.Message == "") {
			t.Errorf("message %q and error %v", u.Message, err)
		}
	})
}

func FuzzCTLFile(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := CTLFile(s)
		if err == nil && len(c.Records) == 0 && c.Modified == "" && c.Length == 0 && !c.Missing {
			t.Errorf("nothing and no error for %q", s)
		}
	})
}

func FuzzFileList(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		ls, err := FileList(s)
		for _, file := range ls.Files {
			if file.Name == "" || (file.Dir && file.Size != -1) {
				t.Errorf("bad file %+v", file)
			}
		}
		_ = err
	})
}

func FuzzSSODisabled(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, s string) {
		line, err := SSODisabled(s)
		if (err == nil) == (line == "") {
			t.Errorf("line %q and error %v", line, err)
		}
	})
}
