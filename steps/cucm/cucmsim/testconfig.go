package cucmsim

// TestConfig returns a three-node cluster for tests: cucm-pub (publisher),
// cucm-sub1 (subscriber) and imp-pub (IM&P) on 127.0.0.21-23, domain
// lab.example.com, user admin, every port 0 (picked at start), zero
// latencies, SSO disabled, non-secure mode, phones trusting TVS. An empty
// release means 14.0.1.12900-161 (14SU2). Change fields before Start.
func TestConfig(release string) *Config {
	if release == "" {
		release = "14.0.1.12900-161"
	}
	return &Config{
		Release:        release,
		Domain:         "lab.example.com",
		PhonesTrustTVS: true,
		Admin:          Credential{Username: "admin", Password: "s3cret-Passw0rd"},
		Nodes: []NodeConfig{
			{Name: "cucm-pub", Role: "publisher", Product: "callmanager", Address: "127.0.0.21"},
			{Name: "cucm-sub1", Role: "subscriber", Product: "callmanager", Address: "127.0.0.22"},
			{Name: "imp-pub", Role: "subscriber", Product: "cups", Address: "127.0.0.23"},
		},
	}
}
