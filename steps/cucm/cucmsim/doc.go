// Package cucmsim simulates a Cisco Unified Communications Manager (CUCM)
// and IM and Presence cluster on loopback, the way net/http/httptest
// simulates a web server: tests, demos and rehearsals run the
// certificate runbooks against it unchanged.
//
// A YAML config (LoadConfig, ParseConfig; TestConfig in Go) names the
// release, the domain, the nodes and their loopback addresses, the OS
// administrator, the SSO state, the cluster security mode, the service
// states, latencies and faults. Start gives every node:
//
//   - an SSH server with the platform CLI: PTY and shell only (exec is
//     refused), password and keyboard-interactive logins, optionally only
//     legacy algorithms; the start-up banner, the "admin:" prompt, echo,
//     the pager, the confirmations and the output of the commands the
//     certificate procedures use (show version active, show network
//     cluster, utils service list|start|stop|restart, run sql, utils sso
//     status|disable, show cert list|own|trust, set csr gen, show csr
//     own, set cert import|regen, utils ctl update CTLFile, show ctl,
//     utils itl reset localkey, file list activelog, exit);
//   - an HTTPS port serving the active Tomcat certificate (/ccmadmin);
//   - an API port with the platform certificate REST API on release 14
//     and later, and on every release the /sim/ endpoints: a stand-in for
//     the OS Administration certificate and SSO pages, and the phones'
//     state;
//   - optionally TLS ports serving the CallManager and cup-xmpp
//     certificates.
//
// The cluster keeps the rules the procedures depend on: a multi-server
// CSR names the nodes whose Cisco Tomcat and Platform Administrative Web
// Service run; a CSR replaces the pending key; a signed certificate is
// refused unless its key is the pending one and its chain is in the
// unit's trust store, where a CA of the same name as an entry replaces
// it; a multi-server upload installs on every node it names and the
// self-signed leftovers stay listed (CSCur97909); an installed
// certificate is served only after its service restarts, and HTTPS and
// the API are down while Tomcat restarts; phones reject a new
// CallManager certificate they cannot verify (no TVS trust, or mixed mode
// without a CTL update). Release differences are modelled where
// they are known: no REST API before 14, the OU question from 14SU1
// (14.0.1.11900), the CN left out of the SANs on 10.5.2 (CSCus47235),
// the older restart wording before 12.
//
// The cluster can change while it runs, so that the field problems an
// audit must find can be staged after a procedure: AddNode (a server
// joins with self-signed certificates, outside the existing multi-server
// SAN), RebuildNode (a subscriber reinstalled without a backup: new keys,
// self-signed), RenameNode (a host name or domain change: self-signed for
// the new FQDN), InstallIdentity (any certificate, e.g. one expiring soon,
// without client authentication or with an incomplete chain), SetDown.
// Config.SelfSignedValidity and NodeConfig.SelfSignedValidity set how
// long node-made certificates last. Cisco TFTP caches the Tomcat
// certificate until it restarts (TFTPCertificate). Each change is audited
// on ChannelSim, apart from client traffic.
//
// ASSUMPTION: the REST API's distribution value for a multi-server CSR
// is not documented publicly; the simulator accepts "multi-server".
// Other texts the public record does not show (error wording, the
// multi-server upload's node list, "show cert own" and "show cert trust"
// details, the trust store's handling of two CAs of one name) are
// plausible stand-ins, noted where they are made.
//
// Every command, call and login is recorded (Cluster.Audit and
// Options.Audit, one JSON line each) so that tests can assert order and
// count. Cluster.WriteSite writes a runbook Site file and known_hosts
// for the cluster.
//
// The package never prints or logs. It does not drive the CLI (that is
// the session driver in package cucm), sign certificates (the ca.sign
// action, or a test's own CA), or parse command-line flags (the
// "runbook sim" command in cmd/runbook does that and serves until
// interrupted).
package cucmsim
