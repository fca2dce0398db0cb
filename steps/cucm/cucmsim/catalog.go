package cucmsim

import (
	"slices"
	"strings"
)

// Service names the simulator gives a behaviour to.
const (
	svcTomcat      = "Cisco Tomcat"
	svcPlatformWeb = "Platform Administrative Web Service"
	svcCallManager = "Cisco CallManager"
	svcTFTP        = "Cisco TFTP"
	svcXCPRouter   = "Cisco XCP Router"
)

// Initial service states a config may set.
const (
	stateStarted      = "started"
	stateStopped      = "stopped"
	stateFailed       = "failed"
	stateNotActivated = "not_activated"
)

// serviceSpec is one service of a product's catalogue.
type serviceSpec struct {
	name    string
	system  bool   // listed first, with a space before "["
	initial string // initial state
}

// catalog lists the services of a node, system services first, then the
// managed ones in the byte order "utils service list" uses.
func catalog(cucm, publisher bool) []serviceSpec {
	system := []serviceSpec{
		{"System SSH", true, stateStarted},
		{"Cluster Manager", true, stateStarted},
		{"Service Manager", true, stateStarted},
	}
	var managed []serviceSpec
	add := func(initial string, names ...string) {
		for _, n := range names {
			managed = append(managed, serviceSpec{n, false, initial})
		}
	}
	add(stateStarted, commonServices()...)
	if cucm {
		add(stateStarted, cucmServices()...)
		add(stateNotActivated, "Cisco WebDialer Web Service")
		if publisher {
			add(stateStarted, "Cisco DRF Master")
		}
	} else {
		add(stateStarted, impServices()...)
		add(stateNotActivated, "Cisco XCP Text Conference Manager",
			"Cisco XCP XMPP Federation Connection Manager",
			"Cisco XCP Message Archiver")
	}
	slices.SortFunc(managed, func(a, b serviceSpec) int {
		return strings.Compare(a.name, b.name)
	})
	return append(system, managed...)
}

func commonServices() []string {
	return []string{
		"A Cisco DB", "A Cisco DB Replicator", "Cisco AMC Service",
		"Cisco AXL Web Service", "Cisco Audit Event Service",
		"Cisco DRF Local", "Cisco Database Layer Monitor",
		"Cisco RIS Data Collector", svcTomcat, "Cisco Tomcat Stats Servlet",
		"Cisco Trace Collection Service", "Host Resources Agent",
		"MIB2 Agent", svcPlatformWeb, "Platform Communication Web Service",
		"SNMP Master Agent", "SOAP -Log Collection APIs",
	}
}

func cucmServices() []string {
	return []string{
		"Cisco CDP", "Cisco CDP Agent", "Cisco CTIManager", svcCallManager,
		"Cisco CallManager Admin", "Cisco CallManager Serviceability",
		"Cisco Certificate Change Notification",
		"Cisco Certificate Expiry Monitor", svcTFTP,
		"Cisco Trust Verification Service",
	}
}

func impServices() []string {
	return []string{
		"Cisco Client Profile Agent", "Cisco Config Agent",
		"Cisco IM and Presence Data Monitor", "Cisco Intercluster Sync Agent",
		"Cisco Login Datastore", "Cisco Presence Datastore",
		"Cisco Presence Engine", "Cisco Route Datastore", "Cisco SIP Proxy",
		"Cisco Server Recovery Manager", "Cisco Sync Agent",
		"Cisco XCP Authentication Service", "Cisco XCP Config Manager",
		"Cisco XCP Connection Manager", svcXCPRouter,
	}
}

// serviceNames lists every service name of a product, for config checks.
func serviceNames(cucm bool) []string {
	var names []string
	for _, s := range catalog(cucm, true) {
		names = append(names, s.name)
	}
	return names
}

// ownUnits lists the identity certificate units of a product.
func ownUnits(cucm bool) []string {
	if cucm {
		return []string{"tomcat", "ipsec", "CallManager", "CAPF", "TVS", "ITLRecovery"}
	}
	return []string{"tomcat", "ipsec", "cup", "cup-xmpp", "cup-xmpp-s2s"}
}

// trustStores lists the trust stores of a product.
func trustStores(cucm bool) []string {
	if cucm {
		return []string{"tomcat-trust", "ipsec-trust", "CallManager-trust", "CAPF-trust"}
	}
	return []string{"tomcat-trust", "ipsec-trust", "cup-trust", "cup-xmpp-trust"}
}

// unitTrust names the trust store that holds the CAs of a unit's
// certificate: the unit's own, but cup-xmpp-trust for cup-xmpp-s2s.
//
// ASSUMPTION: Cisco's IM and Presence configuration guide (10.0, certificate
// types) says the trust certificates for cup-xmpp-s2s are stored in
// cup-xmpp-trust along with the general XMPP trust; there is no
// cup-xmpp-s2s-trust store.
func unitTrust(unit string) string {
	if strings.EqualFold(unit, "cup-xmpp-s2s") {
		return "cup-xmpp-trust"
	}
	return unit + "-trust"
}

// multiServerUnits are the units a multi-server (SAN) CSR exists for.
func multiServerUnit(unit string) bool {
	switch unit {
	case "tomcat", "CallManager", "cup-xmpp", "cup-xmpp-s2s":
		return true
	}
	return false
}

// unitOnProduct tells whether nodes of a product hold unit and so belong
// in its multi-server SAN list: tomcat on every node, CallManager on CUCM
// nodes, cup-xmpp and cup-xmpp-s2s on IM&P nodes.
func unitOnProduct(unit string, cucm bool) bool {
	return slices.Contains(ownUnits(cucm), unit)
}

// activates returns the units whose installed certificate becomes active
// when service starts.
func activates(service string) []string {
	switch service {
	case svcTomcat:
		return []string{"tomcat"}
	case svcCallManager:
		return []string{"CallManager"}
	case svcXCPRouter:
		return []string{"cup-xmpp", "cup-xmpp-s2s"}
	}
	return nil
}

// canonicalUnit returns the unit name as the node spells it, matching
// case-insensitively as the CLI does.
func canonicalUnit(names []string, unit string) (string, bool) {
	for _, n := range names {
		if strings.EqualFold(n, unit) {
			return n, true
		}
	}
	return "", false
}
