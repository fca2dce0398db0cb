package cucm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ucops/runbook/steps"
)

// AuditInput is the input of cucm.cert.audit.
type AuditInput struct {
	Access       `yaml:",inline"`
	API          `yaml:",inline"`
	Units        []string          `yaml:"units" required:"true" doc:"Identity units to audit: tomcat (every node), CallManager (CUCM nodes), cup-xmpp and cup-xmpp-s2s (IM and Presence nodes)."`
	ClientAuth   []string          `yaml:"client_auth" doc:"Units whose certificate must carry Client Authentication, as they act as TLS clients (SIP trunks, XMPP federation, Expressway)."`
	SelfSignedOK []string          `yaml:"self_signed_ok" doc:"Units that may stay self-signed on every node: an informational finding, not one needing action, while no node has a CA-signed one (a node back to self-signed beside CA-signed ones still needs action; expiry is still checked)."`
	ExpiryDays   int               `yaml:"expiry_days" default:"30" doc:"A certificate that expires within this many days is a finding."`
	CheckServed  bool              `yaml:"check_served" default:"true" doc:"Compare the certificate each node serves on HTTPS with its installed tomcat certificate, and verify the served chain."`
	Runbooks     map[string]string `yaml:"runbooks" doc:"The canned runbook that regenerates each unit's certificate, named in the findings (unit: runbook)."`
	Method       string            `yaml:"method" default:"auto" enum:"auto,cli,api" doc:"How certificates are read: api uses the REST API (release 14 and later), cli the CLI, auto the API where the release has it. The CLI shows no trust certificate's key, so chains are then checked by the issuer's name."`
	ProbeTimeout time.Duration     `yaml:"probe_timeout" default:"15s" doc:"How long to wait for each node's HTTPS answer."`
}

// AuditFinding is one thing the audit found.
type AuditFinding struct {
	Kind    string   `json:"kind" doc:"self_signed, missing_from_san, expiring, expired, client_auth, chain, served_chain, not_restarted, leftover, inventory or unread."`
	Unit    string   `json:"unit" doc:"The unit it concerns; empty for inventory and unread."`
	Nodes   []string `json:"nodes" doc:"The nodes it concerns: site names, or FQDNs of nodes the site lacks."`
	Action  bool     `json:"action" doc:"Whether it needs action; false for informational findings."`
	Runbook string   `json:"runbook" doc:"The canned runbook that fixes it, when one does."`
	Message string   `json:"message" doc:"What was found and what to do, on one line."`
}

// AuditCert is what one node holds for one unit.
type AuditCert struct {
	Node       string   `json:"node" doc:"Site name of the node."`
	Unit       string   `json:"unit" doc:"The unit."`
	File       string   `json:"file" doc:"File of the installed certificate, such as tomcat.pem or cucm-pub-ms.pem."`
	Serial     string   `json:"serial" doc:"Serial number in upper-case hexadecimal."`
	Issuer     string   `json:"issuer" doc:"Issuer name."`
	SelfSigned bool     `json:"self_signed" doc:"Whether it is self-signed."`
	NotAfter   string   `json:"not_after" doc:"End of validity (RFC 3339), empty when the CLI did not say."`
	SANs       []string `json:"sans" doc:"DNS subject alternative names."`
	Served     string   `json:"served" doc:"Serial of the certificate the node serves on HTTPS (tomcat only), empty when not probed."`
}

// AuditResult is the output of cucm.cert.audit.
type AuditResult struct {
	Release      string         `json:"release" doc:"Active release of the publisher."`
	Method       string         `json:"method" doc:"How certificates were read: api or cli."`
	Cluster      []string       `json:"cluster" doc:"FQDNs of the cluster's nodes (show network cluster)."`
	Findings     []AuditFinding `json:"findings" doc:"Every finding, those needing action first."`
	Action       []string       `json:"action" doc:"Messages of the findings that need action, one line each."`
	Info         []string       `json:"info" doc:"Messages of the informational findings, one line each."`
	Runbooks     []string       `json:"runbooks" doc:"Canned runbooks the findings recommend, in unit order."`
	Certificates []AuditCert    `json:"certificates" doc:"The installed certificate of every audited node and unit."`
}

