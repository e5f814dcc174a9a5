package controller

import (
	"fmt"
	"testing"
)

func TestShardOfIsStableAndSpreads(t *testing.T) {
	counts := make([]int, 3)
	for i := range 3000 {
		s := ShardOf("argocd", fmt.Sprintf("app-%d", i), 3)
		if s != ShardOf("argocd", fmt.Sprintf("app-%d", i), 3) {
			t.Fatal("ShardOf is not stable")
		}
		counts[s]++
	}
	for i, n := range counts {
		if n < 900 || n > 1100 {
			t.Errorf("shard %d got %d of 3000 apps, want about 1000", i, n)
		}
	}
	if ShardOf("argocd", "x", 1) != 0 || ShardOf("argocd", "x", 0) != 0 {
		t.Error("one shard must own everything")
	}
}

func TestShardViewOwnsNothingUntilKnown(t *testing.T) {
	v := &shardView{}
	if v.Owns("argocd", "a") {
		t.Error("a replica without membership owned an app")
	}
	if !v.set(0, 1) || v.set(0, 1) {
		t.Error("set must report changes only")
	}
	if !v.Owns("argocd", "a") {
		t.Error("the only replica must own every app")
	}
}

func TestShardLeaseName(t *testing.T) {
	tests := map[string]string{
		"replica-a":        "flotilla-shard-replica-a",
		"Pod_7.example":    "flotilla-shard-pod-7.example",
		"trailing-dash--_": "flotilla-shard-trailing-dash",
	}
	for in, want := range tests {
		if got := shardLeaseName(in); got != want {
			t.Errorf("shardLeaseName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidateSharding(t *testing.T) {
	tests := []struct {
		opts Options
		ok   bool
	}{
		{Options{}, true},
		{Options{ShardCount: 3, ShardIndex: 2}, true},
		{Options{ShardCount: 3, ShardIndex: 3}, false},
		{Options{ShardCount: -1}, false},
		{Options{ShardCount: 2, Sharding: true}, false},
	}
	for _, tt := range tests {
		if err := tt.opts.validateSharding(); (err == nil) != tt.ok {
			t.Errorf("validateSharding(%+v) = %v, want ok=%t", tt.opts, err, tt.ok)
		}
	}
}
