package cli

import (
	"context"
	"testing"
)

// BenchmarkRun runs one command on an open session to a loopback server;
// the driver should add well under a millisecond to what the node takes.
func BenchmarkRun(b *testing.B) {
	f := startCLI(b, &fakeCLI{Commands: commands()})
	s, err := Dial(context.Background(), config(b, f))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if _, err := s.Run(context.Background(), "show cert own tomcat"); err != nil {
			b.Fatal(err)
		}
	}
}
