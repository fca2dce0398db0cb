// Package cli drives the CUCM and IM&P OS command line over SSH, the way an
// engineer at a terminal does: it opens a PTY and a shell (the platform has
// no exec channel), logs in with keyboard-interactive or password
// authentication, verifies the host key against the site's known_hosts,
// waits out the slow start-up banner for the first prompt, turns
// pagination off, and then runs one command at a time, reading to the next
// prompt.
//
// Questions a command asks are answered only as the caller says (Answer);
// any other question is answered "no" and reported as an error, never
// answered "yes". A session that drops is reported as *DroppedError so the
// caller can reconnect; a cancelled context closes the session.
//
// The package knows nothing of what the commands print: steps/cucm/parse
// reads the output and steps/cucm decides what to run and when.
package cli
