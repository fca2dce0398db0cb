// Package steps defines the contract between the engine and the typed
// actions a runbook step can name: an action's typed input, its result,
// whether it mutates the system, and the optional check that tells whether
// its effect is already in place.
//
// Each action family lives in its own folder below steps (steps/cucm,
// steps/tlsprobe, ...) and exports its actions; steps/builtin lists them all
// in one explicit registry. This package holds no actions itself, never
// prints, and knows nothing of journals, plans or resumes: that is the
// engine's business. An action sees the world only through its Runtime.
package steps

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
)

// Action is one kind of step: the thing a runbook names with `action:`.
//
// Run receives a pointer to a value of the type NewInput returns, already
// decoded from the step's `with` block and with every `${ expr }` rendered.
// It returns a pointer to a value of ResultType (a struct; its fields, named
// by their json tags, are what expressions read as result.<name>) or an
// error.
type Action interface {
	// Name is the name runbooks use, such as "cucm.service.restart".
	Name() string
	// Doc is one sentence describing what the action does.
	Doc() string
	// Mutates reports whether Run changes the system. The engine never
	// calls Run of a mutating action while planning.
	Mutates() bool
	// NewInput returns a pointer to a new zero input value.
	NewInput() any
	// ResultType is the struct type Run's result points to.
	ResultType() reflect.Type
	// Run performs the action.
	Run(ctx context.Context, rt *Runtime, in any) (any, error)
}

// InputMutates is implemented by actions whose effect depends on their
// input: an http.request GET reads, a POST writes; an exec marked
// `mutates: false` only reads. Mutates then gives the safe answer for any
// input, MutatesFor the answer for one.
type InputMutates interface {
	MutatesFor(in any) bool
}

// MutatesWith reports whether running a with input in changes the system.
// A nil input gives the action's answer for any input.
func MutatesWith(a Action, in any) bool {
	if m, ok := a.(InputMutates); ok && in != nil {
		return m.MutatesFor(in)
	}
	return a.Mutates()
}

// Checker is implemented by actions that can tell, without changing
// anything, whether their effect is already in place. The engine uses it
// to reconcile a step that was in flight when the engine stopped, and to
// show in a plan that a step has nothing left to do. Every mutating action
// should implement it.
type Checker interface {
	Check(ctx context.Context, rt *Runtime, in any) (Check, error)
}

// CheckState is the verdict of a Check.
type CheckState int

// The verdicts a Check can give.
const (
	// Unknown means the check could not tell.
	Unknown CheckState = iota
	// Done means the effect is in place.
	Done
	// NotDone means the effect is not in place; running the action is safe.
	NotDone
)

func (s CheckState) String() string {
	switch s {
	case Done:
		return "done"
	case NotDone:
		return "not done"
	}
	return "unknown"
}

// Check is what a Checker found.
type Check struct {
	State CheckState
	// Detail says what was seen, for the journal and the operator:
	// "Cisco Tomcat STARTED at 10:41:07, after the step began".
	Detail string
	// Result optionally carries the result the action would have returned
	// (a pointer to ResultType), so outputs survive a reconciliation.
	Result any
}

// Func builds an Action from typed functions, so that an action is written
// against its own input and result types without reflection of its own:
//
//	steps.Func[RestartInput, RestartResult]{
//		Name: "cucm.service.restart", Mutates: true, Run: restart, Check: restarted,
//	}.Action()
type Func[In, Out any] struct {
	Name    string
	Doc     string
	Mutates bool
	Run     func(ctx context.Context, rt *Runtime, in *In) (*Out, error)
	// Check is optional; when set the action implements Checker.
	Check func(ctx context.Context, rt *Runtime, in *In) (Check, error)
	// MutatesFor is optional: whether one input makes the action change
	// the system (an http GET does not), where Mutates answers for any.
	MutatesFor func(in *In) bool
}

// Action returns the Action that f describes.
func (f Func[In, Out]) Action() Action {
	a := funcAction[In, Out]{f}
	if f.Check == nil {
		return a
	}
	return checkedAction[In, Out]{a}
}

type funcAction[In, Out any] struct{ f Func[In, Out] }

func (a funcAction[In, Out]) Name() string  { return a.f.Name }
func (a funcAction[In, Out]) Doc() string   { return a.f.Doc }
func (a funcAction[In, Out]) Mutates() bool { return a.f.Mutates }
func (a funcAction[In, Out]) NewInput() any { return new(In) }

// InputDependent reports whether the input can make the action read-only
// (MutatesFor is set), so that messages can say how.
func (a funcAction[In, Out]) InputDependent() bool { return a.f.MutatesFor != nil }

// MutatesFor answers for one input when the action says how, else as
// Mutates does.
func (a funcAction[In, Out]) MutatesFor(in any) bool {
	typed, ok := in.(*In)
	if !ok || a.f.MutatesFor == nil {
		return a.f.Mutates
	}
	return a.f.MutatesFor(typed)
}

func (a funcAction[In, Out]) ResultType() reflect.Type {
	return reflect.TypeFor[Out]()
}

func (a funcAction[In, Out]) Run(ctx context.Context, rt *Runtime, in any) (any, error) {
	typed, err := inputOf[In](a.f.Name, in)
	if err != nil {
		return nil, err
	}
	out, err := a.f.Run(ctx, rt, typed)
	if out == nil {
		// A nil *Out inside an interface would not compare equal to nil.
		return nil, err
	}
	return out, err
}

type checkedAction[In, Out any] struct{ funcAction[In, Out] }

func (a checkedAction[In, Out]) Check(ctx context.Context, rt *Runtime, in any) (Check, error) {
	typed, err := inputOf[In](a.f.Name, in)
	if err != nil {
		return Check{}, err
	}
	return a.f.Check(ctx, rt, typed)
}

func inputOf[In any](name string, in any) (*In, error) {
	typed, ok := in.(*In)
	if !ok {
		return nil, fmt.Errorf("%s: input is %T, want *%s", name, in, reflect.TypeFor[In]())
	}
	return typed, nil
}

// Registry is the set of actions a runbook may name. It is built once,
// explicitly, by steps/builtin; there is no registration by side effect.
type Registry struct {
	actions map[string]Action
}

// NewRegistry returns a registry of the given actions. Two actions with the
// same name are an error.
func NewRegistry(actions ...Action) (*Registry, error) {
	r := &Registry{actions: make(map[string]Action, len(actions))}
	var errs []error
	for _, a := range actions {
		if _, dup := r.actions[a.Name()]; dup {
			errs = append(errs, fmt.Errorf("action %q registered twice", a.Name()))
			continue
		}
		r.actions[a.Name()] = a
	}
	return r, errors.Join(errs...)
}

// Lookup returns the action called name.
func (r *Registry) Lookup(name string) (Action, bool) {
	a, ok := r.actions[name]
	return a, ok
}

// Names returns every action name, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.actions))
	for n := range r.actions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
