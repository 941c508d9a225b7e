package server

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestGeneratedMatchesServiceList(t *testing.T) {
	b, err := os.ReadFile("../../models/services.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(string(b))
	slices.Sort(want)
	if got := sortedIDs(generated()); !slices.Equal(got, want) {
		t.Fatalf("generated() has %v, models/services.txt lists %v", got, want)
	}
	for id, bind := range generated() {
		if b := bind(); b.ID != id {
			t.Errorf("binding %q reports id %q", id, b.ID)
		}
	}
}
