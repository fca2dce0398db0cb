package parse

import (
	"regexp"
	"strconv"
	"strings"
)

// File is one entry of `file list`.
type File struct {
	Name string
	Dir  bool
	// Size is in bytes; -1 when the listing did not say.
	Size int64
	// Modified is the time as printed by `file list ... detail`, else "".
	Modified string
}

// Listing is what `file list activelog PATH` printed.
type Listing struct {
	Files []File
	// Dirs and Count are the totals the CLI printed, -1 when it did not.
	Dirs, Count int
}

var (
	fileTotals = regexp.MustCompile(`(?i)dir\s+count\s*=\s*(\d+)\s*,\s*file\s+count\s*=\s*(\d+)`)
	fileDetail = regexp.MustCompile(`^(\d{1,2}\s+\w{3}\s*,\s*\d{4}\s+\d{1,2}:\d{2}(?::\d{2})?)` +
		`\s+(<dir>|[\d,]+)\s+(\S.*)$`)
	fileDir = regexp.MustCompile(`(?i)^<dir>\s+(\S.*)$`)
	noFiles = regexp.MustCompile(
		`(?i)(no such file|does ?n[o']t exist|not found|no files? (?:found|matched))`)
)

// FileList parses the output of `file list activelog PATH [detail]`.
func FileList(out string) (Listing, error) {
	if err := Failure(out); err != nil {
		return Listing{}, err
	}
	ls := Listing{Dirs: -1, Count: -1}
	seen := false
	for _, l := range Lines(out) {
		t := strings.TrimSpace(l)
		if t == "" || IsPrompt(t) || isEcho(t) {
			continue
		}
		if noFiles.MatchString(t) {
			return ls, &CLIError{Line: t}
		}
		seen = ls.line(t) || seen
	}
	if !seen {
		return ls, unreadable("file listing", out)
	}
	return ls, nil
}

// line reads one line into ls and reports whether it was a listing line.
func (ls *Listing) line(t string) bool {
	if m := fileTotals.FindStringSubmatch(t); m != nil {
		ls.Dirs, _ = strconv.Atoi(m[1])
		ls.Count, _ = strconv.Atoi(m[2])
		return true
	}
	if m := fileDetail.FindStringSubmatch(t); m != nil {
		f := File{Name: m[3], Modified: strings.Join(strings.Fields(m[1]), " "), Size: -1}
		if m[2] == "<dir>" {
			f.Dir = true
		} else {
			f.Size, _ = strconv.ParseInt(strings.ReplaceAll(m[2], ",", ""), 10, 64)
		}
		ls.Files = append(ls.Files, f)
		return true
	}
	if m := fileDir.FindStringSubmatch(t); m != nil {
		ls.Files = append(ls.Files, File{Name: m[1], Dir: true, Size: -1})
		return true
	}
	for _, name := range strings.Fields(t) {
		ls.Files = append(ls.Files, File{Name: name, Size: -1})
	}
	return true
}

// echoLine matches a prompt followed by the command typed after it.
var echoLine = regexp.MustCompile(`^[A-Za-z_][\w.@-]*:\s*(?:file|show|utils|set|run)\s`)

func isEcho(t string) bool { return echoLine.MatchString(t) }
