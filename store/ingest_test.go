package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/policyradar/policyradar/store"
)

const (
	feedA = "https://a.example/feed"
	feedB = "https://b.example/feed"
)

func TestIngestDeduplicates(t *testing.T) {
	cases := []struct {
		name      string
		first     store.Batch
		second    store.Batch
		wantFirst store.IngestResult
		wantSec   store.IngestResult
	}{
		{
			name:      "same key in the same feed",
			first:     batch(feedA, -1, matched(item(feedA, "k1", "https://a.example/1", "one", 1), "misuse", "slack:C1")),
			second:    batch(feedA, -1, matched(item(feedA, "k1", "https://a.example/1-changed", "one again", 2), "misuse", "slack:C1")),
			wantFirst: store.IngestResult{New: 1, Queued: 1},
			wantSec:   store.IngestResult{},
		},
		{
			name:      "same link in another feed",
			first:     batch(feedA, -1, matched(item(feedA, "k1", "https://news.example/x", "one", 1), "misuse", "slack:C1")),
			second:    batch(feedB, -1, matched(item(feedB, "other-guid", "https://news.example/x", "one elsewhere", 1), "misuse", "slack:C1", "discord:2")),
			wantFirst: store.IngestResult{New: 1, Queued: 1},
			wantSec:   store.IngestResult{},
		},
		{
			name:      "same key in another feed is a different item",
			first:     batch(feedA, -1, matched(item(feedA, "k1", "https://a.example/1", "one", 1), "misuse", "slack:C1")),
			second:    batch(feedB, -1, matched(item(feedB, "k1", "https://b.example/1", "one of b", 1), "misuse", "slack:C1")),
			wantFirst: store.IngestResult{New: 1, Queued: 1},
			wantSec:   store.IngestResult{New: 1, Queued: 1},
		},
		{
			name: "empty links never collide",
			first: batch(feedA, -1,
				matched(item(feedA, "k1", "", "one", 1), "misuse", "slack:C1"),
				matched(item(feedA, "k2", "", "two", 2), "misuse", "slack:C1")),
			second:    batch(feedB, -1, matched(item(feedB, "k3", "", "three", 3), "misuse", "slack:C1")),
			wantFirst: store.IngestResult{New: 2, Queued: 2},
			wantSec:   store.IngestResult{New: 1, Queued: 1},
		},
		{
			name: "duplicates inside one batch",
			first: batch(feedA, -1,
				matched(item(feedA, "k1", "https://a.example/1", "one", 1), "misuse", "slack:C1"),
				matched(item(feedA, "k1", "https://a.example/1", "one", 1), "misuse", "slack:C1"),
				matched(item(feedA, "k2", "https://a.example/1", "one by link", 1), "misuse", "slack:C1")),
			second:    batch(feedA, -1),
			wantFirst: store.IngestResult{New: 1, Queued: 1},
			wantSec:   store.IngestResult{},
		},
		{
			name:      "one channel named twice queues once",
			first:     batch(feedA, -1, matched(item(feedA, "k1", "https://a.example/1", "one", 1), "misuse", "slack:C1", "slack:C1", "discord:2")),
			second:    batch(feedA, -1),
			wantFirst: store.IngestResult{New: 1, Queued: 2},
			wantSec:   store.IngestResult{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t)
			ctx := context.Background()
			got, err := s.Ingest(ctx, tc.first)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.wantFirst {
				t.Errorf("first Ingest = %+v, want %+v", got, tc.wantFirst)
			}
			got, err = s.Ingest(ctx, tc.second)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.wantSec {
				t.Errorf("second Ingest = %+v, want %+v", got, tc.wantSec)
			}
			qs, err := s.QueueStats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.wantFirst.Queued + tc.wantSec.Queued; qs.Queued != want {
				t.Errorf("queued = %d, want %d", qs.Queued, want)
			}
		})
	}
}

