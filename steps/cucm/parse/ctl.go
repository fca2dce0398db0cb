package parse

import (
	"regexp"
	"strconv"
	"strings"
)

// CTLUpdate is what `utils ctl update CTLFile` printed on success.
type CTLUpdate struct {
	// Message is the line saying the file was updated.
	Message string
	// Restart is the CLI's advice about services to restart.
	Restart string
}

var ctlUpdated = regexp.MustCompile(
	`(?i)^ctl\s*file\s+(?:was\s+|has\s+been\s+|successfully\s+)*updated`)

// CTLUpdated parses the output of `utils ctl update CTLFile`.
func CTLUpdated(out string) (CTLUpdate, error) {
	if err := Failure(out); err != nil {
		return CTLUpdate{}, err
	}
	var u CTLUpdate
	for _, l := range Lines(out) {
		t := strings.TrimSpace(l)
		switch {
		case ctlUpdated.MatchString(t) && u.Message == "":
			u.Message = t
		case strings.HasPrefix(strings.ToLower(t), "please restart"):
			u.Restart = t
		}
	}
	if u.Message == "" {
		return u, unreadable(`"CTL file Updated" line`, out)
	}
	return u, nil
}

// CTL is what `show ctl` printed.
type CTL struct {
	// Checksums are the checksum lines, such as "0c05...(MD5)".
	Checksums []string
	// Length is the file length in bytes, 0 when not printed.
	Length int
	// Modified is the modification time as printed.
	Modified string
	// Header holds the fields of the file header.
	Header []CTLField
	// Records are the CTL records, in order.
	Records []CTLRecord
	// Verified is set when the CLI says the file verified successfully.
	Verified bool
	// Missing is set when the node has no CTL file (non-secure mode).
	Missing bool
}

// CTLField is one TAG/VALUE row of `show ctl`.
type CTLField struct {
	Tag, Value string
}

// CTLRecord is one "CTL Record #:N" block.
type CTLRecord struct {
	Fields []CTLField
}

// Get returns the value of the first field with the given tag.
func (r CTLRecord) Get(tag string) string {
	for _, f := range r.Fields {
		if strings.EqualFold(f.Tag, tag) {
			return f.Value
		}
	}
	return ""
}

var (
	ctlRow      = regexp.MustCompile(`^\s*\d+\s+([A-Z][A-Z0-9_]*)\s+\d+\s*(.*)$`)
	ctlRecord   = regexp.MustCompile(`(?i)^ctl\s+record\s*#\s*:?\s*\d+`)
	ctlLength   = regexp.MustCompile(`(?i)^length\s+of\s+ctl\s+file\s*:\s*(\d+)`)
	ctlModified = regexp.MustCompile(`(?i)^the\s+ctl\s+file\s+was\s+last\s+modified\s+on\s+(.+)$`)
	ctlChecksum = regexp.MustCompile(`^[0-9A-Fa-f]{16,}\s*\(\w+\)$`)
)

var ctlMissing = regexp.MustCompile(`(?i)^ctl\s*file\s+not\s+found`)

// CTLFile parses the output of `show ctl`. A node without a CTL file gives
// a CTL with Missing set.
func CTLFile(out string) (CTL, error) {
	for _, l := range Lines(out) {
		if ctlMissing.MatchString(strings.TrimSpace(l)) {
			return CTL{Missing: true}, nil
		}
	}
	if err := Failure(out); err != nil {
		return CTL{}, err
	}
	var c CTL
	var rec *CTLRecord
	for _, l := range Lines(out) {
		rec = c.line(strings.TrimSpace(l), rec)
	}
	if len(c.Records) == 0 && c.Modified == "" && c.Length == 0 {
		return c, unreadable("CTL file", out)
	}
	return c, nil
}

// line reads one line of `show ctl` into c and returns the record being
// read.
func (c *CTL) line(t string, rec *CTLRecord) *CTLRecord {
	switch {
	case ctlRecord.MatchString(t):
		c.Records = append(c.Records, CTLRecord{})
		return &c.Records[len(c.Records)-1]
	case ctlChecksum.MatchString(t):
		c.Checksums = append(c.Checksums, t)
	case strings.Contains(strings.ToLower(t), "verified successfully"):
		c.Verified = true
	}
	if m := ctlLength.FindStringSubmatch(t); m != nil {
		c.Length, _ = strconv.Atoi(m[1])
	} else if m := ctlModified.FindStringSubmatch(t); m != nil {
		c.Modified = strings.TrimSpace(m[1])
	} else if m := ctlRow.FindStringSubmatch(t); m != nil {
		f := CTLField{Tag: m[1], Value: strings.TrimSpace(m[2])}
		if rec != nil {
			rec.Fields = append(rec.Fields, f)
		} else {
			c.Header = append(c.Header, f)
		}
	}
	return rec
}
