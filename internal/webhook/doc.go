// Package webhook reimplements Argo CD's git webhook (the /api/webhook
// endpoint of argocd-server): it recognises the push events of GitHub,
// GitLab, Gitea (and Gogs), Bitbucket Cloud, Bitbucket Server and Azure
// DevOps, verifies them against the secrets of Argo CD's argocd-secret, and
// tells which Applications a push affects so that the controller can
// refresh them at once instead of waiting for the next poll.
//
// It also recognises the pull-request events of the same providers (Gogs
// aside), as the webhook of Argo CD's ApplicationSet controller does, so
// that ApplicationSets with pull-request generators can be refreshed at
// once: only the actions that can change a generator's list (opened,
// updated with new commits, closed, merged, reopened, relabelled), the
// others being ignored.
//
// Providers are told apart by their event headers. Azure DevOps service
// hooks have none: a request that carries none of the other providers'
// headers is Azure DevOps' when it has the X-Vss-ActivityId header (as in
// Argo CD) or, failing that, when its body is a service hook event (a JSON
// object with eventType and publisherId). Of its events, git.push is a
// push and git.pullrequest.created, .updated and .merged are pull-request
// events; the others are ignored.
//
// Parse turns a request into a provider-independent Push (with
// Push.PullRequest set for a pull-request event), Matches decides whether a
// push affects an Application the way Argo CD's sourceRevisionHasChanged and
// sourceUsesURL do, and Handler ties both to HTTP, leaving the listing and
// refreshing of Applications and ApplicationSets to a callback.
//
// Verification follows Argo CD: a provider whose secret is empty accepts
// unsigned requests; once the secret is set, a request without a valid
// signature (GitHub, Gitea, Bitbucket Server), token (GitLab), hook UUID
// (Bitbucket Cloud) or basic auth (Azure DevOps, webhook.azuredevops.username
// and webhook.azuredevops.password) fails with ErrUnauthorized, whatever its
// event. Secrets are compared in constant time.
package webhook
