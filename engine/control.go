package engine

import (
	"context"
	"errors"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ucops/runbook/steps"
)

// The control actions are run by the engine itself, because they evaluate
// expressions or drive other actions: assert checks expressions, wait polls
// another action until an expression over its result holds.
const (
	actionAssert = "assert"
	actionWait   = "wait"
)

// AssertInput is the input of the assert action.
type AssertInput struct {
	That    Exprs  `yaml:"that" required:"true" doc:"Expression, or list of expressions, that must all be true."`
	Message string `yaml:"message" doc:"What is wrong when one is false."`
}

// AssertResult is the result of the assert action.
type AssertResult struct {
	Passed bool `json:"passed" doc:"Every expression held."`
}

// WaitInput is the input of the wait action.
type WaitInput struct {
	Action   string        `yaml:"action" required:"true" doc:"A read-only action to poll."`
	With     yaml.Node     `yaml:"with" doc:"The polled action's input; strings may hold ${ expr }."`
	Until    Expr          `yaml:"until" required:"true" doc:"Expression over result (the polled action's result) that ends the wait."`
	Interval time.Duration `yaml:"interval" default:"10s" doc:"Time between polls."`
	Timeout  time.Duration `yaml:"timeout" default:"10m" doc:"Longest time to wait before the step fails."`
}

// controlAction describes a control action to the registry views (schema,
// validation); the engine runs it itself.
type controlAction struct {
	name, doc string
	input     func() any
	result    reflect.Type
}

func (c controlAction) Name() string             { return c.name }
func (c controlAction) Doc() string              { return c.doc }
func (c controlAction) Mutates() bool            { return false }
func (c controlAction) NewInput() any            { return c.input() }
func (c controlAction) ResultType() reflect.Type { return c.result }

func (c controlAction) Run(context.Context, *steps.Runtime, any) (any, error) {
	return nil, errors.New(c.name + " is run by the engine")
}

// ControlActions returns the actions the engine runs itself.
func ControlActions() []steps.Action {
	return []steps.Action{
		controlAction{
			name:   actionAssert,
			doc:    "Check that expressions over params, facts and earlier steps hold; fail the step otherwise.",
			input:  func() any { return new(AssertInput) },
			result: reflect.TypeFor[AssertResult](),
		},
		controlAction{
			name:  actionWait,
			doc:   "Poll a read-only action until an expression over its result holds, or time out.",
			input: func() any { return new(WaitInput) },
			// The result is the polled action's; the loader types it.
			result: reflect.TypeFor[struct{}](),
		},
	}
}
