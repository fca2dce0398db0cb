// Package builtin lists every action runbooks can name, in one explicit
// registry. Adding an action family touches its own folder and one line
// here; nothing registers itself.
package builtin

import (
	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/adcs"
	"github.com/ucops/runbook/steps/ca"
	"github.com/ucops/runbook/steps/cucm"
	"github.com/ucops/runbook/steps/exec"
	"github.com/ucops/runbook/steps/file"
	"github.com/ucops/runbook/steps/httpreq"
	"github.com/ucops/runbook/steps/manual"
	"github.com/ucops/runbook/steps/sshexec"
	"github.com/ucops/runbook/steps/tlsprobe"
	x509inspect "github.com/ucops/runbook/steps/x509"
)

// Registry returns the registry of every built-in action.
func Registry() (*steps.Registry, error) {
	var all []steps.Action
	for _, family := range [][]steps.Action{
		exec.Actions(),
		manual.Actions(),
		file.Actions(),
		httpreq.Actions(),
		sshexec.Actions(),
		tlsprobe.Actions(),
		x509inspect.Actions(),
		ca.Actions(),
		adcs.Actions(),
		cucm.Actions(),
	} {
		all = append(all, family...)
	}
	return steps.NewRegistry(all...)
}
