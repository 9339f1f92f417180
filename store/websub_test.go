package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/policyradar/policyradar/store"
)

func TestSubscriptionRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)

	if _, ok, err := s.Subscription(ctx, "nope"); err != nil || ok {
		t.Fatalf("Subscription of an unknown id = %v, %v; want not ok, no error", ok, err)
	}
	subs := []store.Subscription{
		{CallbackID: "b1", FeedURL: feedB, Topic: feedB, Hub: "http://127.0.0.1:1/hub", Secret: "s3cret",
			State: store.SubActive, LeaseSeconds: 864000, Verified: t0, Expires: t0.Add(240 * time.Hour),
			NextAction: t0.Add(192 * time.Hour), Created: t0.Add(-time.Hour)},
		{CallbackID: "a1", FeedURL: feedA, Topic: "https://a.example/self", Hub: "http://127.0.0.1:1/hub",
			Secret: "x", Failures: 2, LastError: "hub said 503", NextAction: t0, Created: t0},
	}
	for _, sub := range subs {
		if err := s.SaveSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].CallbackID != "a1" || got[1].CallbackID != "b1" {
		t.Fatalf("Subscriptions = %+v, want a1 then b1", got)
	}
	if got[0].State != store.SubPending {
		t.Errorf("empty state saved as %q, want pending", got[0].State)
	}
	want := subs[0]
	one, ok, err := s.Subscription(ctx, "b1")
	if err != nil || !ok {
		t.Fatalf("Subscription(b1) = %v, %v", ok, err)
	}
	if one.Updated.IsZero() {
		t.Error("Updated not set")
	}
	one.Updated = time.Time{}
	if !reflect.DeepEqual(one, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", one, want)
	}

	// An update keeps Created and survives a reopen.
	one.State, one.Failures = store.SubUnsubscribing, 1
	one.Created = time.Time{}
	if err := s.SaveSubscription(ctx, one); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	again, _, err := s2.Subscription(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if again.State != store.SubUnsubscribing || again.Failures != 1 || !again.Created.Equal(want.Created) {
		t.Errorf("after update and reopen: %+v", again)
	}

	if err := s2.DeleteSubscription(ctx, "b1"); err != nil {
		t.Fatal(err)
	}
	if err := s2.DeleteSubscription(ctx, "b1"); err != nil {
		t.Errorf("deleting twice: %v", err)
	}
	if _, ok, _ := s2.Subscription(ctx, "b1"); ok {
		t.Error("deleted subscription still there")
	}
}

func TestSaveSubscriptionRefuses(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	cases := []struct {
		name string
		sub  store.Subscription
	}{
		{"no callback id", store.Subscription{FeedURL: feedA, Topic: feedA, Hub: "h"}},
		{"no feed", store.Subscription{CallbackID: "c", Topic: feedA, Hub: "h"}},
		{"no hub", store.Subscription{CallbackID: "c", FeedURL: feedA, Topic: feedA}},
		{"unknown state", store.Subscription{CallbackID: "c", FeedURL: feedA, Topic: feedA, Hub: "h", State: "lost"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := s.SaveSubscription(ctx, c.sub); err == nil {
				t.Error("saved, want an error")
			}
		})
	}
}
