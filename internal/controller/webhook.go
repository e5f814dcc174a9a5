package controller

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/webhook"
)

// WebhookPath is where git providers post push events, as on Argo CD's
// API server.
const WebhookPath = "/api/webhook"

// WebhookSecret is Argo CD's Secret in the controller's namespace that
// holds the webhook secrets (webhook.github.secret and so on).
const WebhookSecret = "argocd-secret"

// refreshPushed refreshes the Applications a push affects: those whose
// sources name the pushed repository and a revision it moved, and (with
// the manifest-generate-paths annotation) whose paths it changed. The
// pushed revisions are resolved once for all of them; the apps this
// replica reconciles are queued at once, the others get the refresh
// annotation for the replica that owns them.
func (r *Reconciler) refreshPushed(ctx context.Context, p webhook.Push) (int, error) {
	var apps v1alpha1.ApplicationList
	if err := r.Client.List(ctx, &apps); err != nil {
		return 0, fmt.Errorf("list applications: %w", err)
	}
	var hit []*v1alpha1.Application
	for i := range apps.Items {
		a := &apps.Items[i]
		if r.watchesNamespace(a.Namespace) && webhook.Matches(a, p, nil) && webhook.TouchesPaths(a, p.Files) {
			hit = append(hit, a)
		}
	}
	r.resolvePushed(ctx, hit)
	var errs []error
	for _, a := range hit {
		if r.active(a) {
			r.enqueue(a)
			continue
		}
		patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"annotations":{"`+RefreshAnnotation+`":"normal"}}}`))
		if err := r.Client.Patch(ctx, a, patch); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("refresh %s/%s: %w", a.Namespace, a.Name, err))
		}
	}
	log.FromContext(ctx).Info("push refreshed applications", "provider", p.Provider, "revision", p.Revision, "applications", len(hit))
	return len(hit), errors.Join(errs...)
}

// resolvePushed asks each pushed repository once for the new commits of
// the revisions the apps track, so their reconciles find them resolved.
func (r *Reconciler) resolvePushed(ctx context.Context, apps []*v1alpha1.Application) {
	seen := map[[2]string]bool{}
	for _, a := range apps {
		for _, src := range a.Spec.GetSources() {
			key := [2]string{src.RepoURL, src.TargetRevision}
			if src.IsHelm() || src.RepoURL == "" || seen[key] {
				continue
			}
			seen[key] = true
			if _, err := r.Manifests.ResolveFresh(ctx, src.RepoURL, src.TargetRevision); err != nil {
				log.FromContext(ctx).Info("resolve pushed revision", "repo", src.RepoURL, "revision", src.TargetRevision, "error", err.Error())
			}
		}
	}
}

// active reports whether this replica reconciles app now: it owns its
// shard, or without sharding it is the leader.
func (r *Reconciler) active(app *v1alpha1.Application) bool {
	if r.Shards != nil {
		return r.Shards.Owns(app.Namespace, app.Name)
	}
	return r.elected == nil || r.elected()
}

// enqueue reconciles app before anything else waiting, without writing
// to it. The send does not depend on the request's context, which ends
// when the webhook answers.
func (r *Reconciler) enqueue(app *v1alpha1.Application) {
	ev := event.TypedGenericEvent[*v1alpha1.Application]{Object: app}
	select {
	case r.urgent <- ev:
	default: // the queue's intake is busy: hand over in the background
		go func() {
			select {
			case r.urgent <- ev:
			case <-time.After(time.Minute):
			}
		}()
	}
}

// webhookSecrets reads argocd-secret's webhook secrets, at most every ten
// seconds. A missing Secret means no secrets: pushes are not verified.
type webhookSecrets struct {
	reader    client.Reader
	namespace string

	mu      sync.Mutex
	read    time.Time
	secrets webhook.Secrets
}

func (s *webhookSecrets) get() webhook.Secrets {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.read) < 10*time.Second {
		return s.secrets
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var sec corev1.Secret
	err := s.reader.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: WebhookSecret}, &sec)
	switch {
	case err == nil:
		s.secrets = webhook.SecretsFromData(sec.Data)
	case apierrors.IsNotFound(err):
		s.secrets = webhook.Secrets{}
	default:
		return s.secrets // keep the last known secrets over an API hiccup
	}
	s.read = time.Now()
	return s.secrets
}

// httpServer serves a handler on addr for as long as the manager runs, on
// every replica (a Service may send a push to any of them).
type httpServer struct {
	addr    string
	handler http.Handler
}

func (s *httpServer) NeedLeaderElection() bool { return false }

func (s *httpServer) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", s.addr, err)
	}
	return nil
}
