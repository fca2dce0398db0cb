//go:build unix

package exec

import (
	"os/exec"
	"syscall"
)

// killGroup makes cmd lead a process group of its own and kill the whole
// group when its context ends, so a shell's children die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