func auditAction() steps.Action {
	return steps.Func[AuditInput, AuditResult]{
		Name: "cucm.cert.audit",
		Doc: "Audits the identity certificates of every node against the cluster's nodes " +
			"(SAN coverage, self-signed nodes, expiry, chain, client authentication, the " +
			"certificate served) and reports findings; run it on the publisher.",
		Run: certAudit,
	}.Action()
}

// auditParallel is how many nodes the audit reads at a time.
const auditParallel = 4

func certAudit(ctx context.Context, rt *steps.Runtime, in *AuditInput) (*AuditResult, error) {
	if rt.Site == nil {
		return nil, errors.New("cucm.cert.audit needs the site's inventory")
	}
	in, err := canonicalInput(in)
	if err != nil {
		return nil, err
	}
	cluster, err := clusterNodes(ctx, rt, in.Access)
	if err != nil {
		return nil, err
	}
	rel, err := release(ctx, rt, in.Access)
	if err != nil {
		return nil, err
	}
	method := in.Method
	if method == "auto" {
		method = "cli"
		if rel.Major >= 14 {
			method = "api"
		}
	}
	a := &audit{in: in, now: time.Now(), cluster: cluster, reads: readAll(ctx, rt, in, method, cluster)}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := a.run()
	res.Release, res.Method = rel.Version, method
	for _, f := range res.Findings {
		rt.Progress("%s", f.Message)
	}
	return res, nil
}

// readAll reads every node of the site, a few at a time, each on its own
// pooled session; progress lines are told one at a time.
func readAll(ctx context.Context, rt *steps.Runtime, in *AuditInput, method string,
	cluster *ClusterResult) []*nodeRead {
	reads := make([]*nodeRead, len(rt.Site.Nodes))
	shared := *rt
	if rt.Notify != nil {
		var mu sync.Mutex
		shared.Notify = func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			rt.Notify(msg)
		}
	}
	var g errgroup.Group
	g.SetLimit(auditParallel)
	for i := range rt.Site.Nodes {
		g.Go(func() error {
			reads[i] = readNode(ctx, &shared, in, method, &rt.Site.Nodes[i], cluster)
			return nil
		})
	}
	g.Wait()
	return reads
}

// auditUnits returns the units the audit knows which nodes hold.
func auditUnits() []string {
	return []string{"tomcat", "CallManager", "cup-xmpp", "cup-xmpp-s2s"}
}

// canonicalInput returns a copy of in with its units spelt as the audit
// spells them, refusing a unit it does not know.
func canonicalInput(in *AuditInput) (*AuditInput, error) {
	out := *in
	var err error
	for _, list := range []*[]string{&out.Units, &out.ClientAuth, &out.SelfSignedOK} {
		if *list, err = canonicalUnits(*list); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

func canonicalUnits(list []string) ([]string, error) {
	known := auditUnits()
	out := make([]string, len(list))
	for i, u := range list {
		k := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, u) })
		if k < 0 {
			return nil, fmt.Errorf("unit %q: the audit knows %s", u, strings.Join(known, ", "))
		}
		out[i] = known[k]
	}
	return out, nil
}

// hasUnit reports whether list names unit, ignoring case.
func hasUnit(list []string, unit string) bool {
	return slices.ContainsFunc(list, func(u string) bool { return strings.EqualFold(u, unit) })
}

// runbookFor returns the runbook that regenerates unit, if the input names one.
func (in *AuditInput) runbookFor(unit string) string {
	for u, rb := range in.Runbooks {
		if strings.EqualFold(u, unit) {
			return rb
		}
	}
	return ""
}
