package diff

import (
	"math"

	"k8s.io/apimachinery/pkg/runtime"
)

// valuesEqual compares two unstructured values as JSON would: numbers by
// value whatever their Go type (int64 from the API machinery, float64 from
// encoding/json, int from a literal), maps and lists deeply.
func valuesEqual(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !valuesEqual(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case string, bool, nil:
		return a == b
	}
	an, aNum := number(a)
	bn, bNum := number(b)
	if aNum && bNum {
		return an == bn
	}
	if aNum || bNum {
		return false
	}
	return a == b
}

// num is a JSON number: an exact integer when it has one, else a float.
type num struct {
	isInt bool
	i     int64
	f     float64
}

func number(v any) (num, bool) {
	switch v := v.(type) {
	case int64:
		return num{isInt: true, i: v}, true
	case int:
		return num{isInt: true, i: int64(v)}, true
	case int32:
		return num{isInt: true, i: int64(v)}, true
	case float32:
		return floatNum(float64(v)), true
	case float64:
		return floatNum(v), true
	}
	return num{}, false
}

func floatNum(f float64) num {
	if f == math.Trunc(f) && f >= math.MinInt64 && f < math.MaxInt64 {
		return num{isInt: true, i: int64(f)}
	}
	return num{f: f}
}

// copyValue deep-copies an unstructured value.
func copyValue(v any) any {
	return runtime.DeepCopyJSONValue(v)
}
