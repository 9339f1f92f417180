package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/policyradar/policyradar/store"
)

func TestFeedStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)

	if _, ok, err := s.FeedState(ctx, feedA); err != nil || ok {
		t.Fatalf("FeedState of an unknown feed = %v, %v; want not ok, no error", ok, err)
	}
	states := []store.FeedState{
		{URL: feedB, Title: "B", LastPoll: t0, LastError: "503 Service Unavailable",
			FailingSince: t0.Add(-time.Hour), Failures: 3, NextPoll: t0.Add(8 * time.Minute), Gone: true},
		{URL: feedA, Title: "A", ETag: `W/"1"`, LastModified: "x", LastPoll: t0, LastSuccess: t0,
			NextPoll: t0.Add(time.Minute)},
	}
	for _, st := range states {
		if err := s.SaveFeedState(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	// Upsert: a later save replaces every field.
	states[0].Failures = 4
	states[0].ItemsSeen = 99 // ignored
	if err := s.SaveFeedState(ctx, states[0]); err != nil {
		t.Fatal(err)
	}
	states[0].ItemsSeen = 0
	ingest(t, s, feedA, -1, store.IngestItem{Item: item(feedA, "1", "https://a.example/1", "one", 1)})
	states[1].ItemsSeen = 1
	states[1].Title = "Title of " + feedA // Ingest saved its own state
	states[1].ETag, states[1].LastModified, states[1].NextPoll = "", "", time.Time{}

	all, err := s.FeedStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Fatalf("FeedStates returned %d feeds, want 2", len(all))
	}
	if !sameFeed(all[0], states[1]) || !sameFeed(all[1], states[0]) {
		t.Errorf("FeedStates = %+v\nwant (by URL) %+v, %+v", all, states[1], states[0])
	}
	if err := s.SaveFeedState(ctx, store.FeedState{}); err == nil {
		t.Error("SaveFeedState without URL succeeded")
	}
}

func sameFeed(a, b store.FeedState) bool {
	return a.URL == b.URL && a.Title == b.Title && a.ETag == b.ETag && a.LastModified == b.LastModified &&
		a.LastPoll.Equal(b.LastPoll) && a.LastSuccess.Equal(b.LastSuccess) && a.LastError == b.LastError &&
		a.FailingSince.Equal(b.FailingSince) && a.Failures == b.Failures && a.NextPoll.Equal(b.NextPoll) &&
		a.Gone == b.Gone && a.ItemsSeen == b.ItemsSeen
}
