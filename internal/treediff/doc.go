// Package treediff compares an app-of-apps tree rendered at two sets of
// revisions: what a pull request does to the objects of every
// Application below a root, without a cluster.
//
// Render renders the roots (Applications and ApplicationSets) down the
// whole tree with a manifests.Generator whose git sources are pinned to
// the revisions of one side; Run renders both sides with Generators that
// share their fetchers and caches, so what is the same at both revisions
// is fetched and rendered once. Compare turns the two trees into a
// Report: Applications added, removed and changed (their specs), and per
// Application the objects added, removed and changed, each with a
// unified diff (Secret values masked, ignore rules in Argo CD's
// ignoreDifferences format applied). The Report is written as text,
// Markdown (for a pull request comment) or JSON.
//
// The package is pure: it renders and compares, and never talks to a
// cluster.
package treediff
