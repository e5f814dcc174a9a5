package appctl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/manifests"
	"flotilla.dev/flotilla/internal/source"
)

// ResolveRevision turns a branch, tag or short SHA of the app's single git
// source into the full commit SHA, which a requested sync pins (the
// controller resolves any other revision to the commit it compares now).
// A full SHA, an empty revision and a chart source's version are returned
// as they are.
func ResolveRevision(ctx context.Context, gen *manifests.Generator, app *v1alpha1.Application, revision string) (string, error) {
	if revision == "" || IsFullSHA(revision) {
		return revision, nil
	}
	srcs := app.Spec.GetSources()
	if len(srcs) != 1 {
		return "", errors.New("a revision can only be given for an application with a single source")
	}
	src := srcs[0]
	if src.Chart != "" {
		return revision, nil
	}
	var creds *source.RepoCreds
	if gen.Credentials != nil {
		var err error
		if creds, err = gen.Credentials(ctx, src.RepoURL); err != nil {
			return "", err
		}
	}
	sha, err := gen.Git.Resolve(ctx, src.RepoURL, revision, creds.GitAuth())
	if err != nil {
		return "", fmt.Errorf("resolve revision %s of %s: %w", revision, src.RepoURL, err)
	}
	return sha, nil
}

// IsFullSHA reports a 40-digit lowercase hex commit SHA.
func IsFullSHA(rev string) bool {
	return len(rev) == 40 && strings.Trim(rev, "0123456789abcdef") == ""
}
