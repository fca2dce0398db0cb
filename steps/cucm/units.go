package cucm

import (
	"context"
	"slices"
	"strings"

	"github.com/ucops/runbook/steps"
)

// onProduct reports whether nodes of product (callmanager or cups) hold
// unit, and so belong in its multi-server SAN list: tomcat and ipsec on
// every node, CallManager, CAPF, TVS and ITLRecovery on CUCM nodes, cup,
// cup-xmpp and cup-xmpp-s2s on IM and Presence nodes.
func onProduct(unit, product string) bool {
	base := strings.TrimSuffix(strings.ToLower(unit), "-ecdsa")
	switch base {
	case "callmanager", "capf", "tvs", "itlrecovery":
		return product != "cups"
	case "cup", "cup-xmpp", "cup-xmpp-s2s":
		return product == "cups"
	}
	return true
}

// unitNodes returns the FQDNs of the cluster nodes holding unit.
func unitNodes(cluster *ClusterResult, unit string) []string {
	var out []string
	for _, n := range cluster.Nodes {
		if onProduct(unit, n.Product) {
			out = append(out, n.FQDN)
		}
	}
	return out
}

// self returns the cluster's entry for the step's node: by address, host
// name or FQDN.
func self(cluster *ClusterResult, node *steps.Node) (ClusterNode, bool) {
	for _, n := range cluster.Nodes {
		if n.Address == node.Host || strings.EqualFold(n.Name, node.Name) ||
			(node.FQDN != "" && strings.EqualFold(n.FQDN, node.FQDN)) {
			return n, true
		}
	}
	return ClusterNode{}, false
}

// expectNodes returns the FQDNs a CSR or certificate for unit must name:
// the given ones, else every node holding the unit (multi-server) or the
// node itself.
func expectNodes(ctx context.Context, rt *steps.Runtime, acc Access, unit string,
	multi bool, given []string) ([]string, error) {
	if len(given) > 0 {
		return given, nil
	}
	cluster, err := clusterNodes(ctx, rt, acc)
	if err != nil {
		return nil, err
	}
	if multi {
		return unitNodes(cluster, unit), nil
	}
	if n, ok := self(cluster, rt.Node); ok {
		return []string{n.FQDN}, nil
	}
	if rt.Node.FQDN != "" {
		return []string{rt.Node.FQDN}, nil
	}
	return nil, nil
}

// commonNames returns the names of want that names holds, ignoring case.
func commonNames(want, names []string) []string {
	missing := missingNames(want, names)
	return slices.DeleteFunc(slices.Clone(want), func(n string) bool {
		return slices.Contains(missing, n)
	})
}

// missingNames returns the names of want that names lacks, ignoring case.
func missingNames(want, names []string) []string {
	var out []string
	for _, w := range want {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, w) }) {
			out = append(out, w)
		}
	}
	return out
}
