//go:build !unix

package exec

import (
	"os/exec"

	"github.com/ucops/runbook/steps"
)

// TODO(exec-windows): leftover commands of a killed engine are not found.
func recordGroup(*steps.Runtime, *exec.Cmd) {}
func forgetGroup(*steps.Runtime)            {}
func stopLeftover(*steps.Runtime) string    { return "" }
