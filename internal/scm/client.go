package scm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// maxBody bounds what one answer may hold.
	maxBody = 32 << 20
	// maxAttempts is how often a rate-limited or failing GET is tried.
	maxAttempts = 4
	// maxRateLimitWait is the longest wait for a rate limit to reset; a
	// longer one fails the pass, and the set is tried again with backoff.
	maxRateLimitWait = 2 * time.Minute
	// userAgent is sent with every request.
	userAgent = "flotilla-scm"
)

// ClientOptions configures a Client.
type ClientOptions struct {
	// BaseURL is the API's root, e.g. https://api.github.com or
	// https://gitea.example.com/api/v1. Paths are joined to it.
	BaseURL string
	// HTTPClient sends the requests; nil is a client with a 30 s timeout.
	HTTPClient *http.Client
	// Insecure skips TLS verification (the generators' insecure field).
	Insecure bool
	// CACerts are PEM certificates to trust besides the system's (caRef).
	CACerts []byte
	// Auth sets the request's credentials.
	Auth func(*http.Request)
	// Sleep waits between attempts; nil waits on a timer. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is one forge API endpoint with its credentials.
type Client struct {
	base  *url.URL
	http  *http.Client
	auth  func(*http.Request)
	sleep func(ctx context.Context, d time.Duration) error
}

// NewClient checks the options and builds a Client.
func NewClient(o ClientOptions) (*Client, error) {
	base, err := url.Parse(strings.TrimSuffix(o.BaseURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("api URL %q is not an absolute http(s) URL", o.BaseURL)
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("api URL %q is not an http(s) URL", o.BaseURL)
	}
	hc, err := httpClient(o)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, http: hc, auth: o.Auth, sleep: o.Sleep}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	return c, nil
}

// httpClient is o.HTTPClient, or a new one honouring Insecure and CACerts.
func httpClient(o ClientOptions) (*http.Client, error) {
	if o.HTTPClient != nil && !o.Insecure && len(o.CACerts) == 0 {
		return o.HTTPClient, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: o.Insecure} //nolint:gosec // the user's choice, per generator
	if len(o.CACerts) != 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(o.CACerts) {
			return nil, errors.New("caRef holds no PEM certificate")
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

// Request is one API call.
type Request struct {
	Method string
	// Path is joined to the base URL, escaped as it is to be sent (with
	// url.PathEscape per segment); an absolute URL (a next-page link) is
	// taken as it is, if it is on the API's host.
	Path  string
	Query url.Values
	// Body is sent as JSON when not nil.
	Body any
}

// Do sends r and decodes a 2xx JSON answer into out (when not nil). It
// retries rate-limited answers, and 5xx answers and connection errors of
// GETs, with backoff. The response is returned with its body consumed,
// for its headers (pagination links).
func (c *Client) Do(ctx context.Context, r Request, out any) (*http.Response, error) {
	u, err := c.url(r.Path, r.Query)
	if err != nil {
		return nil, err
	}
	var body []byte
	if r.Body != nil {
		if body, err = json.Marshal(r.Body); err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	for attempt := 1; ; attempt++ {
		resp, data, err := c.send(ctx, method, u, body)
		wait, retry := c.retryAfter(method, resp, err, attempt)
		if !retry {
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", method, redact(u), err)
			}
			return resp, decode(method, u, resp, data, out)
		}
		if wait > maxRateLimitWait {
			return nil, fmt.Errorf("%s %s: rate limited for %s more: %w", method, redact(u), wait.Round(time.Second), apiError(method, u, resp, data))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// url resolves path against the base URL and refuses other hosts, so a
// forge's next link cannot carry the token elsewhere.
func (c *Client) url(path string, query url.Values) (*url.URL, error) {
	var u *url.URL
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		parsed, err := url.Parse(path)
		if err != nil {
			return nil, fmt.Errorf("link %q: %w", path, err)
		}
		if parsed.Host != c.base.Host {
			return nil, fmt.Errorf("link %q leaves the API's host %s", path, c.base.Host)
		}
		u = parsed
	} else { // an escaped path, joined as text so its escapes are kept
		parsed, err := url.Parse(strings.TrimSuffix(c.base.String(), "/") + "/" + strings.TrimPrefix(path, "/"))
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", path, err)
		}
		u = parsed
	}
	if len(query) != 0 {
		q := u.Query()
		for k, vs := range query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// send makes one attempt and reads the answer.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body []byte) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.auth != nil {
		c.auth(req)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read answer: %w", err)
	}
	if len(data) > maxBody {
		return nil, nil, fmt.Errorf("answer larger than %d MiB", maxBody>>20)
	}
	return resp, data, nil
}

// decode turns a 2xx answer into out and any other into an *APIError.
func decode(method string, u *url.URL, resp *http.Response, data []byte, out any) error {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return apiError(method, u, resp, data)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, redact(u), err)
	}
	return nil
}

// apiError is the *APIError of a non-2xx answer.
func apiError(method string, u *url.URL, resp *http.Response, data []byte) error {
	return &APIError{Method: method, URL: redact(u), Status: resp.StatusCode, Message: errorMessage(data)}
}

// redact is u without user info and query, for messages.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	c.RawQuery = ""
	return c.String()
}

// errorMessage finds the message in a forge's error body: GitHub's,
// Gitea's and GitLab's "message", Bitbucket Cloud's error.message,
// Bitbucket Server's errors[].message, Azure DevOps' "message", GitLab's
// "error"; else the body's first line.
func errorMessage(data []byte) string {
	var body map[string]json.RawMessage
	if json.Unmarshal(data, &body) == nil {
		for _, k := range []string{"message", "error"} {
			if s := messageOf(body[k]); s != "" {
				return s
			}
		}
		var errs []struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(body["errors"], &errs) == nil && len(errs) != 0 && errs[0].Message != "" {
			return errs[0].Message
		}
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	return line
}

// messageOf reads a message that is a string, or an object with a
// message field (Bitbucket Cloud), or GitLab's map of field errors.
func messageOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Message != "" {
		return obj.Message
	}
	return strings.TrimSpace(string(raw))
}

// retryAfter decides whether to try again, and after how long: a
// rate-limited answer (429, or 403 with no requests remaining) after its
// reset time; a GET's 5xx answer or connection error after 1, 2, 4 s.
func (c *Client) retryAfter(method string, resp *http.Response, err error, attempt int) (time.Duration, bool) {
	if attempt >= maxAttempts {
		return 0, false
	}
	backoff := time.Duration(1<<(attempt-1)) * time.Second
	if err != nil {
		return backoff, method == http.MethodGet && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	if rateLimited(resp) {
		if d, ok := resetIn(resp.Header, time.Now()); ok {
			return d, true
		}
		return backoff, true
	}
	if resp.StatusCode >= 500 && method == http.MethodGet {
		return backoff, true
	}
	return 0, false
}

// rateLimited says whether resp refuses for a rate limit.
func rateLimited(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	return resp.StatusCode == http.StatusForbidden &&
		(resp.Header.Get("X-RateLimit-Remaining") == "0" || resp.Header.Get("Retry-After") != "")
}

// resetIn reads how long until the limit resets: Retry-After (seconds or
// an HTTP date), X-RateLimit-Reset or RateLimit-Reset (epoch seconds).
func resetIn(h http.Header, now time.Time) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return time.Duration(n) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	for _, k := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		if n, err := strconv.ParseInt(h.Get(k), 10, 64); err == nil && n > 0 {
			return max(time.Unix(n, 0).Sub(now), time.Second), true
		}
	}
	return 0, false
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NextLink is the rel="next" URL of an RFC 8288 Link header (GitHub,
// GitLab, Gitea), or "".
func NextLink(resp *http.Response) string {
	for _, link := range resp.Header.Values("Link") {
		for part := range strings.SplitSeq(link, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
				continue
			}
			return strings.Trim(strings.TrimSpace(target), "<>")
		}
	}
	return ""
}

// GetAll GETs path and every page after it by the Link header, and
// returns all items. Each page is a JSON array of T.
func GetAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	var all []T
	for path != "" {
		var page []T
		resp, err := c.Do(ctx, Request{Path: path, Query: query}, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		path, query = NextLink(resp), nil
	}
	return all, nil
}

// Bearer is an Auth that sends "Authorization: Bearer token" (nothing
// when token is empty: anonymous access).
func Bearer(token string) func(*http.Request) {
	return authHeader("Authorization", "Bearer ", token)
}

// TokenAuth is Gitea's "Authorization: token …".
func TokenAuth(token string) func(*http.Request) {
	return authHeader("Authorization", "token ", token)
}

// Basic is an Auth with HTTP basic credentials (nothing when both are empty).
func Basic(user, password string) func(*http.Request) {
	return func(r *http.Request) {
		if user != "" || password != "" {
			r.SetBasicAuth(user, password)
		}
	}
}

// authHeader sets header to prefix+token when token is not empty.
func authHeader(header, prefix, token string) func(*http.Request) {
	return func(r *http.Request) {
		if token != "" {
			r.Header.Set(header, prefix+token)
		}
	}
}
