// Package crashpoint kills the process at named points of its work, when
// the environment asks for it, so that tests can prove a controller killed
// at any step of a sync, a cascade deletion or an ApplicationSet pass
// loses nothing: `FLOTILLA_CRASH_AT=<point>` kills at the first time the
// point is reached, `<point>#<n>` at the n-th. Unset (always, outside
// such tests), a point costs one comparison with an empty string.
//
// The points are the side effects of the work: before and after each
// write to the cluster and each status write (see Points).
package crashpoint
