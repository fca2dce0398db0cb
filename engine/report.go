package engine

import (
	"reflect"

	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/ucops/runbook/engine/journal"
	"github.com/ucops/runbook/steps"
	htmltemplate "html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
	"time"
)

// Report is a run's change record: what ran, on what, when, by whom, with
// what result and evidence, and every operator decision.
type Report struct {
	State
	SiteFile  string         `json:"site_file,omitempty"`
	Inventory []steps.Node   `json:"inventory,omitempty"`
	Facts     map[string]any `json:"facts,omitempty"`
	// FirstFacts are the facts the first session read, when they differ
	// from the last session's (SSO was on, a service was down).
	FirstFacts map[string]any   `json:"first_facts,omitempty"`
	Artifacts  []ReportArtifact `json:"artifacts,omitempty"`
	Generated  time.Time        `json:"generated"`
}

// ReportArtifact is a file the run produced, with its digest.
type ReportArtifact struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BuildReport gathers a run's report from its journal and directory.
func BuildReport(store *Store, l *Loader, id string) (*Report, error) {
	dir, err := store.Open(id)
	if err != nil {
		return nil, inputErr(err)
	}
	st, recs, err := replayRun(l, dir)
	if err != nil {
		return nil, err
	}
	meta, err := dir.ReadMeta()
	if err != nil {
		return nil, err
	}
	r := &Report{State: *st, SiteFile: meta.SiteFile, Inventory: meta.Inventory, Generated: time.Now().UTC()}
	r.FirstFacts, r.Facts = sessionFacts(recs)
	if reflect.DeepEqual(r.FirstFacts, r.Facts) {
		r.FirstFacts = nil
	}
	r.Artifacts = listArtifacts(dir.File(dirArtifacts))
	return r, nil
}

// sessionFacts returns the facts of the first session that read any, and
// of the last.
func sessionFacts(recs []journal.Record) (first, last map[string]any) {
	session := -1
	var sessions []map[string]any
	for _, rec := range recs {
		switch rec.Type {
		case recRunStarted, recResumed:
			session = len(sessions)
			sessions = append(sessions, map[string]any{})
		case recFact:
			var v any
			if session >= 0 && json.Unmarshal(rec.Result, &v) == nil {
				sessions[session][rec.Step] = v
			}
		}
	}
	for _, s := range sessions {
		if len(s) == 0 {
			continue
		}
		if first == nil {
			first = s
		}
		last = s
	}
	return first, last
}

func listArtifacts(dir string) []ReportArtifact {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []ReportArtifact
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		sum := sha256.Sum256(data)
		out = append(out, ReportArtifact{Name: e.Name(), Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Write renders the report as md, json or html.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "md", "markdown", "":
		t := template.Must(template.New("md").Funcs(reportFuncs()).Parse(markdownReport))
		return t.Execute(w, r)
	case "html":
		t := htmltemplate.Must(htmltemplate.New("html").Funcs(reportFuncs()).Parse(htmlReport))
		return t.Execute(w, r)
	}
	return inputErr(fmt.Errorf("report format %q: want md, json or html", format))
}

func reportFuncs() map[string]any {
	return map[string]any{
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05Z")
		},
		"took": func(a, b time.Time) string {
			if a.IsZero() || b.IsZero() {
				return ""
			}
			return b.Sub(a).Round(time.Millisecond).String()
		},
		"json": func(v any) string {
			b, _ := json.Marshal(Brief(v))
			return string(b)
		},
		"ended": func(s Session) string {
			if s.Ended.IsZero() {
				return "no end recorded: the process stopped (killed or lost)"
			}
			return s.Ended.UTC().Format("2006-01-02 15:04:05Z")
		},
		"cell": func(s string) string {
			return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
		},
	}
}

