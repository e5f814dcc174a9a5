package controller

import (
	"testing"
	"time"
)

func TestJitteredPollSpreadsPolls(t *testing.T) {
	r := &Reconciler{PollInterval: time.Minute}
	lo, hi := time.Hour, time.Duration(0)
	for range 1000 {
		d := r.jitteredPoll()
		if d < 54*time.Second || d > 66*time.Second {
			t.Fatalf("jitteredPoll = %s, want within ±10%% of 1m", d)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if hi-lo < 6*time.Second {
		t.Errorf("polls spread over %s only, want most of 12s", hi-lo)
	}
}
