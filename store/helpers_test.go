package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/store"
)

// t0 is a fixed base time so that orderings are deterministic.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func openStore(t testing.TB) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "radar.db")
	s, err := store.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// item makes an item of feed published h hours after t0.
func item(feed, key, link, title string, h int) alert.Item {
	return alert.Item{
		FeedURL:   feed,
		Key:       key,
		GUID:      key,
		Link:      link,
		Title:     title,
		Summary:   "summary of " + title,
		Published: t0.Add(time.Duration(h) * time.Hour),
		Dated:     true,
	}
}

// matched wraps an item with one topic and one alert per channel.
func matched(it alert.Item, topic string, channels ...string) store.IngestItem {
	ii := store.IngestItem{Item: it, Topics: []string{topic}, Keywords: []string{"kw-" + topic}}
	for _, ch := range channels {
		ii.Alerts = append(ii.Alerts, store.QueuedAlert{
			Channel: ch, Topics: []string{topic}, Keywords: []string{"kw-" + topic}, Mention: "<!here>",
		})
	}
	return ii
}

func ingest(t testing.TB, s *store.Store, feed string, limit int, items ...store.IngestItem) store.IngestResult {
	t.Helper()
	res, err := s.Ingest(context.Background(), store.Batch{
		State:      store.FeedState{URL: feed, Title: "Title of " + feed, LastSuccess: t0, LastPoll: t0},
		Items:      items,
		AlertLimit: limit,
	})
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return res
}

func pending(t testing.TB, s *store.Store, channel string) []alert.Alert {
	t.Helper()
	as, err := s.Pending(context.Background(), channel, time.Now().Add(time.Hour), 100)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	return as
}

func titles[T any](xs []T, title func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, title(x))
	}
	return out
}

func alertTitles(as []alert.Alert) []string {
	return titles(as, func(a alert.Alert) string { return a.Item.Title })
}

func storedTitles(xs []store.StoredItem) []string {
	return titles(xs, func(x store.StoredItem) string { return x.Title })
}
