package cli

import (
	"errors"
	"fmt"
	"strings"
)

// ErrDropped matches every *DroppedError.
var ErrDropped = errors.New("CLI session dropped")

// errClosed is why a session closed by its owner cannot run commands.
var errClosed = errors.New("the session was closed")

// DroppedError reports a session that ended while a command ran or before
// it was sent. Whether the command took effect is not known.
type DroppedError struct {
	Node    string
	Command string
	// Sent is false when the session was gone before the command was
	// typed, so that it certainly did not run.
	Sent bool
	// Output is what the command printed before the session ended.
	Output string
	Err    error
}

// Error says which session dropped and during which command.
func (e *DroppedError) Error() string {
	switch {
	case e.Command == "":
		return fmt.Sprintf("CLI session to %s dropped: %v", e.Node, e.Err)
	case !e.Sent:
		return fmt.Sprintf("CLI session to %s dropped before %q was sent: %v",
			e.Node, e.Command, e.Err)
	}
	return fmt.Sprintf("CLI session to %s dropped during %q: %v", e.Node, e.Command, e.Err)
}

// Is reports whether target is ErrDropped.
func (e *DroppedError) Is(target error) bool { return target == ErrDropped }

// Unwrap returns the cause.
func (e *DroppedError) Unwrap() error { return e.Err }

// AuthError reports a login the node refused.
type AuthError struct {
	Node, User string
	// Methods lists the methods tried, such as "keyboard-interactive".
	Methods []string
	Err     error
}

// Error names the node, the user and the methods tried.
func (e *AuthError) Error() string {
	return fmt.Sprintf("log in to %s as %s: the node refused the credentials (tried %s)",
		e.Node, e.User, strings.Join(e.Methods, " and "))
}

// Unwrap returns the SSH error.
func (e *AuthError) Unwrap() error { return e.Err }

// HostKeyError reports a host key that known_hosts does not vouch for.
type HostKeyError struct {
	Node, Addr string
	// File is the known_hosts file.
	File string
	// Offered is the SHA256 fingerprint of the key the server offered.
	Offered string
	// Known lists the fingerprints known_hosts holds for the host, with
	// their file:line; empty when the host is unknown.
	Known []KnownKey
}

// KnownKey is one key known_hosts holds for a host.
type KnownKey struct {
	Fingerprint string
	// Where is file:line.
	Where string
}

// Mismatch reports whether known_hosts holds another key for the host.
func (e *HostKeyError) Mismatch() bool { return len(e.Known) > 0 }

// Error names the node and both fingerprints, and says what to do.
func (e *HostKeyError) Error() string {
	if !e.Mismatch() {
		return fmt.Sprintf("host key of %s (%s) is unknown: the server offered %s and %s "+
			"has no key for it; check the fingerprint on the node and add it, "+
			"or let the site accept new host keys", e.Node, e.Addr, e.Offered, e.File)
	}
	known := make([]string, len(e.Known))
	for i, k := range e.Known {
		known[i] = fmt.Sprintf("%s has %s", k.Where, k.Fingerprint)
	}
	return fmt.Sprintf("host key of %s (%s) does not match known_hosts: the server offered %s, "+
		"%s; if the node was rebuilt, check the new key on it and replace the old one",
		e.Node, e.Addr, e.Offered, strings.Join(known, ", "))
}

// QuestionError reports a question the caller did not expect. The driver
// answered it "no" (or "n").
type QuestionError struct {
	Node, Command string
	Question      string
	// Output is everything the command printed.
	Output string
}

// Error quotes the question.
func (e *QuestionError) Error() string {
	return fmt.Sprintf("%q on %s asked %q, which this step does not expect; answered no",
		e.Command, e.Node, e.Question)
}

// StartError reports a CLI that printed no prompt in time after login.
type StartError struct {
	Node string
	// Waited is how long the driver waited.
	Waited string
	// Output is the end of what the node printed.
	Output string
}

// Error says how long the driver waited and what the node printed.
func (e *StartError) Error() string {
	if strings.TrimSpace(e.Output) == "" {
		return fmt.Sprintf("no CLI prompt from %s after %s; the node printed nothing", e.Node, e.Waited)
	}
	return fmt.Sprintf("no CLI prompt from %s after %s; the node printed %q",
		e.Node, e.Waited, e.Output)
}