const markdownReport = `# Change record: {{.Runbook.Name}} {{.Runbook.Version}}

| | |
|---|---|
| Run | {{.RunID}} |
| Outcome | **{{.State.State}}** |
| Runbook digest | {{.Runbook.Digest}} |
| Plan hash | {{.PlanHash}} |
{{- if .Site}}
| Site | {{.Site}}{{if .SiteFile}} ({{.SiteFile}}){{end}} |
{{- end}}
| Started | {{when .Started}} |
| Last change | {{when .Updated}} |

## Sessions

| Command | By | Started | Ended | Outcome |
|---|---|---|---|---|
{{- range .Sessions}}
| {{.Command}} | {{.By}} | {{when .Started}} | {{ended .}} | {{.Outcome}}{{if .Message}}: {{cell .Message}}{{end}} |
{{- end}}
{{if .Inventory}}
## Inventory

| Node | Role | Host | FQDN |
|---|---|---|---|
{{- range .Inventory}}
| {{.Name}} | {{.Role}} | {{.Host}} | {{.FQDN}} |
{{- end}}
{{end}}
{{if .Params}}
## Params

| Name | Value | Origin |
|---|---|---|
{{- range .Params}}
| {{.Name}} | {{cell (json .Value)}} | {{.Origin}} |
{{- end}}
{{end}}
{{- if .Warnings}}
## Warnings
{{range .Warnings}}
- {{.}}
{{- end}}
{{end}}
{{- if .FirstFacts}}
## Facts when the run started
{{range $k, $v := .FirstFacts}}
- **{{$k}}**: ` + "`{{cell (json $v)}}`" + `
{{- end}}
{{end}}
{{- if .Facts}}
## Facts{{if .FirstFacts}} at the last session{{end}}
{{range $k, $v := .Facts}}
- **{{$k}}**: ` + "`{{cell (json $v)}}`" + `
{{- end}}
{{end}}
## Steps

| Step | Target | State | Attempts | Started | Took | Notes |
|---|---|---|---|---|---|---|
{{- range .Steps}}
| {{.ID}}{{if .Finally}} (finally){{end}} | | {{.State}} | {{.Attempts}} | {{when .Started}} | {{took .Started .Finished}} | {{cell .Reason}} |
{{- range .Targets}}
| | {{.Node}} | {{.State}} | {{.Attempts}} | {{when .Started}} | {{took .Started .Finished}} | {{cell .Reason}} |
{{- end}}
{{- end}}

## Evidence
{{range .Steps}}{{$step := .}}
### {{.ID}}{{if .Title}}: {{.Title}}{{end}}

Action ` + "`{{.Action}}`" + `, {{.State}}.
{{- if .Outputs}}
Outputs: ` + "`{{cell (json .Outputs)}}`" + `
{{- end}}
{{- range .Progress}}
- {{.}}
{{- end}}
{{- range .Targets}}
- {{.Node}}: {{.State}}{{if .Outputs}}, outputs ` + "`{{cell (json .Outputs)}}`" + `{{end}}
{{- range .Progress}}
  - {{.}}
{{- end}}
{{- end}}
{{- range .Events}}
- {{when .Time}} {{.Kind}}{{if .Node}} on {{.Node}}{{end}}{{if .By}} by {{.By}}{{end}}{{if .Reason}}: {{.Reason}}{{end}}{{if .Inputs}} inputs {{json .Inputs}}{{end}}
{{- end}}
{{end}}
{{- if .Artifacts}}
## Artifacts

| File | Size | SHA-256 |
|---|---|---|
{{- range .Artifacts}}
| {{.Name}} | {{.Size}} | {{.SHA256}} |
{{- end}}
{{end}}
Generated {{when .Generated}}.
`

