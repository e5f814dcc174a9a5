// Package directory renders a directory of plain manifests the way Argo CD's
// directory source type does: `.yaml`, `.yml` and `.json` files, and
// `.jsonnet` files evaluated with go-jsonnet, optionally recursing into
// subdirectories, filtered by the include and exclude globs (matched against
// the path relative to the app path, `{a,b}` alternatives allowed). Files
// that are not Kubernetes manifests are ignored; a file that looks like a
// manifest but does not parse is an error that names the file. Beyond Argo
// CD, which skips them silently (and then prunes what they held), a
// manifest without kind or apiVersion and a mapping giving a key twice are
// such errors too. Symlinks must stay inside the repository.
//
// Jsonnet follows Argo CD's `directory.jsonnet`: external variables and
// top-level arguments (strings or code), library paths relative to the
// repository root, and an import search path of the app path then the
// libraries. Each file is evaluated in its own VM and must yield an object,
// an array of objects or a List; `.libsonnet` files are only imported.
// Unlike Argo CD, every import is confined to the repository (symlinks
// followed), and paths seen by jsonnet (std.thisFile, error locations) are
// repository-relative. The `.jsonnet` files of one render are evaluated in
// a child process (this executable, started again) that is stopped past
// JsonnetLimits: time, memory, stack and output size. go-jsonnet cannot be
// interrupted, and some programs overflow the Go stack, which no recover
// survives, so in-process they would hang or kill the caller.
package directory
