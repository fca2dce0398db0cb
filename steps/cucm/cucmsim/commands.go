package cucmsim

import (
	"errors"
	"strings"
)

// command is one CLI command: its keywords, how many arguments it takes
// (max -1: any) and what it does.
type command struct {
	words    string
	min, max int
	ownFail  bool // models a fail fault itself (service starts)
	run      func(s *session, c call) outcome
}

// call is one invocation of a command.
type call struct {
	args []string // the words after the keywords
	rest string   // the raw text after the keywords
	fail bool     // a fail fault fired on this command
}

// commands is the CLI's command table.
func commands() []command {
	return []command{
		{words: "show version active", run: (*session).showVersion},
		{words: "show network cluster", run: (*session).showNetworkCluster},
		{words: "show cert list", min: 1, max: 1, run: (*session).showCertList},
		{words: "show cert own", min: 1, max: 1, run: (*session).showCertOwn},
		{words: "show cert trust", min: 1, max: 1, run: (*session).showCertTrust},
		{words: "show csr own", min: 1, max: 1, run: (*session).showCSROwn},
		{words: "show ctl", run: (*session).showCTL},
		{words: "set cli pagination", min: 1, max: 1, run: (*session).setPagination},
		{words: "set csr gen", min: 1, max: 1, run: (*session).setCSRGen},
		{words: "set cert import", min: 2, max: 2, run: (*session).setCertImport},
		{words: "set cert regen", min: 1, max: 1, run: (*session).setCertRegen},
		{words: "utils service list", max: 1, run: (*session).serviceList},
		{words: "utils service start", min: 1, max: -1, ownFail: true, run: (*session).serviceStart},
		{words: "utils service stop", min: 1, max: -1, run: (*session).serviceStop},
		{words: "utils service restart", min: 1, max: -1, ownFail: true, run: (*session).serviceRestart},
		{words: "utils sso status", run: (*session).ssoStatus},
		{words: "utils sso disable", run: (*session).ssoDisable},
		{words: "utils ctl update CTLFile", run: (*session).ctlUpdate},
		{words: "utils itl reset localkey", run: (*session).itlReset},
		{words: "run sql", min: 1, max: -1, run: (*session).runSQL},
		{words: "file list activelog", min: 1, max: -1, run: (*session).fileList},
		{words: "exit", run: (*session).exit},
		{words: "quit", run: (*session).exit},
	}
}

// lookup finds the command of a line, matching keywords without regard to
// case; the longest match wins. Without one it returns the outcome the CLI
// gives: "Executed command unsuccessfully" for an unknown word, "Invalid
// command" for a known start with wrong words or arguments.
func lookup(line string) (*command, call, outcome) {
	fields := strings.Fields(line)
	var best *command
	bestLen := 0
	known := false
	for _, cmd := range commands() {
		kw := strings.Fields(cmd.words)
		known = known || strings.EqualFold(kw[0], fields[0])
		if len(kw) > len(fields) || len(kw) <= bestLen || !prefixFold(fields, kw) {
			continue
		}
		best, bestLen = &cmd, len(kw)
	}
	if best == nil {
		if known {
			return nil, call{}, invalid("Invalid command")
		}
		return nil, call{}, invalid("Executed command unsuccessfully")
	}
	args := fields[bestLen:]
	if len(args) < best.min || best.max >= 0 && len(args) > best.max {
		return nil, call{}, invalid("Invalid command")
	}
	return best, call{args: args, rest: afterFields(line, bestLen)}, outcome{}
}

// invalid is the outcome of a line the CLI does not take; the text is
// printed by the caller through the returned detail.
func invalid(text string) outcome {
	return outcome{result: ResultInvalid, detail: text}
}

func prefixFold(fields, kw []string) bool {
	for i, k := range kw {
		if !strings.EqualFold(fields[i], k) {
			return false
		}
	}
	return true
}

// afterFields returns the raw text after the first n words of line.
func afterFields(line string, n int) string {
	rest := strings.TrimSpace(line)
	for range n {
		i := strings.IndexAny(rest, " \t")
		if i < 0 {
			return ""
		}
		rest = strings.TrimSpace(rest[i:])
	}
	return rest
}

// broken turns an input error in the middle of a command into its
// outcome: Ctrl-C abandons the command, anything else ends the session.
func broken(err error) outcome {
	if errors.Is(err, errInterrupt) {
		return outcome{result: ResultAborted, detail: "interrupted"}
	}
	return outcome{result: ResultFailed, detail: err.Error(), exit: true}
}

// aborted is the outcome of a question answered no.
func aborted() outcome {
	return outcome{result: ResultAborted, detail: "answered no"}
}

func (s *session) exit(call) outcome {
	return outcome{result: ResultOK, exit: true}
}

func (s *session) setPagination(c call) outcome {
	switch strings.ToLower(c.args[0]) {
	case "on":
		s.paging = true
		s.println("Automatic pagination is turned on")
	case "off":
		s.paging = false
		s.println("Automatic pagination is turned off")
	default:
		s.println("Invalid command")
		return invalid("Invalid command")
	}
	return done()
}
