package websub

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/store"
)

// Handler serves the callbacks: GET for the hubs' verification of intent,
// POST for content distribution. Mount it at CallbackPath ("/websub/").
func (s *Subscriber) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+CallbackPath+"{id}", s.verify)
	mux.HandleFunc("POST "+CallbackPath+"{id}", s.distribute)
	return mux
}

// verify answers a verification of intent: the challenge echoed when the
// callback id, topic and mode match what this side asked for, else 404.
func (s *Subscriber) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mode, topic, challenge := q.Get("hub.mode"), q.Get("hub.topic"), q.Get("hub.challenge")
	ctx := r.Context()
	s.mu.Lock()
	sub, ok, err := s.opts.Store.Subscription(ctx, r.PathValue("id"))
	if err != nil {
		s.mu.Unlock()
		s.log.Error("cannot read WebSub subscription", slog.String("error", err.Error()))
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	if !ok || topic != sub.Topic {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	log := s.log.With(slog.String("feed", sub.FeedURL), slog.String("hub", sub.Hub))
	now := s.now()
	var (
		answer  = challenge // "" for denied: nothing to echo
		remove  bool
		logLine func()
	)
	switch {
	case mode == "subscribe" && challenge != "" && (sub.State == store.SubPending || sub.State == store.SubActive):
		lease := s.opts.Lease
		if n, err := strconv.ParseInt(q.Get("hub.lease_seconds"), 10, 64); err == nil && n > 0 {
			lease = time.Duration(min(n, int64(365*24*time.Hour/time.Second))) * time.Second
		}
		sub.State, sub.Verified, sub.Expires = store.SubActive, now, now.Add(lease)
		sub.LeaseSeconds = int(lease / time.Second)
		sub.NextAction = now.Add(renewAfter(lease))
		sub.Failures, sub.LastError = 0, ""
		logLine = func() {
			log.Info("WebSub subscription verified", slog.Duration("lease", lease), slog.Time("renew", sub.NextAction))
		}
	case mode == "unsubscribe" && challenge != "" && sub.State == store.SubUnsubscribing:
		remove = true
		logLine = func() { log.Info("WebSub unsubscription verified; subscription removed") }
	case mode == "denied" && sub.State == store.SubUnsubscribing:
		remove = true
		logLine = func() { log.Info("hub denied a subscription being cancelled; subscription removed") }
	case mode == "denied":
		reason := q.Get("hub.reason")
		sub.State, sub.Expires, sub.Failures = store.SubPending, time.Time{}, sub.Failures+1
		sub.LastError = "the hub denied the subscription"
		if reason != "" {
			sub.LastError += ": " + truncate(reason, 200)
		}
		sub.NextAction = now.Add(deniedRetry)
		logLine = func() {
			log.Warn("hub denied the WebSub subscription; polling only", slog.String("reason", truncate(reason, 200)),
				slog.Time("retry", sub.NextAction))
		}
	default:
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	if remove {
		err = s.opts.Store.DeleteSubscription(ctx, sub.CallbackID)
	} else {
		err = s.opts.Store.SaveSubscription(ctx, sub)
	}
	s.mu.Unlock()
	if err != nil {
		log.Error("cannot record verification of intent", slog.String("error", err.Error()))
		http.Error(w, "store unavailable", http.StatusServiceUnavailable) // the hub retries
		return
	}
	logLine()
	s.refreshPushed(context.WithoutCancel(ctx), sub.FeedURL)
	s.poke() // the next renewal or retry moved
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, answer)
}

// distribute takes a content distribution. Only a body signed with the
// subscription's secret is processed; a forged or unsigned one is ignored
// but still acknowledged, as WebSub 7.1.2 allows, so a forger learns
// nothing. An unknown or cancelled callback answers 410 Gone, which tells
// the hub to drop the subscription.
func (s *Subscriber) distribute(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sub, ok, err := s.opts.Store.Subscription(ctx, r.PathValue("id"))
	if err != nil {
		s.log.Error("cannot read WebSub subscription", slog.String("error", err.Error()))
		http.Error(w, "store unavailable", http.StatusServiceUnavailable)
		return
	}
	f, configured := s.feeds[sub.FeedURL]
	if !ok || !configured || sub.State == store.SubUnsubscribing {
		http.Error(w, "no such subscription", http.StatusGone)
		return
	}
	log := s.log.With(slog.String("feed", sub.FeedURL), slog.String("hub", sub.Hub))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			log.Warn("WebSub content larger than poll.max_body ignored", slog.Int64("max_body", s.opts.MaxBody))
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if !ValidSignature(r.Header.Get("X-Hub-Signature"), sub.Secret, body) {
		log.Warn("WebSub content with a missing or invalid signature ignored",
			slog.String("remote", r.RemoteAddr), slog.Int("bytes", len(body)))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	title, items, err := feeds.Parse(body, sub.FeedURL, s.now())
	if err != nil {
		// The hub cannot fix it by sending again; polling still covers the feed.
		log.Warn("WebSub content is not a feed; ignored", slog.String("error", err.Error()))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if err := s.opts.Pusher.Push(ctx, f, title, items); err != nil {
		log.Error("cannot record pushed items", slog.String("error", err.Error()))
		http.Error(w, "cannot record items now", http.StatusServiceUnavailable) // the hub may retry
		return
	}
	log.Debug("WebSub content received", slog.Int("items", len(items)))
	w.WriteHeader(http.StatusNoContent)
}

// renewAfter is when to renew a lease: at 80% of it (two days before the
// end of the default 10-day lease), leaving room for retries.
func renewAfter(lease time.Duration) time.Duration { return lease * 8 / 10 }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
