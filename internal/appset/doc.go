// Package appset turns Argo CD ApplicationSets into the Applications they
// generate, without a cluster and without controller-runtime.
//
// Generate runs a set's generators (list, clusters, git directories and
// files, matrix, merge, cluster decision resources, plugins), filters each
// generator's parameter sets through its post-selector, renders the set's
// template (merged with a generator's own) once per parameter set with
// fasttemplate or Go templates, and applies the templatePatch. Everything it
// reads from outside comes through an Env: a Reader for cluster Secrets,
// ConfigMaps and duck-typed resources, a Git checkout function, and an HTTP
// client for plugins. The controller gives it a cached client; `flotilla
// appset generate` gives it files.
//
// Plan compares the generated Applications with the ones that exist and
// decides, under the set's applicationsSync policy, preservedFields,
// ignoreApplicationDifferences and the max-deletions guard, what to create,
// update and delete. Rollout decides, for a RollingSync strategy, which
// Applications may sync now. Neither writes anything: the controller does.
package appset
