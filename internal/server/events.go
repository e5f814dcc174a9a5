package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	toolscache "k8s.io/client-go/tools/cache"

	"flotilla.dev/flotilla/api/v1alpha1"
)

// AppEvent is the data of an "application" server-sent event.
type AppEvent struct {
	// Type is "upsert" (created or changed) or "delete".
	Type        string     `json:"type"`
	Application AppSummary `json:"application"`
}

// clientBuffer is how many events a slow client may lag behind before it
// is dropped (its EventSource reconnects and the UI reloads the list).
const clientBuffer = 256

// hub fans Application changes out to the connected event streams.
type hub struct {
	mu      sync.Mutex
	clients map[*subscriber]struct{}
	gauge   prometheus.Gauge
}

type subscriber struct {
	namespace string // only this namespace when set
	ch        chan event
}

type event struct {
	namespace string
	data      []byte
}

func newHub(gauge prometheus.Gauge) *hub {
	return &hub{clients: map[*subscriber]struct{}{}, gauge: gauge}
}

func (h *hub) subscribe(namespace string) *subscriber {
	sub := &subscriber{namespace: namespace, ch: make(chan event, clientBuffer)}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.clients[sub] = struct{}{}
	h.gauge.Inc()
	return sub
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[sub]; ok {
		delete(h.clients, sub)
		close(sub.ch)
		h.gauge.Dec()
	}
}

// publish sends to every subscriber without blocking; one whose buffer is
// full is dropped.
func (h *hub) publish(ev event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.clients {
		if sub.namespace != "" && sub.namespace != ev.namespace {
			continue
		}
		select {
		case sub.ch <- ev:
		default:
			delete(h.clients, sub)
			close(sub.ch)
			h.gauge.Dec()
		}
	}
}

// handler turns informer notifications about Applications in the served
// namespaces into events.
func (h *hub) handler(ns namespaceFilter) toolscache.ResourceEventHandler {
	send := func(typ string, obj any) {
		if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		app, ok := obj.(*v1alpha1.Application)
		if !ok || !ns.allows(app.Namespace) {
			return
		}
		data, err := json.Marshal(AppEvent{Type: typ, Application: summarize(app)})
		if err != nil {
			return
		}
		h.publish(event{namespace: app.Namespace, data: data})
	}
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { send("upsert", obj) },
		UpdateFunc: func(_, obj any) { send("upsert", obj) },
		DeleteFunc: func(obj any) { send("delete", obj) },
	}
}

// events streams Application changes as server-sent events named
// "application", with a keep-alive comment every KeepAlive.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ns := r.URL.Query().Get("namespace")
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives any write timeout
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	sub := s.hub.subscribe(ns)
	defer s.hub.unsubscribe(sub)
	if _, err := fmt.Fprint(w, "retry: 3000\n: connected\n\n"); err != nil || rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(s.opts.KeepAlive)
	defer tick.Stop()
	for {
		var err error
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-sub.ch:
			if !ok {
				return // too slow: the client reconnects
			}
			if !s.mayList(r.Context(), ev.namespace) {
				continue // a signed-in user sees only what they may list
			}
			_, err = fmt.Fprintf(w, "event: application\ndata: %s\n\n", ev.data)
		case <-tick.C:
			_, err = fmt.Fprint(w, ": keep-alive\n\n")
		}
		if err != nil || rc.Flush() != nil {
			return
		}
	}
}