func TestIngestAlertLimitPicksNewest(t *testing.T) {
	cases := []struct {
		name  string
		limit int
		want  []string // alerted titles, oldest published first
	}{
		{"backfill 0 alerts nothing", 0, nil},
		{"backfill 2 alerts the two newest", 2, []string{"h4", "h5"}},
		{"no cap", -1, []string{"h1", "h2", "h3", "h4", "h5"}},
		{"cap above the batch", 10, []string{"h1", "h2", "h3", "h4", "h5"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openStore(t)
			// Out of order on purpose, with one unmatched item among the newest.
			res := ingest(t, s, feedA, tc.limit,
				matched(item(feedA, "3", "https://a.example/3", "h3", 3), "misuse", "slack:C1"),
				matched(item(feedA, "5", "https://a.example/5", "h5", 5), "misuse", "slack:C1"),
				store.IngestItem{Item: item(feedA, "6", "https://a.example/6", "h6 unmatched", 6)},
				matched(item(feedA, "1", "https://a.example/1", "h1", 1), "misuse", "slack:C1"),
				matched(item(feedA, "4", "https://a.example/4", "h4", 4), "misuse", "slack:C1"),
				matched(item(feedA, "2", "https://a.example/2", "h2", 2), "misuse", "slack:C1"),
			)
			if res.New != 6 || res.Queued != len(tc.want) {
				t.Errorf("Ingest = %+v, want New 6, Queued %d", res, len(tc.want))
			}
			if got := alertTitles(pending(t, s, "slack:C1")); !slices.Equal(got, tc.want) {
				t.Errorf("pending = %q, want %q", got, tc.want)
			}
			// The rest are recorded as seen: a later poll alerts none of them.
			again := ingest(t, s, feedA, -1,
				matched(item(feedA, "1", "https://a.example/1", "h1", 1), "misuse", "slack:C1"),
				matched(item(feedA, "2", "https://a.example/2", "h2", 2), "misuse", "slack:C1"))
			if again != (store.IngestResult{}) {
				t.Errorf("re-ingest = %+v, want nothing new", again)
			}
		})
	}
}

func TestNothingRequeuedAfterRestart(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	items := []store.IngestItem{
		matched(item(feedA, "1", "https://a.example/1", "one", 1), "misuse", "slack:C1"),
		matched(item(feedA, "2", "https://a.example/2", "two", 2), "misuse", "slack:C1"),
	}
	ingest(t, s, feedA, -1, items...)
	as := pending(t, s, "slack:C1")
	if len(as) != 2 {
		t.Fatalf("pending = %d, want 2", len(as))
	}
	if err := s.MarkSent(ctx, as[0].ID, "ts1", time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s2, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if res := ingest(t, s2, feedA, -1, items...); res != (store.IngestResult{}) {
		t.Errorf("Ingest after restart = %+v, want nothing new", res)
	}
	got := pending(t, s2, "slack:C1")
	if len(got) != 1 || got[0].ID != as[1].ID {
		t.Errorf("pending after restart = %v, want only alert %d", alertTitles(got), as[1].ID)
	}
}

func TestIngestSavesFeedState(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	st := store.FeedState{
		URL: feedA, Title: "A", ETag: `"abc"`, LastModified: "Sat, 01 Mar 2025 12:00:00 GMT",
		LastPoll: t0, LastSuccess: t0, NextPoll: t0.Add(10 * time.Minute),
	}
	_, err := s.Ingest(ctx, store.Batch{State: st, AlertLimit: -1, Items: []store.IngestItem{
		{Item: item(feedA, "1", "https://a.example/1", "one", 1)},
		{Item: item(feedA, "2", "https://a.example/2", "two", 2)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.FeedState(ctx, feedA)
	if err != nil || !ok {
		t.Fatalf("FeedState = %v, %v", ok, err)
	}
	st.ItemsSeen = 2
	if !sameFeed(got, st) {
		t.Errorf("FeedState = %+v, want %+v", got, st)
	}
}

func batch(feed string, limit int, items ...store.IngestItem) store.Batch {
	return store.Batch{State: store.FeedState{URL: feed, Title: "Title of " + feed, LastSuccess: t0}, Items: items, AlertLimit: limit}
}
