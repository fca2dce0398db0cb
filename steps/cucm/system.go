package cucm

import (
	"context"
	"fmt"
	"strings"

	"github.com/ucops/runbook/steps"
	"github.com/ucops/runbook/steps/cucm/parse"
)

// VersionInput is the input of cucm.version.
type VersionInput struct {
	Access `yaml:",inline"`
}

// VersionResult is the output of cucm.version.
type VersionResult struct {
	Version     string   `json:"version" doc:"Active version, such as 14.0.1.12900-161."`
	Major       int      `json:"major" doc:"First number of the version, such as 14."`
	Minor       int      `json:"minor" doc:"Second number of the version."`
	Maintenance int      `json:"maintenance" doc:"Third number of the version."`
	RESTAPI     bool     `json:"rest_api" doc:"Whether the release has the certificate REST API (14 and later)."`
	Options     []string `json:"options" doc:"Installed software options (COP files)."`
}

func versionAction() steps.Action {
	return steps.Func[VersionInput, VersionResult]{
		Name: "cucm.version",
		Doc:  "Reads the node's active version (show version active).",
		Run:  version,
	}.Action()
}

func version(ctx context.Context, rt *steps.Runtime, in *VersionInput) (*VersionResult, error) {
	r, err := release(ctx, rt, in.Access)
	if err != nil {
		return nil, err
	}
	return &VersionResult{Version: r.Version, Major: r.Major, Minor: r.Minor,
		Maintenance: r.Maintenance, RESTAPI: r.Major >= 14, Options: r.Options}, nil
}

// ClusterInput is the input of cucm.cluster.nodes.
type ClusterInput struct {
	Access `yaml:",inline"`
}

// ClusterNode is one node of the cluster.
type ClusterNode struct {
	Name    string `json:"name" doc:"Host name."`
	FQDN    string `json:"fqdn" doc:"Fully qualified name; the host name on releases that print no FQDN."`
	Address string `json:"address" doc:"IP address."`
	Role    string `json:"role" doc:"publisher or subscriber, as the database sees it."`
	Product string `json:"product" doc:"callmanager for CUCM, cups for IM and Presence."`
	// SiteRole is the role a site file gives the node.
	SiteRole      string `json:"site_role" doc:"publisher, subscriber or imp: the role a site file gives it."`
	DBRole        string `json:"db_role" doc:"DBPub or DBSub: the database role of the node within its product."`
	Authenticated bool   `json:"authenticated" doc:"Whether the node's database link is authenticated."`
}

// ClusterResult is the output of cucm.cluster.nodes.
type ClusterResult struct {
	Nodes     []ClusterNode `json:"nodes" doc:"Every node of the cluster, as show network cluster lists them."`
	Publisher string        `json:"publisher" doc:"FQDN of the publisher."`
	CUCM      []string      `json:"cucm" doc:"FQDNs of the CUCM nodes."`
	IMP       []string      `json:"imp" doc:"FQDNs of the IM and Presence nodes."`
	// IMPPublisher is where IM and Presence multi-server CSRs are made.
	IMPPublisher string   `json:"imp_publisher" doc:"FQDN of the IM and Presence database publisher (DBPub); empty when the cluster has none or does not say."`
	All          []string `json:"all" doc:"FQDNs of every node."`
}

func clusterAction() steps.Action {
	return steps.Func[ClusterInput, ClusterResult]{
		Name: "cucm.cluster.nodes",
		Doc:  "Lists the cluster's nodes with their role and product (show network cluster).",
		Run: func(ctx context.Context, rt *steps.Runtime, in *ClusterInput) (*ClusterResult, error) {
			return clusterNodes(ctx, rt, in.Access)
		},
	}.Action()
}

func clusterNodes(ctx context.Context, rt *steps.Runtime, acc Access) (*ClusterResult, error) {
	members, err := readParsed(ctx, rt, acc, "show network cluster", parse.Cluster)
	if err != nil {
		return nil, err
	}
	res := &ClusterResult{Nodes: []ClusterNode{}, CUCM: []string{}, IMP: []string{}, All: []string{}}
	for _, m := range members {
		n := clusterNode(m)
		res.Nodes = append(res.Nodes, n)
		res.All = append(res.All, n.FQDN)
		switch {
		case n.Product == "cups":
			res.IMP = append(res.IMP, n.FQDN)
			if strings.EqualFold(n.DBRole, "DBPub") && res.IMPPublisher == "" {
				res.IMPPublisher = n.FQDN
			}
		default:
			res.CUCM = append(res.CUCM, n.FQDN)
		}
		if n.Role == "publisher" && n.Product != "cups" {
			res.Publisher = n.FQDN
		}
	}
	return res, nil
}

func clusterNode(m parse.Member) ClusterNode {
	n := ClusterNode{Name: m.Host, FQDN: m.Name(), Address: m.Address, Role: m.Role,
		Product: m.Product, SiteRole: m.Role, DBRole: m.DBRole,
		Authenticated: strings.HasPrefix(m.Status, "authenticated")}
	if m.IMP() {
		n.SiteRole = "imp"
	}
	return n
}

// readParsed runs a read-only command and parses its output, naming the
// command and node in errors.
func readParsed[T any](ctx context.Context, rt *steps.Runtime, acc Access, cmd string,
	parser func(string) (T, error)) (T, error) {
	var zero T
	out, err := read(ctx, rt, acc, cmd)
	if err != nil {
		return zero, err
	}
	v, err := parser(out)
	if err != nil {
		return zero, fmt.Errorf("%s on %s: %w", cmd, rt.Node.Name, err)
	}
	return v, nil
}

// SecurityModeInput is the input of cucm.security_mode.
type SecurityModeInput struct {
	Access `yaml:",inline"`
}

// SecurityModeResult is the output of cucm.security_mode.
type SecurityModeResult struct {
	Mode  int    `json:"mode" doc:"Cluster Security Mode: 0 non-secure, 1 mixed."`
	Mixed bool   `json:"mixed" doc:"Whether the cluster is in mixed mode (a CTL file must be updated)."`
	Name  string `json:"name" doc:"non-secure or mixed."`
}

const securityModeSQL = "run sql select paramname,paramvalue from processconfig " +
	"where paramname='ClusterSecurityMode'"

func securityModeAction() steps.Action {
	return steps.Func[SecurityModeInput, SecurityModeResult]{
		Name: "cucm.security_mode",
		Doc:  "Reads the Cluster Security Mode enterprise parameter (0 non-secure, 1 mixed).",
		Run:  securityMode,
	}.Action()
}

func securityMode(ctx context.Context, rt *steps.Runtime,
	in *SecurityModeInput) (*SecurityModeResult, error) {
	mode, err := readParsed(ctx, rt, in.Access, securityModeSQL, parse.SecurityMode)
	if err != nil {
		return nil, err
	}
	res := &SecurityModeResult{Mode: mode, Mixed: mode == 1, Name: "non-secure"}
	if res.Mixed {
		res.Name = "mixed"
	}
	return res, nil
}
