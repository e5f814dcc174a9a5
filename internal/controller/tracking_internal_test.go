package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"flotilla.dev/flotilla/internal/apply"
)

// TestTrackingSettingsReportLuaChecks reads an argocd-cm with a Lua health
// check: the tracking is taken from it, and the Lua check is logged as not
// run once per change of the ConfigMap, not on every read.
func TestTrackingSettingsReportLuaChecks(t *testing.T) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "argocd", Name: ArgoCDConfigMap},
		Data: map[string]string{
			trackingMethodKey: "label",
			"resource.customizations.health.cert-manager.io_Certificate": "hs = {}\nhs.status = \"Healthy\"\nreturn hs\n",
		},
	}
	c := fake.NewClientBuilder().WithObjects(cm).Build()
	var lines []string
	ctx := log.IntoContext(context.Background(), funcr.New(func(_, args string) { lines = append(lines, args) }, funcr.Options{}))
	s := &trackingSettings{reader: c, namespace: "argocd", ttl: time.Nanosecond}
	for range 3 {
		time.Sleep(time.Millisecond)
		s.refresh(ctx)
	}
	if s.get().Method != apply.TrackLabel {
		t.Errorf("tracking %+v, want label", s.get())
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "which flotilla does not run") || !strings.Contains(lines[0], "cert-manager.io/Certificate") {
		t.Fatalf("logged %q, want one line saying the Lua check is not run", lines)
	}
	cm.Data["resource.customizations.health.keda.sh_ScaledObject"] = "return {}"
	if err := c.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	s.refresh(ctx)
	if len(lines) != 3 {
		t.Errorf("after a change logged %d lines, want both checks again (3 in all): %q", len(lines), lines)
	}
}
