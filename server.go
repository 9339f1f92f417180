// The HTTP server (/healthz, /metrics, slash commands over HTTP, WebSub
// callbacks) and the idle-memory housekeeping of a long run.

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/websub"
)

func (m *Main) startHTTP(ctx context.Context) (*http.Server, error) {
	ln := m.listener
	if ln == nil {
		if m.cfg.HTTP.Listen == "" {
			return nil, nil
		}
		var err error
		ln, err = net.Listen("tcp", m.cfg.HTTP.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen on %s (http.listen): %w — free the port or change http.listen", m.cfg.HTTP.Listen, err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", bot.HealthHandler(m.store, feedURLs(m.feeds), m.log.With(slog.String("component", "http"))))
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	for p, h := range m.routes {
		mux.Handle("POST "+p, h)
	}
	if m.websub != nil {
		mux.Handle(websub.CallbackPath, m.websub.Handler())
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("http server stopped", slog.String("error", err.Error()))
		}
	}()
	m.log.Info("http server listening", slog.String("addr", ln.Addr().String()))
	m.addr <- ln.Addr().String()
	return srv, nil
}

// returnMemory hands freed heap back to the OS once a minute. Polls come in
// bursts and the process idles between them; without this the runtime keeps
// the burst's high-water mark for minutes, which on a small VM is most of
// the footprint. A collection of a few-MB heap costs about a millisecond.
func returnMemory(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			debug.FreeOSMemory()
		}
	}
}
