package complaint

import "testing"

func TestPublicDistance(t *testing.T) {
	for _, tc := range []struct{ in, want float64 }{{0, 50}, {1, 50}, {50, 50}, {50.1, 100}, {149, 150}, {199.9, 200}} {
		if got := publicDistance(tc.in); got != tc.want {
			t.Errorf("publicDistance(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
