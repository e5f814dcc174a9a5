package server

import (
	"fmt"
	"net/http"
)

// crossOriginGuard refuses, with 403, every write (POST, PUT, DELETE…)
// a browser sends from another origin: modern browsers say so in
// Sec-Fetch-Site, older ones in Origin (Go's http.CrossOriginProtection).
// The UI's own requests are same-origin and pass; so do clients that send
// neither header (scripts with the bearer token), which are no browser a
// page could misuse. SameSite=Lax alone would not do: another port of the
// same host is the same site. trusted are further origins (scheme://host)
// the UI is reached at, such as a proxy's in front of it.
func crossOriginGuard(next http.Handler, trusted ...string) (http.Handler, error) {
	p := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if err := p.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusForbidden, "cross-origin %s %s refused: writes must come from this server's own pages", r.Method, r.URL.Path)
	}))
	return p.Handler(next), nil
}
