package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// pollInterval is how often readiness checks run.
const pollInterval = 100 * time.Millisecond

// waitUntil polls check until it succeeds. It fails when timeout passes or
// ctx ends (with the tail of subject's log), or when subject or one of
// others exits (with the tail of that one's log).
func waitUntil(ctx context.Context, timeout time.Duration, subject *process, others []*process, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
		err := check(cctx)
		ccancel()
		if err == nil {
			return nil
		}
		for _, proc := range append([]*process{subject}, others...) {
			if ok, _ := proc.exited(); ok {
				return proc.failure(fmt.Errorf("%s not ready: %s exited early", subject.name, proc.name))
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return subject.failure(fmt.Errorf("%s not ready within %s: %w", subject.name, timeout, err))
			}
			return subject.failure(fmt.Errorf("%s not ready: %w (last check: %v)", subject.name, ctx.Err(), err))
		case <-tick.C:
		}
	}
}

// get fetches url and returns the body of a 200 answer.
func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return string(body), nil
}

// etcdHealthy checks etcd's /health endpoint.
func etcdHealthy(ctx context.Context, url string) error {
	body, err := get(ctx, http.DefaultClient, url+"/health")
	if err != nil {
		return err
	}
	if !strings.Contains(body, `"health":"true"`) {
		return fmt.Errorf("etcd unhealthy: %s", strings.TrimSpace(body))
	}
	return nil
}

// apiserverReady checks the apiserver's /readyz.
func apiserverReady(ctx context.Context, cs kubernetes.Interface) error {
	body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("readyz: %w: %s", err, strings.TrimSpace(string(body)))
	}
	return nil
}

// schedulerHealthy checks the scheduler's /healthz over TLS verified with
// the plane's CA (the scheduler serves the apiserver's certificate).
func schedulerHealthy(ctx context.Context, port int, caPEM []byte) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer c.CloseIdleConnections()
	_, err := get(ctx, c, fmt.Sprintf("https://127.0.0.1:%d/healthz", port))
	return err
}

// defaultServiceAccount checks that the controller-manager has created the
// ServiceAccount default in namespace default.
func defaultServiceAccount(ctx context.Context, cs kubernetes.Interface) error {
	_, err := cs.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("serviceaccount default/default: %w", err)
	}
	return nil
}
