package cucmsim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// table is a database table as "run sql" sees it.
type table struct {
	columns []string
	rows    [][]string
}

var selectPattern = regexp.MustCompile(
	`(?is)^select\s+(.+?)\s+from\s+(\w+)(?:\s+where\s+(\w+)\s*=\s*'([^']*)')?\s*$`)

// runSQL is "run sql SELECT": a select on processconfig or processnode,
// with an optional "where column='value'", printed as the Informix CLI
// does.
func (s *session) runSQL(c call) outcome {
	m := selectPattern.FindStringSubmatch(c.rest)
	if m == nil {
		s.println(" 201: A syntax error has occurred.")
		return failure(fmt.Errorf("syntax error"))
	}
	t, ok := s.cl.table(strings.ToLower(m[2]))
	if !ok {
		s.printf(" 206: The specified table (%s) is not in the database.", m[2])
		return failure(fmt.Errorf("no table %s", m[2]))
	}
	cols, err := t.pick(m[1], m[3])
	if err != nil {
		s.println(" " + err.Error())
		return failure(err)
	}
	s.println(t.render(cols, m[3], m[4])...)
	return done()
}

// table returns the rows the simulator keeps for a table.
func (c *Cluster) table(name string) (table, bool) {
	switch name {
	case "processconfig":
		return table{
			columns: []string{"paramname", "paramvalue"},
			rows: [][]string{
				{"ClusterSecurityMode", strconv.Itoa(c.cfg.SecurityMode)},
				{"ClusterID", "StandAloneCluster"},
			},
		}, true
	case "processnode":
		t := table{
			columns: []string{"name", "nodeid", "tkprocessnoderole", "systemnode", "description"},
			rows:    [][]string{{"EnterpriseWideData", "1", "1", "t", ""}},
		}
		for _, n := range c.nodeList() {
			role := "1"
			if !n.cucm {
				role = "2"
			}
			t.rows = append(t.rows, []string{n.fqdn(), strconv.Itoa(n.nodeID), role, "f", ""})
		}
		return t, true
	}
	return table{}, false
}

// pick resolves the selected columns ("*" or a list) to indexes, checking
// the where column too.
func (t table) pick(list, where string) ([]int, error) {
	var names []string
	if strings.TrimSpace(list) == "*" {
		names = t.columns
	} else {
		for _, n := range strings.Split(list, ",") {
			names = append(names, strings.ToLower(strings.TrimSpace(n)))
		}
	}
	if where != "" {
		names = append(names, strings.ToLower(where))
	}
	var idx []int
	for _, n := range names {
		i := slices.Index(t.columns, n)
		if i < 0 {
			return nil, fmt.Errorf("217: Column (%s) not found in any table in the query (or SLV is undefined).", n)
		}
		idx = append(idx, i)
	}
	if where != "" {
		idx = idx[:len(idx)-1]
	}
	return idx, nil
}

// render prints the selected columns of the matching rows, each column as
// wide as its widest value, with a line of = under the header.
func (t table) render(cols []int, where, value string) []string {
	wi := slices.Index(t.columns, strings.ToLower(where))
	rows := [][]string{}
	for _, r := range t.rows {
		if wi >= 0 && r[wi] != value {
			continue
		}
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = r[c]
		}
		rows = append(rows, row)
	}
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = t.columns[c]
	}
	widths := make([]int, len(cols))
	for _, r := range append([][]string{header}, rows...) {
		for i, v := range r {
			widths[i] = max(widths[i], len(v))
		}
	}
	rule := make([]string, len(cols))
	for i, w := range widths {
		rule[i] = strings.Repeat("=", w)
	}
	out := []string{pad(header, widths), pad(rule, widths)}
	for _, r := range rows {
		out = append(out, pad(r, widths))
	}
	return out
}

// pad joins values with one space, each padded to its column's width; the
// line has no trailing spaces.
func pad(values []string, widths []int) string {
	var b strings.Builder
	for i, v := range values {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v)
		if i < len(values)-1 {
			b.WriteString(strings.Repeat(" ", widths[i]-len(v)))
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// fileList is "file list activelog PATH [options]": a small fixed tree.
func (s *session) fileList(c call) outcome {
	dir := strings.Trim(c.args[0], "/")
	entries, ok := activelog(s.n.cucm, s.cl.now().Format("2006-01-02"))[dir]
	if !ok {
		s.printf("Directory not found: %s", c.args[0])
		return failure(fmt.Errorf("no directory %s", dir))
	}
	dirs, files := 0, 0
	for _, e := range entries {
		if strings.HasSuffix(e, "/") {
			dirs++
			s.println("<dir>    " + strings.TrimSuffix(e, "/"))
		} else {
			files++
			s.println(e)
		}
	}
	s.printf("dir count = %d, file count = %d", dirs, files)
	return done()
}

// activelog is the simulated activelog tree: directory -> entries,
// directories ending in "/".
func activelog(cucm bool, day string) map[string][]string {
	tree := map[string][]string{
		"":                     {"cm/", "platform/", "syslog/", "tomcat/"},
		"platform":             {"log/"},
		"platform/log":         {"certMgr.log", "cli.log", "servM.log"},
		"syslog":               {"AlternateSyslog", "CiscoSyslog", "messages"},
		"tomcat":               {"logs/"},
		"tomcat/logs":          {"security/", "catalina.out", "localhost_access_log." + day + ".txt"},
		"tomcat/logs/security": {"security00001.log"},
		"cm":                   {"log/", "trace/"},
		"cm/log":               {"ris/"},
		"cm/log/ris":           {"csv/"},
		"cm/log/ris/csv":       {"ServerCounters.csv"},
		"cm/trace":             {"dbl/"},
		"cm/trace/dbl":         {"sdi/"},
		"cm/trace/dbl/sdi":     {"dbl00000001.txt"},
	}
	if cucm {
		tree["cm/trace"] = append(tree["cm/trace"], "ccm/", "tftp/", "tvs/")
		tree["cm/trace/ccm"] = []string{"sdl/"}
		tree["cm/trace/ccm/sdl"] = []string{"SDL001_100_000001.txt.gz"}
		tree["cm/trace/tftp"] = []string{"sdi/"}
		tree["cm/trace/tftp/sdi"] = []string{"cms00000001.txt"}
		tree["cm/trace/tvs"] = []string{"sdi/"}
		tree["cm/trace/tvs/sdi"] = []string{"tvs00000001.txt"}
	}
	return tree
}
