package sshexec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/stepstest"
)

type creds = stepstest.Credentials

func decodeInput(t *testing.T, src string) *Input {
	t.Helper()
	return stepstest.Decode[Input](t, src)
}

// runtimeFor targets s as a node, logging in with its user key.
func runtimeFor(s *sshd, knownHosts string, acceptNew bool) *steps.Runtime {
	host, port, _ := strings.Cut(s.addr, ":")
	var p int
	fmt.Sscan(port, &p)
	return &steps.Runtime{
		Node: &steps.Node{Name: "jump", Host: host, Ports: map[string]int{"ssh": p}},
		Site: &steps.Site{SSH: steps.SSHSettings{KnownHosts: knownHosts, AcceptNewHostKeys: acceptNew}},
		Credentials: creds{
			"key":      {Username: s.user, PrivateKey: s.userKey},
			"password": {Username: s.user, Password: "not-the-password"},
		},
		Pool: &steps.Pool{},
	}
}

func TestExec(t *testing.T) {
	s := startSSHD(t)
	rt := runtimeFor(s, s.knownHosts(t, s.hostKey), false)
	defer rt.Pool.Close()
	cases := []struct {
		name, with     string
		code           int
		stdout, stderr string
	}{
		{"stdout and stderr", `{credential: key, command: "echo out; echo err >&2"}`, 0, "out\n", "err\n"},
		{"stdin", "{credential: key, command: cat, stdin: \"-----BEGIN CERTIFICATE-----\\n\"}", 0,
			"-----BEGIN CERTIFICATE-----\n", ""},
		{"allowed exit code", "{credential: key, command: 'exit 3', allow_exit_codes: [3]}", 3, "", ""},
		{"bounded output", "{credential: key, command: 'printf 0123456789', max_output: 4}", 0, "0123", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(context.Background(), rt, decodeInput(t, tc.with))
			if err != nil {
				t.Fatalf("%v\nsshd: %s", err, s.stderr)
			}
			if res.ExitCode != tc.code || res.Stdout != tc.stdout || res.Stderr != tc.stderr ||
				res.Address != s.addr || res.User != s.user {
				t.Errorf("got %+v, want %d %q %q", res, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestExecFailures(t *testing.T) {
	s := startSSHD(t)
	otherKey := (&sshd{dir: t.TempDir()}).writeKey(t, "other").PublicKey()
	good := s.knownHosts(t, s.hostKey)
	bad := s.knownHosts(t, otherKey)
	missing := filepath.Join(t.TempDir(), "known_hosts")
	name := "ssh " + s.user + "@" + s.addr
	cases := []struct {
		name, known, with, want string
	}{
		{"exit code", good, `{credential: key, command: "echo boom >&2; exit 3"}`,
			name + `: "echo boom >&2; exit 3": exit code 3: boom`},
		{"wrong password", good, "{credential: password, command: 'true'}",
			name + ": login refused for " + s.user + ": wrong password or key (tried none password)"},
		{"host key mismatch", bad, "{credential: key, command: 'true'}",
			name + ": host key mismatch for " + s.addr + ": " + bad + ":1 has " +
				ssh.FingerprintSHA256(otherKey) + ", the server offered " + ssh.FingerprintSHA256(s.hostKey) +
				"; if the host was rebuilt, remove that line, otherwise do not connect"},
		{"unknown host", missing, "{credential: key, command: 'true'}",
			"ssh " + s.addr + ": known_hosts: stat " + missing + ": no such file or directory"},
		{"timeout", good, "{credential: key, command: 'sleep 30', timeout: 300ms}",
			name + `: "sleep 30": timed out after 300ms; the command was killed`},
		{"no credential", good, "{credential: nope, command: 'true'}",
			`credential "nope": the site defines no credential "nope"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rt := runtimeFor(s, tc.known, false)
			defer rt.Pool.Close()
			start := time.Now()
			_, err := run(context.Background(), rt, decodeInput(t, tc.with))
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v\nwant    %s", err, tc.want)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

func TestUnknownHost(t *testing.T) {
	s := startSSHD(t)
	known := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(known, nil, 0o600)
	in := decodeInput(t, "{credential: key, command: 'echo hi'}")

	rt := runtimeFor(s, known, false)
	_, err := run(context.Background(), rt, in)
	want := "ssh " + s.user + "@" + s.addr + ": host " + s.addr + " is not in " + known +
		" (it offered " + ssh.FingerprintSHA256(s.hostKey) + "); add its key there, or let the site accept new host keys"
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant    %s", err, want)
	}
	rt.Pool.Close()

	// Trust on first use: the key is written, and from then on checked.
	rt = runtimeFor(s, known, true)
	if res, err := run(context.Background(), rt, in); err != nil || res.Stdout != "hi\n" {
		t.Fatalf("accept new: %+v, %v", res, err)
	}
	rt.Pool.Close()
	data, _ := os.ReadFile(known)
	wantLine := "[127.0.0.1]:" + strings.Split(s.addr, ":")[1] + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.hostKey)))
	if strings.TrimSpace(string(data)) != wantLine {
		t.Fatalf("known_hosts holds %q, want %q", data, wantLine)
	}
	rt = runtimeFor(s, known, false)
	defer rt.Pool.Close()
	if _, err := run(context.Background(), rt, in); err != nil {
		t.Fatalf("after the key was learnt: %v", err)
	}
}

func TestPoolReuseAndCancel(t *testing.T) {
	s := startSSHD(t)
	rt := runtimeFor(s, s.knownHosts(t, s.hostKey), false)
	defer rt.Pool.Close()
	in := decodeInput(t, "{credential: key, command: 'echo $PPID'}")
	first, err := run(context.Background(), rt, in)
	if err != nil {
		t.Fatal(err)
	}
	second, err := run(context.Background(), rt, in)
	if err != nil {
		t.Fatal(err)
	}
	// One connection: both commands ran under the same sshd session process.
	if first.Stdout == "" || first.Stdout != second.Stdout {
		t.Errorf("parent pids %q and %q: the connection was not reused", first.Stdout, second.Stdout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err = run(ctx, rt, decodeInput(t, "{credential: key, command: 'sleep 30'}"))
	want := "ssh " + s.user + "@" + s.addr + `: "sleep 30": interrupted: context canceled`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v, want %s", err, want)
	}
	// The pooled connection still serves.
	if _, err := run(context.Background(), rt, in); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
}

func TestCheck(t *testing.T) {
	s := startSSHD(t)
	rt := runtimeFor(s, s.knownHosts(t, s.hostKey), false)
	defer rt.Pool.Close()
	cases := []struct {
		with   string
		state  steps.CheckState
		detail string
	}{
		{"{credential: key, command: x, unless: 'test -d /'}", steps.Done, `"test -d /" exited 0 on ` + s.addr},
		{"{credential: key, command: x, unless: 'test -d /nonexistent'}", steps.NotDone,
			`"test -d /nonexistent" exited 1 on ` + s.addr},
		{"{credential: key, command: uptime, mutates: false}", steps.NotDone, "read-only command: running it again is safe"},
		{"{credential: key, command: 'reboot'}", steps.Unknown,
			`nothing tells whether "reboot" already ran: give the step unless:, or a verify expression`},
	}
	for _, tc := range cases {
		chk, err := Actions()[0].(steps.Checker).Check(context.Background(), rt, decodeInput(t, tc.with))
		if err != nil || chk.State != tc.state || chk.Detail != tc.detail {
			t.Errorf("%s: check = %v %q, %v; want %v %q", tc.with, chk.State, chk.Detail, err, tc.state, tc.detail)
		}
	}
}

func TestLegacyAlgorithms(t *testing.T) {
	s := startSSHD(t)
	rt := runtimeFor(s, s.knownHosts(t, s.hostKey), false)
	rt.Site.SSH.LegacyAlgorithms = true
	defer rt.Pool.Close()
	res, err := run(context.Background(), rt, decodeInput(t, "{credential: key, command: 'echo ok'}"))
	if err != nil || res.Stdout != "ok\n" {
		t.Fatalf("with legacy algorithms offered: %+v, %v", res, err)
	}
	cfg := &ssh.ClientConfig{}
	Legacy(cfg)
	if !slices.Contains(cfg.KeyExchanges, "diffie-hellman-group14-sha1") ||
		!slices.Contains(cfg.HostKeyAlgorithms, ssh.KeyAlgoRSA) {
		t.Errorf("legacy offers %v / %v", cfg.KeyExchanges, cfg.HostKeyAlgorithms)
	}
}
