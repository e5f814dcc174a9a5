package helm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"helm.sh/helm/v4/pkg/registry"
)

// fetchOCI resolves version against the chart's tags (unless it is a pin
// or a digest) and pulls the chart layer of that manifest.
func (f *Fetcher) fetchOCI(ctx context.Context, loc location, chart, version string, auth *Auth) (string, string, error) {
	client, err := newOCIClient(ctx, loc, chart, auth)
	if err != nil {
		return "", "", err
	}
	var reference, resolved string
	switch {
	case strings.HasPrefix(version, "sha256:"):
		reference, resolved = client.repo.Name()+"@"+version, version
	case isPin(version):
		// A pin is a tag, as for `helm pull oci://… --version`; helm
		// writes "+" as "_" in tags.
		reference, resolved = client.repo.Name()+":"+strings.ReplaceAll(version, "+", "_"), version
	default:
		tags, err := f.ociTags(ctx, loc, chart, client)
		if err != nil {
			return "", "", err
		}
		if resolved, err = maxVersion(version, tags); err != nil {
			return "", "", &sourceError{
				msg:   fmt.Sprintf("chart %q has no version matching %q in %s: %v", chart, versionOrLatest(version), loc.display, err),
				kinds: []error{ErrVersionNotFound},
			}
		}
		if dir, r, ok := f.cachedRef(loc, chart, resolved); ok {
			return dir, r.version, nil
		}
		reference = client.repo.Name() + ":" + strings.ReplaceAll(resolved, "+", "_")
	}
	data, err := client.pullChart(ctx, reference, chart, version)
	if err != nil {
		return "", "", err
	}
	dir, digest, err := f.store(data)
	if err != nil {
		return "", "", newError(auth, fmt.Sprintf("store chart %s %s from %s: %v", chart, resolved, loc.display, err))
	}
	aliases := []string{resolved}
	if version != resolved && version != "" && isPin(version) {
		aliases = append(aliases, version)
	}
	f.saveRef(loc, chart, ref{digest: digest, version: resolved}, aliases...)
	return dir, resolved, nil
}

// ociTags lists the chart's tags as versions ("_" read as "+"), reused for
// the index TTL.
func (f *Fetcher) ociTags(ctx context.Context, loc location, chart string, c *ociClient) ([]string, error) {
	key := "tags\x00" + loc.key + "\x00" + chart
	if v, ok := f.list(key); ok {
		return v.([]string), nil
	}
	tags, err := remote.List(c.repo, c.options(ctx)...)
	if err != nil {
		return nil, c.error(ctx, "list the versions of chart "+chart+" in", err, ErrChartNotFound)
	}
	for i, t := range tags {
		tags[i] = strings.ReplaceAll(t, "_", "+")
	}
	f.setList(key, tags)
	return tags, nil
}

// maxVersion returns the highest tag satisfying the constraint ("" means
// any stable version), like Argo CD's versions.MaxVersion.
func maxVersion(constraint string, tags []string) (string, error) {
	if constraint == "" {
		constraint = "*"
	}
	c, err := semver.NewConstraint(constraint)
	if err != nil {
		return "", fmt.Errorf("invalid version constraint: %w", err)
	}
	var best *semver.Version
	var bestTag string
	for _, t := range tags {
		v, err := semver.NewVersion(t)
		if err != nil || !c.Check(v) {
			continue
		}
		if best == nil || v.GreaterThan(best) {
			best, bestTag = v, t
		}
	}
	if best == nil {
		return "", fmt.Errorf("none of %d versions matches", len(tags))
	}
	return bestTag, nil
}

// ociClient talks to one chart repository of a registry.
type ociClient struct {
	loc  location
	repo name.Repository
	auth *Auth
	tr   http.RoundTripper
}

