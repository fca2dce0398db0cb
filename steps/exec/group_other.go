//go:build !unix

package exec

import "os/exec"

// killGroup leaves the default: only the command itself is killed.
// TODO(exec-windows): kill the process tree with a job object.
func killGroup(cmd *exec.Cmd) {}
