package cucm

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// LogsInput is the input of cucm.logs.list.
type LogsInput struct {
	Access `yaml:",inline"`
	Logs   []string `yaml:"logs" doc:"Log sets to list: tomcat, certmgr, platform-api; all three when omitted."`
	Path   string   `yaml:"path" doc:"Another activelog directory to list instead, such as cm/trace/tvs/sdi."`
}

// LogFile is one file of a log directory.
type LogFile struct {
	Name     string `json:"name" doc:"File name."`
	Dir      bool   `json:"dir" doc:"Whether it is a directory."`
	Size     int64  `json:"size" doc:"Size in bytes; -1 when the listing does not say."`
	Modified string `json:"modified" doc:"Modification time, when the listing says."`
	Get      string `json:"get" doc:"The CLI command that downloads it over SFTP."`
}

// LogSet is one listed log directory.
type LogSet struct {
	Name    string    `json:"name" doc:"tomcat, certmgr, platform-api or the path asked for."`
	Path    string    `json:"path" doc:"The activelog directory."`
	Files   []LogFile `json:"files" doc:"Its files."`
	Missing bool      `json:"missing" doc:"Whether the node has no such directory."`
	Note    string    `json:"note" doc:"What the CLI said when the directory is missing."`
}

// LogsResult is the output of cucm.logs.list.
type LogsResult struct {
	Logs []LogSet `json:"logs" doc:"The log sets, in the order asked."`
}

// logSet is where a log set lives: a directory and a file name prefix.
type logSet struct{ dir, prefix string }

// logSetOf returns where a log set lives.
//
// TODO(logs): the platform REST API calls are taken from Tomcat's access
// log; check on a 14SU3 node whether the API has a log directory of its own.
func logSetOf(name string) (logSet, bool) {
	switch name {
	case "tomcat":
		return logSet{dir: "tomcat/logs"}, true
	case "certmgr":
		return logSet{dir: "platform/log", prefix: "certMgr"}, true
	case "platform-api":
		return logSet{dir: "tomcat/logs", prefix: "localhost_access_log"}, true
	}
	return logSet{}, false
}

func logsAction() steps.Action {
	return steps.Func[LogsInput, LogsResult]{
		Name: "cucm.logs.list",
		Doc: "Lists the troubleshooting logs of a certificate change (Tomcat, certificate " +
			"manager, platform REST API) with the commands that download them.",
		Run: logsList,
	}.Action()
}

func logsList(ctx context.Context, rt *steps.Runtime, in *LogsInput) (*LogsResult, error) {
	sets, err := wantedSets(in)
	if err != nil {
		return nil, err
	}
	res := &LogsResult{Logs: []LogSet{}}
	for _, name := range sets {
		set, err := listSet(ctx, rt, in.Access, name)
		if err != nil {
			return nil, err
		}
		res.Logs = append(res.Logs, set)
	}
	return res, nil
}

func wantedSets(in *LogsInput) ([]string, error) {
	if in.Path != "" {
		return []string{in.Path}, nil
	}
	if len(in.Logs) == 0 {
		return []string{"tomcat", "certmgr", "platform-api"}, nil
	}
	for _, name := range in.Logs {
		if _, ok := logSetOf(name); !ok {
			return nil, fmt.Errorf("logs: unknown log set %s; want tomcat, certmgr or platform-api",
				name)
		}
	}
	return in.Logs, nil
}

// listSet lists one log set; a missing directory is reported in the set.
func listSet(ctx context.Context, rt *steps.Runtime, acc Access, name string) (LogSet, error) {
	ls, ok := logSetOf(name)
	if !ok {
		ls = logSet{dir: strings.Trim(name, "/")}
	}
	set := LogSet{Name: name, Path: ls.dir, Files: []LogFile{}}
	listing, err := readParsed(ctx, rt, acc, "file list activelog "+ls.dir+" detail", parse.FileList)
	var cliErr *parse.CLIError
	if errors.As(err, &cliErr) {
		set.Missing, set.Note = true, cliErr.Line
		return set, nil
	}
	if err != nil {
		return set, err
	}
	for _, f := range listing.Files {
		if !strings.HasPrefix(f.Name, ls.prefix) {
			continue
		}
		lf := LogFile{Name: f.Name, Dir: f.Dir, Size: f.Size, Modified: f.Modified}
		if !f.Dir {
			lf.Get = "file get activelog " + path.Join(ls.dir, f.Name)
		}
		set.Files = append(set.Files, lf)
	}
	return set, nil
}
