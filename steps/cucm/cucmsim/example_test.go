package cucmsim_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ucops/runbook/steps/cucm/cucmsim"
)

// Start a three-node cluster, write a Site file for it and read the audit
// log afterwards.
func Example() {
	ctx := context.Background()
	cluster, err := cucmsim.Start(ctx, cucmsim.TestConfig("12.5.1.10000-22"), cucmsim.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cluster.Close()

	for _, n := range cluster.Nodes() {
		fmt.Println(n.Name, n.Role, n.Product, n.FQDN) // n.SSHAddr() to dial it
	}
	dir, _ := os.MkdirTemp("", "cucmsim")
	defer os.RemoveAll(dir)
	if err := cluster.WriteSite(filepath.Join(dir, "site.yaml")); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("export %s=...\n", cucmsim.PasswordEnv) // cluster.Password()
	fmt.Println(len(cluster.Audit()), "commands received")
	// Output:
	// cucm-pub publisher callmanager cucm-pub.lab.example.com
	// cucm-sub1 subscriber callmanager cucm-sub1.lab.example.com
	// imp-pub imp cups imp-pub.lab.example.com
	// export CUCM_OS_PASSWORD=...
	// 0 commands received
}

// Load a config file; every problem is reported, compiler style.
func ExampleLoadConfig() {
	_, err := cucmsim.LoadConfig("testdata/config/bad/no-publisher.yaml")
	fmt.Println(err)
	// Output:
	// testdata/config/bad/no-publisher.yaml:5:3: nodes: want exactly one node with role publisher, found 0
}
