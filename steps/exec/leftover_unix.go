//go:build unix

package exec

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ucops/runbook/steps"
)

// A command outlives the engine when the engine is killed (kill -9, power
// loss of the jump host's session): its process group keeps running. Each
// run records the group it started in the run's artifacts; the next run of
// the step, or its check on resume, stops a group still alive before doing
// anything, so a rerun never overlaps the command it replaces.

// groupFile is where the process group of a step's command is recorded.
func groupFile(rt *steps.Runtime) string {
	if rt == nil || rt.Artifacts == nil {
		return ""
	}
	node := "-"
	if rt.Node != nil {
		node = rt.Node.Name
	}
	return filepath.Join(rt.Artifacts.Dir(), fmt.Sprintf(".exec-%s-%s.pgid", rt.Step, node))
}

// recordGroup notes the started command's process group.
func recordGroup(rt *steps.Runtime, cmd *exec.Cmd) {
	path := groupFile(rt)
	if path == "" || cmd.Process == nil {
		return
	}
	pid := cmd.Process.Pid
	_ = os.MkdirAll(filepath.Dir(path), 0o700)
	_ = os.WriteFile(path, []byte(fmt.Sprintf("%d %s\n", pid, startTime(pid))), 0o600)
}

// forgetGroup removes the record once the command has ended.
func forgetGroup(rt *steps.Runtime) {
	if path := groupFile(rt); path != "" {
		os.Remove(path)
	}
}

// stopLeftover kills a recorded process group that is still running, and
// says so; "" when there was none.
func stopLeftover(rt *steps.Runtime) string {
	path := groupFile(rt)
	data, err := os.ReadFile(path)
	if path == "" || err != nil {
		return ""
	}
	defer os.Remove(path)
	fields := strings.Fields(string(data))
	if len(fields) < 1 {
		return ""
	}
	pgid, err := strconv.Atoi(fields[0])
	if err != nil || pgid <= 1 || syscall.Kill(-pgid, 0) != nil {
		return ""
	}
	if len(fields) > 1 && startTime(pgid) != fields[1] {
		return "" // the leader's pid was reused by another process
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-pgid, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Sprintf("stopped process group %d, left running when the engine stopped", pgid)
}

// startTime is a process's start time in clock ticks since boot, from
// /proc (Linux); "" where it cannot be read.
func startTime(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// The command name may hold spaces and parentheses: skip past the last ")".
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 20 {
		return ""
	}
	return fields[19]
}
