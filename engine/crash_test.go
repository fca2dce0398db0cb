package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ucops/runbook/engine/journal"
)

// The crash tests run the engine in a child process - this test binary,
// re-executed - and kill it with SIGKILL, as a power loss or kill -9 would.

const helperEnv = "RUNBOOK_TEST_ENGINE_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(helperMain(dir, os.Getenv("RUNBOOK_TEST_ENGINE_CMD")))
	}
	os.Exit(m.Run())
}

// helperMain runs or resumes the harness's runbook and exits with the
// outcome's code.
func helperMain(dir, command string) int {
	h := &harness{dir: dir, store: &Store{Dir: dir + "/state"}, loader: &Loader{Registry: execRegistry()},
		env: map[string]string{"TEST_PASSWORD": "pw-Very-Secret-42"}}
	opts := h.opts()
	opts.Sink = nil
	var out *Outcome
	var err error
	if command == "resume" {
		out, err = Resume(context.Background(), opts, ResumeOptions{})
	} else {
		out, err = Run(context.Background(), opts, h.load())
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return map[string]int{StateSucceeded: 0, StateFailed: 1, StateBlocked: 3, StateWaiting: 4, StateUnknown: 5}[out.State]
}

// child starts the engine in a child process.
func (h *harness) child(command string) *exec.Cmd {
	h.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+h.dir, "RUNBOOK_TEST_ENGINE_CMD="+command)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	return cmd
}

// crashDuring runs the runbook in a child and kills it once step has been
// journaled as started.
func (h *harness) crashDuring(step string) {
	h.t.Helper()
	cmd := h.child("run")
	deadline := time.Now().Add(10 * time.Second)
	for !h.journaled(recStarted, step) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			h.t.Fatalf("step %s never started", step)
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
}

func (h *harness) journaled(typ, step string) bool {
	ids, _ := h.store.RunIDs()
	if len(ids) == 0 {
		return false
	}
	recs, err := journal.ReadFile(h.store.runPath(ids[len(ids)-1]) + "/" + fileJournal)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(recs, func(r journal.Record) bool { return r.Type == typ && r.Step == step })
}

// TestKillAnywhere kills the engine at random moments, again and again,
// resuming each time: no side effect may happen twice, none may be lost,
// and every resume must be able to read what the killed process left.
func TestKillAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("kills child processes")
	}
	// Kills fall anywhere in the time a whole run takes here (measured
	// first: the race detector makes it several times longer). Scenarios
	// run until the engine has been killed at least 30 times.
	whole := timeWholeRun(t)
	total, seed := 0, uint64(1)
	for ; total < 30 && seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { total += killScenario(t, seed, whole) })
	}
	if total < 30 {
		t.Fatalf("only %d kills in %d scenarios: the test did not test much", total, seed-1)
	}
	t.Logf("%d kills in %d scenarios", total, seed-1)
}

// killScenario runs one runbook to its end under random kills and
// returns how many kills it took.
func killScenario(t *testing.T, seed uint64, whole time.Duration) int {
	h := newHarness(t, killRunbook)
	rng := rand.New(rand.NewPCG(seed, seed*7919))
	kills := 0
	command := "run"
	for round := 0; round < 60; round++ {
		cmd := h.child(command)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// After 40 rounds the run is left to finish, so every scenario ends.
		wait := time.Duration(rng.Int64N(int64(whole)*5/4 + 1))
		if round >= 40 {
			wait = time.Hour
		}
		select {
		case err := <-done:
			if err == nil {
				checkLedger(t, h.ledger(), kills)
				return kills
			}
			t.Fatalf("round %d: engine exited with %v", round, err)
		case <-time.After(wait):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			kills++
		}
		if ids, _ := h.store.RunIDs(); len(ids) == 0 {
			continue // killed before the run existed: run again, as an operator would
		}
		command = "resume"
		if _, err := Status(h.store, h.loader, ""); err != nil {
			t.Fatalf("after kill %d the state cannot be read: %v", kills, err)
		}
	}
	t.Fatalf("the run did not finish in 60 rounds (%d kills); ledger %v", kills, h.ledger())
	return kills
}

// timeWholeRun times one child run of killRunbook to its end.
func timeWholeRun(t *testing.T) time.Duration {
	h := newHarness(t, killRunbook)
	start := time.Now()
	if err := h.child("run").Wait(); err != nil {
		t.Fatalf("a whole run failed: %v", err)
	}
	return time.Since(start)
}

const killRunbook = `
steps:
  - {id: a, action: test.append, with: {ledger: LEDGER, line: a, delay: 3ms}}
  - id: b
    action: test.append
    targets: [publisher, subscriber]
    order: {first: publisher, max_parallel: 2}
    with: {ledger: LEDGER, line: "b-${ node.name }", delay: 3ms}
  - {id: c, action: test.append, with: {ledger: LEDGER, line: c, delay: 3ms}}
  - {id: d, action: assert, with: {that: 'steps.c.state == "succeeded"'}}
  - {id: e, action: test.append, with: {ledger: LEDGER, line: e, delay: 3ms}}
finally:
  - {id: z, action: test.append, with: {ledger: LEDGER, line: z}}
`

// checkLedger asserts every side effect happened exactly once, in order;
// the finally step z runs at the end of each session that finished.
func checkLedger(t *testing.T, got []string, kills int) {
	t.Helper()
	var main []string
	for _, l := range got {
		if l != "z" {
			main = append(main, l)
		}
	}
	for _, want := range []string{"a", "b-pub", "b-sub1", "b-sub2", "c", "e"} {
		if n := strings.Count(strings.Join(main, " ")+" ", want+" "); n != 1 {
			t.Fatalf("after %d kills %s happened %d times: %v", kills, want, n, got)
		}
	}
	if main[0] != "a" || main[1] != "b-pub" || main[4] != "c" || main[5] != "e" {
		t.Fatalf("after %d kills the order is wrong: %v", kills, got)
	}
	if got[len(got)-1] != "z" {
		t.Fatalf("finally did not run last: %v", got)
	}
}
