package adcs

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
)

// The dispositions of a request.
const (
	Issued  = "issued"
	Pending = "pending"
	Denied  = "denied"
	Failed  = "failed" // a page that says neither
)

// Reply is what an AD CS HTML page says about a request.
type Reply struct {
	State     string
	RequestID int
	// Message is the disposition message, or the page's own words when
	// it quotes none.
	Message string
}

var (
	cerLink      = regexp.MustCompile(`(?i)certnew\.cer\?ReqID=(\d+)&`)
	requestIDRe  = regexp.MustCompile(`(?i)Request Id is (\d+)`)
	dispositionR = regexp.MustCompile(`(?i)disposition message is\s*"([^"]*)"`)
	tagRe        = regexp.MustCompile(`(?s)<script.*?</script>|<[^>]*>`)
	renewalsRe   = regexp.MustCompile(`nRenewals\s*=\s*(\d+)`)
)

// ParseReply reads a certfnsh.asp (or certnew.cer error) page: issued
// when it links certnew.cer?ReqID=N&, pending when an administrator must
// act, denied when it says so, failed otherwise.
func ParseReply(page string) Reply {
	text := pageText(page)
	r := Reply{State: Failed, Message: excerpt(text)}
	if msg := disposition(page); msg != "" {
		r.Message = msg
	}
	if m := requestIDRe.FindStringSubmatch(text); m != nil {
		r.RequestID, _ = strconv.Atoi(m[1])
	}
	lower := strings.ToLower(text)
	switch {
	case cerLink.MatchString(html.UnescapeString(page)):
		m := cerLink.FindStringSubmatch(html.UnescapeString(page))
		r.State, r.Message = Issued, "Issued"
		r.RequestID, _ = strconv.Atoi(m[1])
	case containsAny(lower, "certificate pending", "must wait for an administrator",
		"taken under submission"):
		r.State = Pending
	case strings.Contains(lower, "denied"):
		r.State = Denied
	}
	return r
}

// disposition returns the quoted disposition message of a page, its
// spacing kept (AD CS puts two spaces after "Policy Module").
func disposition(page string) string {
	raw := html.UnescapeString(tagRe.ReplaceAllString(page, " "))
	m := dispositionR.FindStringSubmatch(raw)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(strings.NewReplacer("\r", "", "\n", " ", "\t", " ").Replace(m[1]))
}

// err is the error of a reply that is not an issue.
func (r Reply) err() *DispositionError {
	return &DispositionError{RequestID: r.RequestID, State: r.State, Message: r.Message}
}

// pageText is the visible text of an HTML page, whitespace collapsed.
func pageText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tagRe.ReplaceAllString(page, " "))), " ")
}

// excerpt keeps a page's text short enough for an error line, without
// the banner every AD CS page starts with.
func excerpt(text string) string {
	const banner = "Microsoft Active Directory Certificate Services"
	if i := strings.LastIndex(text, "Home "); i >= 0 && strings.Contains(text[:i], banner) {
		text = text[i+len("Home "):]
	}
	if len(text) > 200 {
		text = text[:197] + "..."
	}
	if text == "" {
		return "(an empty page)"
	}
	return text
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// ParseRenewals reads nRenewals from certcarc.asp: the index of the CA's
// current certificate.
func ParseRenewals(page string) (int, error) {
	m := renewalsRe.FindStringSubmatch(page)
	if m == nil {
		return 0, fmt.Errorf("no nRenewals in the page: %s", excerpt(pageText(page)))
	}
	return strconv.Atoi(m[1])
}
