// Package builtin lists every action runbooks can name, in one explicit
// registry. Adding an action family touches its own folder and one line
// here; nothing registers itself.
package builtin

import (
	"github.com/ucops/runbook/steps"
)

// Registry returns the registry of every built-in action.
func Registry() (*steps.Registry, error) {
	var all []steps.Action
	for _, family := range [][]steps.Action{} {
		all = append(all, family...)
	}
	return steps.NewRegistry(all...)
}
