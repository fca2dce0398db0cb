// Package engine loads, validates, plans, runs and resumes runbooks.
//
// Load reads a runbook (a file or a canned name) and an optional site,
// merges the site's overrides into the runbook's YAML with the origin of
// every changed value, decodes both with positions kept (engine/decode),
// checks every reference and compiles every expression against a typed
// environment (engine/eval), and returns the Effective runbook. Plan reads
// facts with read-only actions and evaluates guards without changing
// anything. Run and Resume execute with a write-ahead journal
// (engine/journal): every action is announced and synced to disk before it
// runs, and its end after; the state is replayed from the journal, so a
// crash at any point loses nothing and repeats nothing that finished. Work
// in flight at a crash is reconciled by the action's check.
//
// The engine never prints: it reports through an event Sink, and the CLI
// renders. Actions live in steps and its folders; the engine knows them
// only through steps.Action and the registry it is given.
package engine
