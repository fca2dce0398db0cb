package cucmsim

import "time"

// Config describes a simulated cluster. ParseConfig and LoadConfig read it
// from YAML (the keys are given with each field); TestConfig builds one in
// Go. Start validates it again, so a Config built by hand gets the same
// checks as a file.
type Config struct {
	// Name is the Site name WriteSite writes (name, default "cucmsim").
	Name string
	// Release is the CUCM version the cluster runs (release), such as
	// 14.0.1.12900-161 or 12.5; it selects the behaviour differences.
	Release string
	// Domain is the DNS domain of every node (domain).
	Domain string
	// SecurityMode is the Cluster Security Mode enterprise parameter
	// (security_mode): 0 non-secure, 1 mixed.
	SecurityMode int
	// SSO tells whether SAML SSO is enabled (sso: enabled|disabled).
	SSO bool
	// PhonesTrustTVS tells whether the phones trust the Trust
	// Verification Service (phones_trust_tvs). ParseConfig defaults it to
	// true, as does TestConfig; the Go zero value is false.
	PhonesTrustTVS bool
	// Admin is the OS administrator account (admin).
	Admin Credential
	// Ports are the listening ports, the same on every node address
	// (ports); a node may override them.
	Ports Ports
	// SSH selects the SSH algorithms and authentication methods (ssh).
	SSH SSH
	// SelfSignedKey is the key type of the certificates a node starts
	// with (self_signed_key): "ecdsa" (P-256, the default: fast start-up)
	// or "rsa" (2048 bits, as on a real node).
	SelfSignedKey string
	// SelfSignedValidity is how long the certificates a node generates
	// itself are valid (self_signed_validity, e.g. 30d or 720h; default
	// 5 years, as on CUCM). Lower it so that an audit finds certificates
	// expiring soon.
	SelfSignedValidity time.Duration
	// Subject holds the organisation fields of certificates and CSRs
	// (subject).
	Subject Subject
	// Nodes are the cluster members (nodes), publisher included.
	Nodes []NodeConfig
	// Latency slows the simulator down to real-cluster speed (latency).
	Latency Latency
	// Faults inject failures (faults).
	Faults []Fault
	// Responses replace the output of CLI commands (responses).
	Responses []Response

	file string              // where the config was read from
	pos  map[string]position // value positions by path, e.g. "nodes[1].address"
}

// Credential is a user name and password.
type Credential struct {
	Username string // username
	Password string // password
}

// Ports are TCP ports; 0 picks a free port per node. CallManager and XMPP
// are optional TLS listeners (nil: not served) that serve the CallManager
// and cup-xmpp certificates; they exist only on nodes of the right product.
type Ports struct {
	SSH         int  // ssh, the OS CLI
	HTTPS       int  // https, the Tomcat web server (/ccmadmin, the REST API)
	API         int  // api, the REST API and the /sim/ endpoints
	CallManager *int // callmanager, CUCM nodes only
	XMPP        *int // xmpp, IM&P nodes only
}

// SSH selects what the SSH server offers.
type SSH struct {
	// Legacy offers only diffie-hellman-group14-sha1, an ssh-rsa host key,
	// CBC ciphers and hmac-sha1 (legacy), as old releases do.
	Legacy bool
	// Auth lists the accepted authentication methods (auth):
	// "password" and "keyboard-interactive". Empty means both.
	Auth []string
}

// Subject holds the organisation fields of a certificate subject.
type Subject struct {
	Organization string // organization
	Unit         string // unit, the OU
	Locality     string // locality
	State        string // state
	Country      string // country
}

// NodeConfig is one cluster member.
type NodeConfig struct {
	// Name is the host name (name); the FQDN is Name.Domain unless FQDN
	// is set (fqdn).
	Name string
	FQDN string
	// Role is publisher or subscriber (role); "imp" is accepted for an
	// IM&P node and implies product cups.
	Role string
	// Product is callmanager (CUCM) or cups (IM&P) (product).
	Product string
	// Address is the loopback address the node listens on (address).
	Address string
	// Ports overrides the cluster ports for this node (ports); a zero
	// field keeps the cluster's value.
	Ports *Ports
	// Services sets initial service states by service name (services):
	// started, stopped, failed or not_activated.
	Services map[string]string
	// SelfSignedValidity overrides Config.SelfSignedValidity for some
	// units of this node (self_signed_validity, e.g. {tomcat: 10d}).
	SelfSignedValidity map[string]time.Duration
}

// Latency holds the delays that make the simulator feel like a real node.
type Latency struct {
	// CLIStart is the time between "Command Line Interface is starting
	// up" and the welcome block (cli_start).
	CLIStart time.Duration
	// Command is the time before each command answers (command).
	Command time.Duration
	// Restart is the time a service start or restart takes, split between
	// STOPPING and STARTING (restart).
	Restart time.Duration
}

// Fault actions.
const (
	FaultDown        = "down"         // the node refuses connections
	FaultRefuseLogin = "refuse_login" // SSH logins fail
	FaultDrop        = "drop"         // the TCP connection is closed
	FaultFail        = "fail"         // the command, call or service start fails
	FaultSlow        = "slow"         // a service start or restart takes longer
)

// Fault injects a failure on one node (or every node when Node is empty).
type Fault struct {
	Node string // node
	// On selects what triggers the fault (on): a CLI command line, or
	// "METHOD /path" of an API or /sim/ call, compared after collapsing
	// spaces and ignoring case; "command" matches every CLI command and
	// "api" every HTTP call on the api and https ports.
	On string
	// Service selects a service instead (service): fail and slow then
	// apply whenever it starts, whatever the command.
	Service string
	// Action is down, refuse_login, drop, fail or slow (action).
	Action string
	// Count is the matching event the fault first fires on (count,
	// default 1): count 5 fires at the fifth matching command.
	Count int
	// Times is how often it fires (times, default 1; -1 or "always":
	// every time). down ignores it.
	Times int
	// Delay is the extra restart time of a slow fault (delay).
	Delay time.Duration
	// Status is the HTTP status a failing call answers (status, default
	// 500).
	Status int
}

// Response replaces the output of a CLI command on one node (or every node
// when Node is empty). The command runs no other effect.
type Response struct {
	Node    string // node
	Command string // command, compared like Fault.On
	Text    string // text, printed as is
}
