package server

import (
	"testing"
)

// BenchmarkNew measures building the server (store, services, gateway):
// start-up time is a product figure (bench/run.sh), so keep it visible.
func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s, err := New(Config{Ephemeral: true})
		if err != nil {
			b.Fatal(err)
		}
		s.recorder.Close()
		s.st.Close()
	}
}
