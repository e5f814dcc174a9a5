package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// User is a person signed in through OIDC. The server acts as them by
// impersonation, so the cluster's RBAC decides what they may see and do.
type User struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
}

// key identifies the user and their groups, for caches of clients and
// access decisions.
func (u *User) key() string {
	return u.Name + "\x00" + strings.Join(u.Groups, "\x00")
}

// systemPrefix starts the names Kubernetes reserves for its own
// identities (system:masters, system:serviceaccount:…): never taken from
// a token, so the provider cannot make anyone cluster-admin.
const systemPrefix = "system:"

// claimMapping says which claims name the user and their groups, and
// the prefixes put before them.
type claimMapping struct {
	usernameClaim, groupsClaim   string
	usernamePrefix, groupsPrefix string
}

// errNoUsername is a token without the username claim (the caller may
// then ask the provider's userinfo endpoint).
var errNoUsername = errors.New("no username claim")

// user reads the user from a token's claims. An unverified email is
// refused when the email names the user (as kube-apiserver does); groups
// in Kubernetes' system: namespace are dropped.
func (m claimMapping) user(claims map[string]any) (*User, error) {
	name, _ := claims[m.usernameClaim].(string)
	if name == "" {
		return nil, fmt.Errorf("claim %q: %w", m.usernameClaim, errNoUsername)
	}
	if m.usernameClaim == "email" {
		if v, ok := claims["email_verified"].(bool); ok && !v {
			return nil, fmt.Errorf("email %s is not verified", name)
		}
	}
	name = m.usernamePrefix + name
	if strings.HasPrefix(name, systemPrefix) {
		return nil, fmt.Errorf("username %q: names starting with %q are Kubernetes' own", name, systemPrefix)
	}
	groups, err := stringList(claims[m.groupsClaim])
	if err != nil {
		return nil, fmt.Errorf("claim %q: %w", m.groupsClaim, err)
	}
	u := &User{Name: name, Groups: []string{}}
	for _, g := range groups {
		if g = m.groupsPrefix + g; g != m.groupsPrefix && !strings.HasPrefix(g, systemPrefix) {
			u.Groups = append(u.Groups, g)
		}
	}
	slices.Sort(u.Groups)
	u.Groups = slices.Compact(u.Groups)
	return u, nil
}

// stringList reads a claim that is a list of strings, one string, or
// absent.
func stringList(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{v}, nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("want strings, found %T", e)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, fmt.Errorf("want a list of strings, found %T", v)
}

type userKey struct{}

// withUser marks the request context as acting for u; nil is the
// server's own identity (the API token, anonymous reads).
func withUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// userOf is the signed-in user a request acts for, nil for the server's
// own identity.
func userOf(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}
