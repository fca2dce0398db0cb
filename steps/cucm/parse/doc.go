// Package parse reads the text the CUCM and IM&P OS command line prints and
// turns each output shape into typed values: service lists and service state
// changes, the active version, the cluster table, SSO status, SQL tables,
// certificate lists and details, CSRs, certificate import results, CTL
// update results and contents, and log file listings.
//
// Every parser accepts the variants seen across releases (spacing, reason
// suffixes, older wordings, padded columns, ANSI escapes, a prompt that is
// not "admin:") and reports text it cannot read as an error quoting the
// first lines it saw. Failures the CLI itself reports ("Executed command
// unsuccessfully", "Invalid command", "Error: ...") come back as *CLIError.
//
// The package does no I/O: steps/cucm/cli runs the commands and steps/cucm
// decides what the parsed values mean for a runbook step.
package parse
