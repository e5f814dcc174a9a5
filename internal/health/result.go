package health

import (
	"errors"
	"fmt"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// decodeResult turns a custom check's value into a Status. The value must
// be a map whose "status" is one of the health codes (case-sensitive, as
// in Argo CD) and whose "message", if present and not null, is a string.
// Other keys are ignored.
func decodeResult(val ref.Val) (Status, error) {
	m, ok := val.(traits.Mapper)
	if !ok {
		return Status{}, fmt.Errorf("result is %s, want a map with status and message", val.Type().TypeName())
	}
	code, found, err := stringField(m, "status")
	if err != nil {
		return Status{}, err
	}
	if !found {
		return Status{}, errors.New("result has no status")
	}
	if _, valid := order[Code(code)]; !valid {
		return Status{}, fmt.Errorf("result status %q is not a health status", code)
	}
	msg, _, err := stringField(m, "message")
	if err != nil {
		return Status{}, err
	}
	return Status{Code: Code(code), Message: msg}, nil
}

// stringField returns m[name] as a string; null counts as absent.
func stringField(m traits.Mapper, name string) (string, bool, error) {
	v, found := m.Find(types.String(name))
	if !found || v == types.NullValue {
		return "", false, nil
	}
	if types.IsError(v) {
		return "", false, fmt.Errorf("result %s: %v", name, v)
	}
	s, ok := v.(types.String)
	if !ok {
		return "", false, fmt.Errorf("result %s is %s, want a string", name, v.Type().TypeName())
	}
	return string(s), true, nil
}