const htmlReport = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Change record: {{.Runbook.Name}} {{.Runbook.Version}} ({{.RunID}})</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}.succeeded{color:#1a7f37}.failed,.blocked,.unknown{color:#c62828}.waiting,.interrupted{color:#b26a00}
code{font-size:.9em;word-break:break-all}
</style></head><body>
<h1>Change record: {{.Runbook.Name}} {{.Runbook.Version}}</h1>
<table>
<tr><th>Run</th><td>{{.RunID}}</td></tr>
<tr><th>Outcome</th><td class="{{.State.State}}"><b>{{.State.State}}</b></td></tr>
<tr><th>Runbook digest</th><td><code>{{.Runbook.Digest}}</code></td></tr>
<tr><th>Plan hash</th><td><code>{{.PlanHash}}</code></td></tr>
{{if .Site}}<tr><th>Site</th><td>{{.Site}} {{.SiteFile}}</td></tr>{{end}}
<tr><th>Started</th><td>{{when .Started}}</td></tr>
<tr><th>Last change</th><td>{{when .Updated}}</td></tr>
</table>
<h2>Sessions</h2>
<table><tr><th>Command</th><th>By</th><th>Started</th><th>Ended</th><th>Outcome</th></tr>
{{range .Sessions}}<tr><td>{{.Command}}</td><td>{{.By}}</td><td>{{when .Started}}</td><td>{{ended .}}</td><td class="{{.Outcome}}">{{.Outcome}}{{if .Message}}: {{.Message}}{{end}}</td></tr>
{{end}}</table>
{{if .Inventory}}<h2>Inventory</h2><table><tr><th>Node</th><th>Role</th><th>Host</th><th>FQDN</th></tr>
{{range .Inventory}}<tr><td>{{.Name}}</td><td>{{.Role}}</td><td>{{.Host}}</td><td>{{.FQDN}}</td></tr>{{end}}</table>{{end}}
{{if .Params}}<h2>Params</h2><table><tr><th>Name</th><th>Value</th><th>Origin</th></tr>
{{range .Params}}<tr><td>{{.Name}}</td><td><code>{{json .Value}}</code></td><td>{{.Origin}}</td></tr>
{{end}}</table>{{end}}
{{if .Warnings}}<h2>Warnings</h2><ul>{{range .Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .FirstFacts}}<h2>Facts when the run started</h2><ul>{{range $k, $v := .FirstFacts}}<li><b>{{$k}}</b>: <code>{{json $v}}</code></li>{{end}}</ul>{{end}}
{{if .Facts}}<h2>Facts{{if .FirstFacts}} at the last session{{end}}</h2><ul>{{range $k, $v := .Facts}}<li><b>{{$k}}</b>: <code>{{json $v}}</code></li>{{end}}</ul>{{end}}
<h2>Steps</h2>
<table><tr><th>Step</th><th>Target</th><th>State</th><th>Attempts</th><th>Started</th><th>Took</th><th>Notes</th></tr>
{{range .Steps}}<tr><td>{{.ID}}{{if .Finally}} (finally){{end}}</td><td></td><td class="{{.State}}">{{.State}}</td><td>{{.Attempts}}</td><td>{{when .Started}}</td><td>{{took .Started .Finished}}</td><td>{{.Reason}}</td></tr>
{{range .Targets}}<tr><td></td><td>{{.Node}}</td><td class="{{.State}}">{{.State}}</td><td>{{.Attempts}}</td><td>{{when .Started}}</td><td>{{took .Started .Finished}}</td><td>{{.Reason}}</td></tr>
{{end}}{{end}}</table>
<h2>Evidence</h2>
{{range .Steps}}<h3>{{.ID}}{{if .Title}}: {{.Title}}{{end}}</h3>
<p>Action <code>{{.Action}}</code>, <span class="{{.State}}">{{.State}}</span>.{{if .Outputs}} Outputs: <code>{{json .Outputs}}</code>{{end}}</p>
<ul>{{range .Progress}}<li>{{.}}</li>{{end}}{{range .Targets}}<li>{{.Node}}: <span class="{{.State}}">{{.State}}</span>{{if .Outputs}}, outputs <code>{{json .Outputs}}</code>{{end}}
{{if .Progress}}<ul>{{range .Progress}}<li>{{.}}</li>{{end}}</ul>{{end}}</li>{{end}}
{{range .Events}}<li>{{when .Time}} {{.Kind}}{{if .Node}} on {{.Node}}{{end}}{{if .By}} by {{.By}}{{end}}{{if .Reason}}: {{.Reason}}{{end}}{{if .Inputs}} inputs <code>{{json .Inputs}}</code>{{end}}</li>{{end}}</ul>
{{end}}
{{if .Artifacts}}<h2>Artifacts</h2><table><tr><th>File</th><th>Size</th><th>SHA-256</th></tr>
{{range .Artifacts}}<tr><td>{{.Name}}</td><td>{{.Size}}</td><td><code>{{.SHA256}}</code></td></tr>{{end}}</table>{{end}}
<p>Generated {{when .Generated}}.</p>
</body></html>
`
