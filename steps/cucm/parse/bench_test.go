package parse

import "testing"

// BenchmarkServices reads a publisher's service list; a step polls it every
// few seconds, so well under a millisecond is the target.
func BenchmarkServices(b *testing.B) {
	out := fixture(b, "sim-service-list-pub.txt")
	for b.Loop() {
		if _, err := Services(out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCSR reads a CSR out of show csr own.
func BenchmarkCSR(b *testing.B) {
	out := fixture(b, "csr-show.txt")
	for b.Loop() {
		if _, _, err := CSR(out); err != nil {
			b.Fatal(err)
		}
	}
}
