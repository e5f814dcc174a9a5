package diff

import (
	"fmt"
	"strconv"
	"strings"
)

// pointerUnescaper decodes RFC 6901 reference tokens: "~1" is "/" and "~0"
// is "~", in one left-to-right pass so that "~01" is "~1".
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// parsePointer splits an RFC 6901 JSON pointer into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("json pointer %q does not start with /", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		tokens[i] = pointerUnescaper.Replace(t)
	}
	return tokens, nil
}

// resolvePointer turns pointer tokens into a concrete path through root,
// reporting false when the pointer does not reach an existing value. Array
// tokens are decimal indices; negative ones count from the end, as the
// json-patch library Argo CD uses allows.
func resolvePointer(root any, tokens []string) ([]any, bool) {
	path := make([]any, 0, len(tokens))
	cur := root
	for _, t := range tokens {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[t]
			if !ok {
				return nil, false
			}
			path = append(path, t)
			cur = v
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil {
				return nil, false
			}
			if i < 0 {
				i += len(c)
			}
			if i < 0 || i >= len(c) {
				return nil, false
			}
			path = append(path, i)
			cur = c[i]
		default:
			return nil, false
		}
	}
	return path, true
}