func newOCIClient(_ context.Context, loc location, chart string, auth *Auth) (*ociClient, error) {
	var opts []name.Option
	if auth.PlainHTTP {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(loc.registryRepo+"/"+chart, opts...)
	if err != nil {
		return nil, newError(auth, fmt.Sprintf("chart %s in %s: %v", chart, loc.display, err))
	}
	tr, err := auth.transport()
	if err != nil {
		return nil, newError(auth, fmt.Sprintf("connect to %s: %v", loc.display, err))
	}
	var rt http.RoundTripper = tr
	if !auth.PlainHTTP {
		rt = httpsOnly{next: tr, host: repo.RegistryStr()}
	}
	return &ociClient{loc: loc, repo: repo, auth: auth, tr: rt}, nil
}

func (c *ociClient) options(ctx context.Context) []remote.Option {
	var a authn.Authenticator = authn.Anonymous
	if user, pass, ok := c.auth.basic(); ok {
		a = &authn.Basic{Username: user, Password: pass}
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuth(a),
		remote.WithTransport(c.tr),
		remote.WithUserAgent("flotilla"),
	}
}

// pullChart fetches the manifest of reference and the chart archive it
// points to (its digest checked on the way).
func (c *ociClient) pullChart(ctx context.Context, reference, chart, version string) ([]byte, error) {
	ref, err := name.ParseReference(reference, c.nameOptions()...)
	if err != nil {
		return nil, newError(c.auth, fmt.Sprintf("chart %s version %q: %v", chart, version, err))
	}
	desc, err := remote.Get(ref, c.options(ctx)...)
	if err != nil {
		return nil, c.error(ctx, fmt.Sprintf("fetch chart %s version %s from", chart, versionOrLatest(version)), err, ErrVersionNotFound)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil || desc.MediaType.IsIndex() {
		return nil, newError(c.auth, fmt.Sprintf("%s in %s is not a Helm chart: not an image manifest", reference, c.loc.display))
	}
	if m.Config.MediaType != registry.ConfigMediaType {
		return nil, newError(c.auth, fmt.Sprintf("%s in %s is not a Helm chart: config media type %q", reference, c.loc.display, m.Config.MediaType))
	}
	var layer *v1.Descriptor
	for i, l := range m.Layers {
		if l.MediaType == registry.ChartLayerMediaType || l.MediaType == registry.LegacyChartLayerMediaType {
			layer = &m.Layers[i]
			break
		}
	}
	if layer == nil {
		return nil, newError(c.auth, fmt.Sprintf("%s in %s has no chart layer", reference, c.loc.display))
	}
	if layer.Size > maxArchiveBytes {
		return nil, newError(c.auth, fmt.Sprintf("%s in %s: chart archive is larger than the limit of %d bytes", reference, c.loc.display, maxArchiveBytes))
	}
	blob, err := remote.Layer(c.repo.Digest(layer.Digest.String()), c.options(ctx)...)
	if err != nil {
		return nil, c.error(ctx, "fetch the chart archive of "+reference+" from", err, ErrVersionNotFound)
	}
	rc, err := blob.Compressed()
	if err != nil {
		return nil, c.error(ctx, "fetch the chart archive of "+reference+" from", err, ErrVersionNotFound)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxArchiveBytes+1))
	if err != nil {
		return nil, c.error(ctx, "fetch the chart archive of "+reference+" from", err, ErrVersionNotFound)
	}
	return data, nil
}

func (c *ociClient) nameOptions() []name.Option {
	if c.auth.PlainHTTP {
		return []name.Option{name.Insecure}
	}
	return nil
}

// error classifies a registry error; notFound is the kind of a 404.
func (c *ociClient) error(ctx context.Context, op string, err error, notFound error) error {
	what := op + " " + c.loc.display
	var te *transport.Error
	if errors.As(err, &te) {
		switch te.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			return &sourceError{msg: fmt.Sprintf("authentication failed for %s (%s)", c.loc.display, http.StatusText(te.StatusCode)), kinds: []error{ErrAuthenticationFailed}}
		case http.StatusNotFound:
			kind := notFound
			for _, d := range te.Errors {
				if d.Code == transport.NameUnknownErrorCode {
					kind = ErrChartNotFound
				}
			}
			msg := fmt.Sprintf("%s: not found", what)
			if kind == ErrChartNotFound {
				msg = fmt.Sprintf("%s: chart not found", what)
			}
			return &sourceError{msg: msg, kinds: []error{kind}}
		}
	}
	return wrapError(ctx, c.auth, what, err)
}

// httpsOnly sends requests for the registry host over https, whatever
// scheme go-containerregistry picked (it picks http for loopback and
// private addresses); helm does the same unless told --plain-http.
type httpsOnly struct {
	next http.RoundTripper
	host string
}

func (h httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && strings.EqualFold(req.URL.Host, h.host) {
		req = req.Clone(req.Context())
		req.URL.Scheme = "https"
	}
	return h.next.RoundTrip(req)
}
