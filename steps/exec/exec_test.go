package exec

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
)

func decodeInput(t *testing.T, src string) *Input {
	t.Helper()
	return stepstest.Decode[Input](t, src)
}

func TestRun(t *testing.T) {
	site := t.TempDir()
	os.Mkdir(filepath.Join(site, "work"), 0o755)
	t.Setenv("RUNBOOK_TEST_INHERITED", "yes")
	cases := []struct {
		name, with     string
		code           int
		stdout, stderr string
	}{
		{"stdout and stderr", `argv: [sh, -c, "echo out; echo err >&2"]`, 0, "out\n", "err\n"},
		{"no shell: metacharacters are plain args", `argv: [echo, "a; rm -rf /", "$HOME"]`, 0,
			"a; rm -rf / $HOME\n", ""},
		{"stdin", "argv: [cat]\nstdin: \"-----BEGIN CERTIFICATE-----\\n\"", 0, "-----BEGIN CERTIFICATE-----\n", ""},
		{"env added, inherited kept", `{argv: [sh, -c, 'echo "$FOO $RUNBOOK_TEST_INHERITED"'], env: {FOO: bar}}`,
			0, "bar yes\n", ""},
		{"clean env", `{argv: [sh, -c, 'echo "[$RUNBOOK_TEST_INHERITED]"'], clean_env: true}`, 0, "[]\n", ""},
		{"dir relative to site", "{argv: [pwd], dir: work}", 0, filepath.Join(site, "work") + "\n", ""},
		{"allowed exit code", "{argv: [sh, -c, 'exit 3'], allow_exit_codes: [3]}", 3, "", ""},
		{"output bounded", "{argv: [sh, -c, 'printf 0123456789'], max_output: 4}", 0, "0123", ""},
	}
	rt := &steps.Runtime{Site: &steps.Site{Dir: site}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(context.Background(), rt, decodeInput(t, tc.with))
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tc.code || res.Stdout != tc.stdout || res.Stderr != tc.stderr {
				t.Errorf("got %d %q %q, want %d %q %q", res.ExitCode, res.Stdout, res.Stderr,
					tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestRunFailures(t *testing.T) {
	cases := []struct{ name, with, want string }{
		{"exit code with stderr tail", `argv: [sh, -c, "echo one >&2; echo two >&2; echo three >&2; ` +
			`echo 'set cert import: chain incomplete' >&2; exit 4"]`,
			`exec sh -c "echo one >&2; echo two >&2; echo three >&2; echo 'set cert import: chain incomplete' ` +
				`>&2; exit 4": exit code 4: two / three / set cert import: chain incomplete`},
		{"exit code no stderr", "argv: [false]", "exec false: exit code 1"},
		{"not found", "argv: [no-such-program-xyz]",
			`exec no-such-program-xyz: executable file not found in $PATH`},
		{"signal", `argv: [sh, -c, "kill -TERM $$"]`, `exec sh -c "kill -TERM $$": signal: terminated`},
		{"bad dir", "argv: [true]\ndir: /nonexistent/dir",
			"exec true: working directory: stat /nonexistent/dir: no such file or directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(context.Background(), &steps.Runtime{}, decodeInput(t, tc.with))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
		})
	}
}

// TestTimeoutKillsGroup runs a shell whose child sleeps; the timeout must
// end both, quickly.
func TestTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	in := decodeInput(t, `{argv: [sh, -c, 'sleep 30 & echo $! > `+pidFile+`; wait'], timeout: 300ms}`)
	start := time.Now()
	_, err := run(context.Background(), &steps.Runtime{}, in)
	want := `exec sh -c "sleep 30 & echo $! > ` + pidFile + `; wait": timed out after 300ms; ` +
		"its process group was killed"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
	assertGone(t, pidFile)
}

func assertGone(t *testing.T, pidFile string) {
	t.Helper()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	deadline := time.Now().Add(3 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d still runs", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive reports whether pid runs: it exists and, where /proc tells, is not
// a zombie waiting for a reaper.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return !os.IsNotExist(err)
	}
	_, rest, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func TestCancel(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := run(ctx, &steps.Runtime{}, decodeInput(t, `argv: [sh, -c, 'sleep 30 & echo $! > `+pidFile+`; wait']`))
	if err == nil || !strings.HasSuffix(err.Error(), ": interrupted: context canceled") {
		t.Fatalf("error = %v", err)
	}
	assertGone(t, pidFile)
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	made := filepath.Join(dir, "made")
	os.WriteFile(made, nil, 0o644)
	cases := []struct {
		name, with string
		state      steps.CheckState
		detail     string
	}{
		{"creates exists", "{argv: [touch, made], creates: made}", steps.Done, made + " exists"},
		{"creates missing", "{argv: [touch, other], creates: other}", steps.NotDone,
			filepath.Join(dir, "other") + " does not exist"},
		{"unless succeeds", "{argv: [x], unless: [test, -e, made]}", steps.Done, "test -e made succeeded"},
		{"unless fails", "{argv: [x], unless: [test, -e, other]}", steps.NotDone,
			"test -e other: exit status 1"},
		{"read-only", "{argv: [ls], mutates: false}", steps.NotDone, "read-only command: running it again is safe"},
		{"nothing to go by", `{argv: [sh, -c, "do it"]}`, steps.Unknown,
			`nothing tells whether sh -c "do it" already ran: give the step creates: or unless:, or a verify expression`},
	}
	rt := &steps.Runtime{Site: &steps.Site{Dir: dir}}
	a := Actions()[0]
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := decodeInput(t, tc.with)
			in.Dir = dir
			chk, err := a.(steps.Checker).Check(context.Background(), rt, in)
			if err != nil || chk.State != tc.state || chk.Detail != tc.detail {
				t.Errorf("check = %v %q, %v; want %v %q", chk.State, chk.Detail, err, tc.state, tc.detail)
			}
		})
	}
}

func TestMutatesFor(t *testing.T) {
	a := Actions()[0].(interface{ MutatesFor(any) bool })
	if !a.MutatesFor(decodeInput(t, "argv: [ls]")) || a.MutatesFor(decodeInput(t, "{argv: [ls], mutates: false}")) {
		t.Error("exec mutates by default and not with mutates: false")
	}
	if !Actions()[0].Mutates() {
		t.Error("static Mutates must be true")
	}
}

func TestDisplay(t *testing.T) {
	got := Display([]string{"openssl", "x509", "-subj", "/CN=a b", "", `$x`})
	if want := `openssl x509 -subj "/CN=a b" "" "$x"`; got != want {
		t.Errorf("Display = %s, want %s", got, want)
	}
}
