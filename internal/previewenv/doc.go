// Package previewenv holds the end-to-end test of preview environments:
// a real Gitea server (package giteatest), the control plane and an
// in-process controller. A pull request opened on Gitea becomes an
// Application that syncs the pull request's head commit, a push to its
// branch moves it to the new commit, and closing it deletes the
// Application and its resources, each driven by Gitea's webhooks; the
// Application's commit statuses appear on the Gitea commits; a set change
// that would drop more previews than max-deletions allows is held until
// confirmed. It also runs
// `flotilla appset generate` against the same server with a token from the
// environment. It has no code of its own.
package previewenv
