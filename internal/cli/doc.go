// Package cli holds the flotilla command line: one file per subcommand,
// each a newXCmd(*options) constructor. It parses flags, builds clients and
// formats output; the work itself lives in the engine packages.
package cli
