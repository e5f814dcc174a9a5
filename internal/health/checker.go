package health

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// CostLimit bounds one evaluation of a custom check, in cel-go's runtime
// cost units (about one per operation and per list element a macro visits,
// plus a share proportional to the size of strings and lists handled). It is the per-expression limit Kubernetes
// uses for CRD validation rules: ample for reading conditions, and a
// hostile expression stops with "operation cancelled: actual cost limit
// exceeded" within a fraction of a second.
const CostLimit = 1_000_000

// EvalTimeout is a wall-clock backstop behind CostLimit (Argo CD gives its
// Lua checks one second too): macros check for it every 100 iterations.
const EvalTimeout = time.Second

// Checker holds compiled custom health checks by group and kind. It is
// immutable after NewChecker and safe for concurrent use. A nil Checker
// has no custom checks.
type Checker struct {
	exact    map[string]*customCheck // by "group/Kind"
	patterns []*customCheck          // most specific first
	timeout  time.Duration           // EvalTimeout; tests shorten or lengthen it
	classes  StorageClasses          // for Pending PersistentVolumeClaims; nil: unknown
}

// customCheck is one compiled expression.
type customCheck struct {
	key         string // as given to NewChecker
	group, kind string // normalised; patterns when wildcard
	wildcard    bool
	builtin     bool // shipped with flotilla, not a user's
	prg         cel.Program
}

// name is how messages refer to the check.
func (chk *customCheck) name() string {
	if chk.builtin {
		return fmt.Sprintf("built-in health check %q", chk.key)
	}
	return fmt.Sprintf("health check %q", chk.key)
}

// NewChecker compiles custom health checks. Keys are "group/Kind", with
// "/Kind" or "Kind" for the core group; group and Kind may be path.Match
// patterns ("*.crossplane.io/*", "*" also matching the core group). Values
// are CEL expressions over `obj` (the object as a map) that evaluate to a
// map {"status": "Healthy"|"Progressing"|"Degraded"|"Suspended"|"Missing"|
// "Unknown", "message": "..."}, message optional. Besides the standard
// library, expressions may use optional types (obj.?status.orValue(...)),
// cel-go's string extensions and cel.bind for local names. Errors name the
// key.
func NewChecker(exprs map[string]string) (*Checker, error) {
	env, err := newEnv()
	if err != nil {
		return nil, err
	}
	c := newEmptyChecker()
	for _, key := range sortedKeys(exprs) {
		if err := c.add(env, key, exprs[key]); err != nil {
			if ce := (*compileError)(nil); errors.As(err, &ce) && ce.lua {
				return nil, luaError(key)
			}
			return nil, err
		}
	}
	c.sortPatterns()
	return c, nil
}

// compileError is add's error for an expression that does not compile.
type compileError struct {
	key string
	lua bool // the expression is a Lua script (see looksLikeLua)
	err error
}

func (e *compileError) Error() string { return fmt.Sprintf("health check %q: %v", e.key, e.err) }
func (e *compileError) Unwrap() error { return e.err }

// newEnv is the CEL environment of every health check, custom or built-in.
func newEnv() (*cel.Env, error) {
	env, err := cel.NewEnv(
		cel.Variable("obj", cel.DynType),
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Bindings(),
	)
	if err != nil {
		return nil, fmt.Errorf("cel environment: %w", err)
	}
	return env, nil
}

// newEmptyChecker returns a Checker without checks.
func newEmptyChecker() *Checker {
	return &Checker{exact: map[string]*customCheck{}, timeout: EvalTimeout}
}

// add compiles expr as the check for key. A key for a kind that already
// has a check is an error naming both keys.
func (c *Checker) add(env *cel.Env, key, expr string) error {
	group, kind, wildcard, err := parseKey(key)
	if err != nil {
		return fmt.Errorf("health check %q: %w", key, err)
	}
	norm := group + "/" + kind
	if other := c.keyFor(norm); other != "" {
		return fmt.Errorf("health checks %q and %q are for the same kind %s", other, key, norm)
	}
	prg, err := compile(env, expr)
	if err != nil {
		return &compileError{key: key, lua: looksLikeLua(expr), err: err}
	}
	chk := &customCheck{key: key, group: group, kind: kind, wildcard: wildcard, prg: prg}
	if wildcard {
		c.patterns = append(c.patterns, chk)
	} else {
		c.exact[norm] = chk
	}
	return nil
}

// keyFor returns the key of the check already added for the normalised
// "group/Kind" norm, or "".
func (c *Checker) keyFor(norm string) string {
	if chk, ok := c.exact[norm]; ok {
		return chk.key
	}
	for _, chk := range c.patterns {
		if chk.group+"/"+chk.kind == norm {
			return chk.key
		}
	}
	return ""
}

// sortPatterns puts the most specific pattern first.
func (c *Checker) sortPatterns() {
	sort.SliceStable(c.patterns, func(i, j int) bool {
		return specificity(c.patterns[i]) > specificity(c.patterns[j])
	})
}

// compile type-checks expr and plans it with the cost and interrupt limits.
func compile(env *cel.Env, expr string) (cel.Program, error) {
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("compile: %w", iss.Err())
	}
	if out := ast.OutputType(); !resultType(out) {
		return nil, fmt.Errorf("expression returns %s, want a map with status and message", out)
	}
	prg, err := env.Program(ast,
		cel.CostLimit(CostLimit),
		cel.InterruptCheckFrequency(100),
	)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return prg, nil
}

// resultType reports whether a value of type t may be a result map.
func resultType(t *types.Type) bool {
	switch t.Kind() {
	case types.DynKind, types.AnyKind:
		return true
	case types.MapKind:
		k := t.Parameters()[0].Kind()
		return k == types.StringKind || k == types.DynKind
	}
	return false
}

// Assess is like the package-level Assess, except that a custom check for
// the object's group and kind wins over the built-in one: an exact key
// first, then the most specific matching pattern. As in Argo CD, a nil
// object is Missing and an object being deleted is Progressing before any
// check runs. A check that fails at runtime or returns something that is
// not a valid status yields Unknown with the reason as message.
func (c *Checker) Assess(u *unstructured.Unstructured) Status {
	if u == nil {
		return Status{Code: Missing}
	}
	if u.GetDeletionTimestamp() != nil {
		return pendingDeletion
	}
	gvk := u.GroupVersionKind()
	if chk := c.lookup(gvk.Group, gvk.Kind); chk != nil {
		return chk.assess(u, c.timeout)
	}
	return builtin(u, c.storageClasses())
}

// lookup returns the custom check for group and kind, or nil.
func (c *Checker) lookup(group, kind string) *customCheck {
	if c == nil {
		return nil
	}
	if chk, ok := c.exact[group+"/"+kind]; ok {
		return chk
	}
	for _, chk := range c.patterns {
		if match(chk.group, group) && match(chk.kind, kind) {
			return chk
		}
	}
	return nil
}

// assess evaluates the check against u; it never panics.
func (chk *customCheck) assess(u *unstructured.Unstructured, timeout time.Duration) (st Status) {
	defer func() {
		if r := recover(); r != nil {
			st = Status{Code: Unknown, Message: fmt.Sprintf("%s panicked: %v", chk.name(), r)}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	val, _, err := chk.prg.ContextEval(ctx, map[string]any{"obj": u.Object})
	if err != nil {
		return Status{Code: Unknown, Message: fmt.Sprintf("%s: %v", chk.name(), err)}
	}
	st, err = decodeResult(val)
	if err != nil {
		return Status{Code: Unknown, Message: fmt.Sprintf("%s: %v", chk.name(), err)}
	}
	return st
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
