package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// Health is the state /healthz reports.
type Health struct {
	Status       string `json:"status"`
	Feeds        int    `json:"feeds"`
	FeedsFailing int    `json:"feeds_failing"`
	Queued       int    `json:"queued"`
	Failed       int    `json:"failed"`
	Error        string `json:"error,omitempty"`
}

// HealthHandler answers GET /healthz: 200 with the counts, or 503 when the
// store cannot be used. feeds is the configured feed URLs.
func HealthHandler(st Store, feeds []string, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	configured := map[string]bool{}
	for _, f := range feeds {
		configured[f] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		h, err := health(ctx, st, configured)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if err != nil {
			logger.Error("health check failed: the database cannot be used", slog.String("error", err.Error()))
			h = Health{Status: "unavailable", Feeds: len(configured), Error: err.Error()}
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(h)
	})
}

func health(ctx context.Context, st Store, configured map[string]bool) (Health, error) {
	if err := st.Ping(ctx); err != nil {
		return Health{}, err
	}
	states, err := st.FeedStates(ctx)
	if err != nil {
		return Health{}, err
	}
	qs, err := st.QueueStats(ctx)
	if err != nil {
		return Health{}, err
	}
	h := Health{Status: "ok", Feeds: len(configured), Queued: qs.Queued, Failed: qs.Failed}
	for _, s := range states {
		if configured[s.URL] && s.LastError != "" {
			h.FeedsFailing++
		}
	}
	return h, nil
}
