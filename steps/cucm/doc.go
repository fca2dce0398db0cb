// Package cucm holds the cucm.* actions: typed, checked steps against a
// CUCM / IM and Presence cluster for the CA-signed multi-server SAN
// certificate procedure and its pre-checks (version, cluster nodes,
// services, SSO, security mode, CTL, certificates, CSRs, logs).
//
// Every action reaches its target node through one CLI session per node,
// kept in the run's connection pool ("cucm-cli/<node>") and reused by every
// step; a read-only command is sent again once on a fresh session when the
// session dropped, a mutating one is not (its Check tells what happened).
// CSRs on release 14 and later, and uploads when asked, go through the
// platform certificate REST API.
//
// On releases without the REST API (10.5 to 12.5) a multi-server CSR can
// only be made in Cisco Unified OS Administration. cucm.csr.generate then
// takes the file the operator downloaded (csr_file, typically an input of
// a manual step before it) and validates it against the cluster: it must
// be the CSR the publisher holds now (same key, so not stale), name every
// node that holds the unit, and have the key and hash the step asks for.
// The REST API is reached over HTTPS verified against api_ca (or the
// system roots); the CLI needs nothing but the site's known_hosts.
//
// The session driver is steps/cucm/cli, the output parsers steps/cucm/parse
// and the REST client steps/cucm/platform; certificate reading is shared
// with steps/x509. Signing a CSR is left to ca.sign or adcs.submit, and
// anything only the web GUI can do to a runbook's manual step.
package cucm

import "github.com/ucops/runbook/steps"

// Actions returns every cucm.* action.
func Actions() []steps.Action {
	return []steps.Action{
		versionAction(),
		clusterAction(),
		securityModeAction(),
		serviceStatusAction(),
		serviceRestartAction(),
		ssoStatusAction(),
		ssoDisableAction(),
		ctlUpdateAction(),
		certListAction(),
		certShowAction(),
		auditAction(),
		csrGenerateAction(),
		csrDownloadAction(),
		uploadTrustAction(),
		uploadAction(),
		logsAction(),
	}
}
