package safeglob

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		sep        []rune
		want       bool
		wantErr    bool
	}{
		{"apps", "apps", nil, true, false},
		{"*.example.com", "a.example.com", nil, true, false},
		{"*", "a/b", []rune{'/'}, false, false},
		{"*{*,}{", "x", nil, false, true}, // compiles, panics when matched
		{"{*,}{", "", nil, false, true},
	}
	for _, tt := range tests {
		g, err := Compile(tt.pattern, tt.sep...)
		if err != nil {
			t.Fatalf("compile %q: %v", tt.pattern, err)
		}
		got, err := g.Match(tt.s)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%q.Match(%q) = %t, %v; want %t, error %t", tt.pattern, tt.s, got, err, tt.want, tt.wantErr)
		}
	}
}
