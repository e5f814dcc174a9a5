package project

import "testing"

// TestMatchPatternThatPanics: gobwas/glob compiles "*{*,}{" and panics
// when matching it; as a project pattern it is invalid, so it matches
// only itself and never crashes the controller.
func TestMatchPatternThatPanics(t *testing.T) {
	for _, tt := range []struct {
		pattern, s string
		want       bool
	}{
		{"*{*,}{", "https://git.example.com/apps", false},
		{"{*,}{", "", false},
		{"*{*,}{", "*{*,}{", true},
	} {
		if got := MatchAny([]string{tt.pattern}, tt.s); got != tt.want {
			t.Errorf("MatchAny(%q, %q) = %t, want %t", tt.pattern, tt.s, got, tt.want)
		}
	}
}
