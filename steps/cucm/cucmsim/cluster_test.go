package cucmsim

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeUntilContextDone checks that a cluster stops when its context
// ends, as "runbook sim" relies on.
func TestServeUntilContextDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	c, err := Start(ctx, TestConfig(""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := c.Node("cucm-pub")
	tc := dial(t, c, "cucm-pub")
	cancel()
	tc.closed()
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", info.SSHAddr(), time.Second)
		if err != nil {
			break
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatal("the cluster still listens after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}
	if err := c.SetDown("cucm-pub", false); err == nil {
		t.Error("a closed cluster brought a node up")
	}
}

// TestFixedPorts runs a cluster on fixed ports, each node on its own
// address, as a config file for "runbook sim" does.
func TestFixedPorts(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.21:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	cfg := TestConfig("")
	cfg.Ports.SSH = port
	c := start(t, cfg)
	for _, n := range c.Nodes() {
		if n.SSHPort != port || n.HTTPSPort == 0 {
			t.Errorf("%s ports %d/%d, want ssh %d", n.Name, n.SSHPort, n.HTTPSPort, port)
		}
	}
	if _, err := Start(t.Context(), cfg, Options{}); err == nil ||
		!strings.Contains(err.Error(), "address already in use") {
		t.Errorf("a second cluster on the same ports: %v", err)
	}
}
