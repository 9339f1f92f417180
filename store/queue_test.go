package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/store"
)

func TestPendingCarriesTheAlert(t *testing.T) {
	s, _ := openStore(t)
	it := item(feedA, "g1", "https://a.example/1", "one", 1)
	it.Categories = []string{"Policy", "AI"}
	it.Author = "Ann"
	it.Content = "full text"
	ingest(t, s, feedA, -1, store.IngestItem{
		Item:   it,
		Topics: []string{"misuse", "regulation"},
		Alerts: []store.QueuedAlert{{
			Channel: "slack:C1", Topics: []string{"misuse", "regulation"}, Keywords: []string{"open weights", "BIS"}, Mention: "<!here>",
		}},
	})
	got := pending(t, s, "slack:C1")
	if len(got) != 1 {
		t.Fatalf("pending = %d alerts, want 1", len(got))
	}
	a := got[0]
	if a.ID == 0 || a.Channel != "slack:C1" || a.Source != "Title of "+feedA || a.Mention != "<!here>" || a.Attempt != 1 {
		t.Errorf("alert = %+v", a)
	}
	if want := []alert.Topic{{ID: "misuse"}, {ID: "regulation"}}; !slices.Equal(a.Topics, want) {
		t.Errorf("topics = %v, want %v", a.Topics, want)
	}
	if want := []string{"open weights", "BIS"}; !slices.Equal(a.Keywords, want) {
		t.Errorf("keywords = %q, want %q", a.Keywords, want)
	}
	gi := a.Item
	if gi.FeedURL != it.FeedURL || gi.Key != it.Key || gi.GUID != it.GUID || gi.Link != it.Link || gi.Title != it.Title ||
		gi.Summary != it.Summary || gi.Content != it.Content || gi.Author != it.Author || !gi.Published.Equal(it.Published) ||
		gi.Dated != it.Dated || !slices.Equal(gi.Categories, it.Categories) {
		t.Errorf("item = %+v\nwant %+v", gi, it)
	}
	if other := pending(t, s, "discord:2"); len(other) != 0 {
		t.Errorf("another channel has %d pending alerts, want 0", len(other))
	}
}

func TestQueueTransitions(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	ingest(t, s, feedA, -1,
		matched(item(feedA, "3", "https://a.example/3", "third", 3), "misuse", "slack:C1"),
		matched(item(feedA, "1", "https://a.example/1", "first", 1), "misuse", "slack:C1"),
		matched(item(feedA, "2", "https://a.example/2", "second", 2), "misuse", "slack:C1"),
	)
	now := time.Now()
	as, err := s.Pending(ctx, "slack:C1", now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := alertTitles(as), []string{"first", "second", "third"}; !slices.Equal(got, want) {
		t.Fatalf("pending = %q, want oldest published first %q", got, want)
	}
	if limited, _ := s.Pending(ctx, "slack:C1", now, 2); len(limited) != 2 {
		t.Errorf("Pending with limit 2 returned %d", len(limited))
	}
	first, second, third := as[0], as[1], as[2]

	// first: sent. second: retried later. third: failed for good.
	if err := s.MarkSent(ctx, first.ID, "1700000000.000100", now); err != nil {
		t.Fatal(err)
	}
	retryAt := now.Add(time.Minute)
	if err := s.MarkRetry(ctx, second.ID, retryAt, "503 Service Unavailable"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, third.ID, "channel_not_found", now); err != nil {
		t.Fatal(err)
	}

	if got, _ := s.Pending(ctx, "slack:C1", now, 10); len(got) != 0 {
		t.Errorf("pending before the retry is due = %q, want none", alertTitles(got))
	}
	due, ok, err := s.NextDue(ctx, "slack:C1")
	if err != nil || !ok || !due.Equal(retryAt) {
		t.Errorf("NextDue = %v, %v, %v; want %v", due, ok, err, retryAt)
	}
	got, err := s.Pending(ctx, "slack:C1", retryAt, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != second.ID || got[0].Attempt != 2 {
		t.Errorf("pending when the retry is due = %+v, want alert %d at attempt 2", got, second.ID)
	}

	qs, err := s.QueueStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (store.QueueStats{Queued: 1, Sent: 1, Failed: 1}); qs != want {
		t.Errorf("QueueStats = %+v, want %+v", qs, want)
	}

	if err := s.MarkSent(ctx, second.ID, "ts2", retryAt); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.NextDue(ctx, "slack:C1"); err != nil || ok {
		t.Errorf("NextDue with nothing queued = %v, %v; want not ok", ok, err)
	}
	for name, err := range map[string]error{
		"MarkSent":   s.MarkSent(ctx, 9999, "x", now),
		"MarkRetry":  s.MarkRetry(ctx, 9999, now, "x"),
		"MarkFailed": s.MarkFailed(ctx, 9999, "x", now),
	} {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of an unknown id = %v, want ErrNotFound", name, err)
		}
	}
}

func TestFailedAlerts(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	ingest(t, s, feedA, -1,
		matched(item(feedA, "1", "https://a.example/1", "one", 1), "misuse", "slack:C1", "discord:2"),
		matched(item(feedA, "2", "https://a.example/2", "two", 2), "misuse", "slack:C1"),
	)
	as := append(pending(t, s, "slack:C1"), pending(t, s, "discord:2")...)
	reasons := []string{"channel_not_found", "not_in_channel", "403 Forbidden"}
	for i, a := range as {
		if err := s.MarkFailed(ctx, a.ID, reasons[i], t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FailedAlerts(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.FailedAlert{
		{ID: as[2].ID, Channel: "discord:2", Title: "one", Reason: "403 Forbidden", At: t0.Add(2 * time.Minute)},
		{ID: as[1].ID, Channel: "slack:C1", Title: "two", Reason: "not_in_channel", At: t0.Add(time.Minute)},
	}
	if !slices.EqualFunc(got, want, func(a, b store.FailedAlert) bool {
		return a.ID == b.ID && a.Channel == b.Channel && a.Title == b.Title && a.Reason == b.Reason && a.At.Equal(b.At)
	}) {
		t.Errorf("FailedAlerts = %+v\nwant %+v", got, want)
	}
}
