package cucmsim

import (
	"context"
	"testing"
)

// BenchmarkStart measures starting and closing the three-node TestConfig
// cluster with zero latencies: keys, certificates and listeners.
func BenchmarkStart(b *testing.B) {
	for _, release := range []string{"12.5.1.10000-22", "14.0.1.12900-161"} {
		b.Run(release, func(b *testing.B) {
			for b.Loop() {
				c, err := Start(context.Background(), TestConfig(release), Options{})
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}

// BenchmarkStartToPrompt measures a start followed by the first prompt on
// the publisher: what a test pays before its first command.
func BenchmarkStartToPrompt(b *testing.B) {
	for b.Loop() {
		c, err := Start(context.Background(), TestConfig(""), Options{})
		if err != nil {
			b.Fatal(err)
		}
		tc := dial(b, c, "cucm-pub")
		tc.client.Close()
		c.Close()
	}
}

// BenchmarkStartRSA measures a start with RSA 2048 system certificates, as
// on a real node (self_signed_key: rsa).
func BenchmarkStartRSA(b *testing.B) {
	for b.Loop() {
		cfg := TestConfig("")
		cfg.SelfSignedKey = "rsa"
		c, err := Start(context.Background(), cfg, Options{})
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}
