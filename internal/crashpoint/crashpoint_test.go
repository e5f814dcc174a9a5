package crashpoint

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want spec
	}{
		{"", spec{}},
		{"apply/before", spec{"apply/before", 1}},
		{"apply/before#3", spec{"apply/before", 3}},
		{"apply/before#0", spec{}},
		{"apply/before#x", spec{}},
	}
	for _, tt := range tests {
		if got := parse(tt.in); got != tt.want {
			t.Errorf("parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestHitWithoutTargetDoesNothing(t *testing.T) {
	for _, p := range Points {
		Hit(p) // the test process must survive
	}
}
