// Package decode turns YAML nodes into Go values while keeping every
// position, and collects every problem it finds instead of stopping at the
// first.
//
// Struct fields are named by their yaml tags; unknown keys are errors with a
// suggestion, required fields (tag required:"true") are checked, defaults
// (tag default:"...") are applied, and durations are parsed. A field named
// Pos of type Pos receives the position of the node it was decoded from.
// Types with a short form implement Unmarshaler. The package knows nothing
// of runbooks: the engine decides what the decoded values mean, and the
// schemas package describes the same types for editors.
package decode

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/go-multierror"
	"go.yaml.in/yaml/v3"
)

// Pos is a position in a user's file. Line and Col count from 1.
type Pos struct {
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"col,omitempty"`
}

// PosOf returns the position of n in file.
func PosOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line, Col: n.Column}
}

// String renders the position as file:line:col, leaving out what is unknown.
func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.File == "":
		return fmt.Sprintf("%d:%d", p.Line, p.Col)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// IsValid reports whether the position names a line.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Error is a problem in a user's file: where, in which step or section,
// and what.
type Error struct {
	Pos Pos
	// Where names the enclosing object, such as `step "restart-tomcat"`.
	Where string
	Msg   string
}

// Error renders the problem compiler style:
// runbooks/x.yaml:14:7: step "restart-tomcat": unknown field "timout".
func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors collects problems. The zero value is ready to use; it is not safe
// for concurrent use.
type Errors struct {
	list []*Error
}

// Add records a problem at pos.
func (es *Errors) Add(pos Pos, where, format string, args ...any) {
	es.list = append(es.list, &Error{Pos: pos, Where: where, Msg: fmt.Sprintf(format, args...)})
}

// Append records problems already made; errors that are not *Error or
// multierrors of them are kept with no position.
func (es *Errors) Append(err error) {
	if err == nil {
		return
	}
	if me, ok := err.(*multierror.Error); ok {
		for _, e := range me.Errors {
			es.Append(e)
		}
		return
	}
	if e, ok := err.(*Error); ok {
		es.list = append(es.list, e)
		return
	}
	es.list = append(es.list, &Error{Msg: err.Error()})
}

// List returns the problems recorded so far, in the order they were found.
func (es *Errors) List() []*Error { return es.list }

// Len is the number of problems recorded.
func (es *Errors) Len() int { return len(es.list) }

// Err returns the problems, sorted by file, line and column and free of
// duplicates, as one error that prints one per line; nil when there are
// none.
func (es *Errors) Err() error {
	if len(es.list) == 0 {
		return nil
	}
	list := slices.Clone(es.list)
	slices.SortStableFunc(list, compareErrors)
	list = slices.CompactFunc(list, func(a, b *Error) bool { return *a == *b })

	me := &multierror.Error{ErrorFormat: lines}
	for _, e := range list {
		me.Errors = append(me.Errors, e)
	}
	return me.ErrorOrNil()
}

func compareErrors(a, b *Error) int {
	return cmp.Or(
		cmp.Compare(a.Pos.File, b.Pos.File),
		cmp.Compare(a.Pos.Line, b.Pos.Line),
		cmp.Compare(a.Pos.Col, b.Pos.Col),
		cmp.Compare(a.Where, b.Where),
		cmp.Compare(a.Msg, b.Msg),
	)
}

func lines(errs []error) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// List returns the individual problems of an error made by Errors.Err, or
// the error itself.
func List(err error) []error {
	if err == nil {
		return nil
	}
	if me, ok := err.(*multierror.Error); ok {
		return me.WrappedErrors()
	}
	return []error{err}
}
