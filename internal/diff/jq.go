package diff

import (
	"context"
	"fmt"
	"time"

	"github.com/itchyny/gojq"
)

// jqTimeout bounds one evaluation of one expression, as Argo CD's
// DefaultJQExecutionTimeout does.
const jqTimeout = time.Second

// jqExpr is one jqPathExpressions entry, compiled twice: as del(EXPR), which
// is how Argo CD removes the fields (jq defines del(f) as
// delpaths([path(f)])), and as path(EXPR), to find the fields' locations.
type jqExpr struct {
	src   string
	del   *gojq.Code
	paths *gojq.Code
}

func compileJQ(expr string) (*jqExpr, error) {
	return jqCache.get(expr, func(e string) (*jqExpr, error) {
		del, err := compileQuery(fmt.Sprintf("del(%s)", e))
		if err != nil {
			return nil, fmt.Errorf("jq path expression %q: %w", e, err)
		}
		paths, err := compileQuery(fmt.Sprintf("path(%s)", e))
		if err != nil {
			return nil, fmt.Errorf("jq path expression %q: %w", e, err)
		}
		return &jqExpr{src: e, del: del, paths: paths}, nil
	})
}

func compileQuery(q string) (*gojq.Code, error) {
	query, err := gojq.Parse(q)
	if err != nil {
		return nil, err
	}
	return gojq.Compile(query)
}

// remove returns obj without the fields the expression selects. ok is false
// when the expression does not apply (runtime error, timeout, or a result
// that is not a single object); Argo CD skips such a patch.
func (x *jqExpr) remove(obj map[string]any) (map[string]any, bool) {
	out, ok := x.removeJQ(toJQ(obj).(map[string]any))
	if !ok {
		return obj, false
	}
	return fromJQ(out).(map[string]any), true
}

// removeJQ is remove on a value already in gojq's types (see toJQ); it
// does not modify obj, and the result may share parts with it.
func (x *jqExpr) removeJQ(obj map[string]any) (map[string]any, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), jqTimeout)
	defer cancel()
	iter := x.del.RunWithContext(ctx, obj)
	first, ok := iter.Next()
	if !ok {
		return obj, false
	}
	if _, isErr := first.(error); isErr {
		return obj, false
	}
	if _, more := iter.Next(); more {
		return obj, false
	}
	m, ok := first.(map[string]any)
	return m, ok
}

// locate returns the concrete paths (string keys and int indices) the
// expression selects in obj; ok is false when evaluation fails.
func (x *jqExpr) locate(obj map[string]any) ([][]any, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), jqTimeout)
	defer cancel()
	iter := x.paths.RunWithContext(ctx, toJQ(obj))
	var out [][]any
	for {
		v, ok := iter.Next()
		if !ok {
			return out, true
		}
		if _, isErr := v.(error); isErr {
			return nil, false
		}
		p, ok := v.([]any)
		if !ok {
			return nil, false
		}
		path := make([]any, 0, len(p))
		for _, e := range p {
			switch e := e.(type) {
			case string:
				path = append(path, e)
			case int:
				path = append(path, e)
			case float64:
				path = append(path, int(e))
			default:
				// Slices ({start, end}) and other exotic path elements are
				// not locations a single value can be copied to.
				return nil, false
			}
		}
		out = append(out, path)
	}
}

// toJQ converts an unstructured value into the types gojq accepts (it
// rejects int64).
func toJQ(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = toJQ(e)
		}
		return m
	case []any:
		l := make([]any, len(v))
		for i, e := range v {
			l[i] = toJQ(e)
		}
		return l
	case int64:
		return int(v)
	case int32:
		return int(v)
	case float32:
		return float64(v)
	default:
		return v
	}
}

// fromJQ converts gojq's values back into unstructured's (int64 numbers).
func fromJQ(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = fromJQ(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = fromJQ(e)
		}
		return v
	case int:
		return int64(v)
	default:
		return v
	}
}

// toJQInPlace is toJQ for a value the caller owns: numbers are converted
// without copying the maps and lists around them.
func toJQInPlace(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = toJQInPlace(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = toJQInPlace(e)
		}
		return v
	case int64:
		return int(v)
	case int32:
		return int(v)
	case float32:
		return float64(v)
	default:
		return v
	}
}
