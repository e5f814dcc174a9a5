package appctl

import (
	"context"
	"errors"

	"flotilla.dev/flotilla/api/v1alpha1"
	"flotilla.dev/flotilla/internal/object"
	"flotilla.dev/flotilla/internal/syncmodel"
)

// HandedBack is one object of an app readied for Argo CD.
type HandedBack struct {
	object.Key
	// Changed is false when the object was already in Argo CD's hands.
	Changed bool
}

// HandBack readies the live objects of app for Argo CD after flotilla
// (docs/migrating.md): each object the app renders (hooks left out) that
// is live and tracked as the app's has its fields handed to Argo CD's
// field managers and kubectl's last-applied annotation set to what
// flotilla applies (apply.Client.HandBack). Run it with flotilla's
// controller stopped: a running controller takes the fields back. opts
// are as for Diff (Revision and LocalDir unset).
func HandBack(ctx context.Context, app *v1alpha1.Application, opts DiffOptions) ([]HandedBack, error) {
	if opts.Generator == nil || opts.Cluster == nil {
		return nil, errors.New("hand-back needs a manifest generator and a cluster client")
	}
	if opts.Revision != "" || opts.LocalDir != "" {
		return nil, errors.New("hand-back renders the app's own revision")
	}
	objs, track, instance, err := desired(ctx, app, opts)
	if err != nil {
		return nil, err
	}
	resources, _ := syncmodel.SplitHooks(objs)
	var out []HandedBack
	for _, u := range resources {
		live, err := opts.Cluster.Get(ctx, u)
		if err != nil {
			return out, err
		}
		if live == nil || !track.Owns(live, instance) {
			continue
		}
		changed, err := opts.Cluster.HandBack(ctx, live, u)
		if err != nil {
			return out, err
		}
		out = append(out, HandedBack{Key: object.KeyOf(u), Changed: changed})
	}
	return out, nil
}
