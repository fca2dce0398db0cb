package file

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
)

// runtime has a site directory and an artifacts directory.
func runtime(t *testing.T) *steps.Runtime {
	site, arts := t.TempDir(), t.TempDir()
	return &steps.Runtime{Site: &steps.Site{Dir: site}, Artifacts: stepstest.Artifacts(arts)}
}

func TestWriteThenCheckThenRead(t *testing.T) {
	cases := []struct {
		name, write, read, want string
	}{
		{"text path", "{path: out/csr.pem, content: hello, make_dirs: true}", "{path: out/csr.pem}", "hello"},
		{"artifact", "{artifact: note.txt, content: \"a\\nb\\n\"}", "{artifact: note.txt}", "a\nb\n"},
		{"base64 binary", "{path: bin, content: AAEC/w==, encoding: base64, mode: \"0600\"}",
			"{path: bin, encoding: base64}", "AAEC/w=="},
		{"empty file", "{path: empty}", "{path: empty}", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := runtime(t)
			ctx := context.Background()
			in := stepstest.Decode[WriteInput](t, tc.write)
			chk, err := written(ctx, rt, in)
			if err != nil || chk.State != steps.NotDone || !strings.HasSuffix(chk.Detail, " does not exist") {
				t.Fatalf("check before write: %v %v %q", chk.State, err, chk.Detail)
			}
			res, err := write(ctx, rt, in)
			if err != nil || !res.Changed {
				t.Fatalf("write: %+v, %v", res, err)
			}
			again, err := write(ctx, rt, in)
			if err != nil || again.Changed {
				t.Fatalf("second write changed = %v, %v", again.Changed, err)
			}
			chk, err = written(ctx, rt, in)
			if err != nil || chk.State != steps.Done || chk.Detail != res.Path+" already holds this content (sha256 "+
				res.SHA256+")" {
				t.Fatalf("check after write: %v %v %q", chk.State, err, chk.Detail)
			}
			got, err := read(ctx, rt, stepstest.Decode[ReadInput](t, tc.read))
			if err != nil || got.Content != tc.want || got.SHA256 != res.SHA256 || !got.Exists {
				t.Fatalf("read %+v, %v; want content %q", got, err, tc.want)
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(res.Path), ".*tmp-*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}
}

func TestWriteMode(t *testing.T) {
	rt := runtime(t)
	res, err := write(context.Background(), rt, stepstest.Decode[WriteInput](t, "{path: k, content: x, mode: \"0600\"}"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(res.Path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", info.Mode(), err)
	}
}

func TestCheckOtherContent(t *testing.T) {
	rt := runtime(t)
	p := filepath.Join(rt.Site.Dir, "f")
	os.WriteFile(p, []byte("old"), 0o644)
	chk, err := written(context.Background(), rt, &WriteInput{Path: "f", Content: "new"})
	if err != nil || chk.State != steps.NotDone ||
		chk.Detail != p+" holds other content (sha256 "+digest([]byte("old"))+", want "+digest([]byte("new"))+")" {
		t.Fatalf("check: %v %v %q", chk.State, err, chk.Detail)
	}
}

func TestErrors(t *testing.T) {
	rt := runtime(t)
	os.WriteFile(filepath.Join(rt.Site.Dir, "bin"), []byte{0xff, 0xfe, 0}, 0o644)
	os.WriteFile(filepath.Join(rt.Site.Dir, "big"), []byte(strings.Repeat("x", 100)), 0o644)
	missing := filepath.Join(rt.Site.Dir, "missing")
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"both", func() error {
			_, err := write(context.Background(), rt, &WriteInput{Path: "a", Artifact: "b"})
			return err
		},
			"give path or artifact, not both"},
		{"neither", func() error { _, err := read(context.Background(), rt, &ReadInput{}); return err },
			"give path or artifact"},
		{"artifact with dirs", func() error {
			_, err := write(context.Background(), rt, &WriteInput{Artifact: "../x"})
			return err
		}, `artifact "../x": an artifact is a file name, without directories`},
		{"no artifacts", func() error {
			_, err := read(context.Background(), &steps.Runtime{}, &ReadInput{Artifact: "x"})
			return err
		}, `artifact "x": this run keeps no artifacts`},
		{"bad mode", func() error {
			_, err := write(context.Background(), rt, &WriteInput{Path: "a", Mode: "rw"})
			return err
		}, `mode "rw" is not octal permissions such as 0644`},
		{"bad base64", func() error {
			_, err := write(context.Background(), rt, &WriteInput{Path: "a", Content: "!!", Encoding: "base64"})
			return err
		}, "content is not base64: illegal base64 data at input byte 0"},
		{"missing", func() error {
			_, err := read(context.Background(), rt, &ReadInput{Path: "missing", MaxSize: 10})
			return err
		}, "open " + missing + ": no such file or directory"},
		{"binary as text", func() error {
			_, err := read(context.Background(), rt, &ReadInput{Path: "bin", MaxSize: 10})
			return err
		}, filepath.Join(rt.Site.Dir, "bin") + " is not UTF-8 text; read it with encoding: base64"},
		{"too big", func() error {
			_, err := read(context.Background(), rt, &ReadInput{Path: "big", MaxSize: 10})
			return err
		}, "read " + filepath.Join(rt.Site.Dir, "big") + ": larger than max_size 10 bytes"},
		{"no parent dir", func() error {
			_, err := write(context.Background(), rt, &WriteInput{Path: "no/such/dir/f"})
			return err
		}, "open " + filepath.Join(rt.Site.Dir, "no/such/dir") + "/.f.tmp-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || (err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want)) {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

func TestReadOptionalMissing(t *testing.T) {
	res, err := read(context.Background(), runtime(t), &ReadInput{Path: "nope", Optional: true, MaxSize: 1})
	if err != nil || res.Exists {
		t.Fatalf("optional missing: %+v, %v", res, err)
	}
}
