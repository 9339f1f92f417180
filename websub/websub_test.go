package websub_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/store"
	"github.com/policyradar/policyradar/websub"
)

var feed = alert.Feed{URL: feedURL, Name: "Wire", Interval: 5 * time.Minute}

func TestSubscribeVerifyAndPush(t *testing.T) {
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, leaks) }) // after the rig's own cleanups
	r := newRig(t)
	r.start([]alert.Feed{feed}, nil)
	hs := r.subscribed(feed)

	reqs := r.hub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("hub got %d requests, want 1", len(reqs))
	}
	req := reqs[0]
	if req.Mode != "subscribe" || req.Topic != feedURL || req.LeaseSeconds != 864000 {
		t.Errorf("request = %+v, want subscribe to %s for 864000 s", req, feedURL)
	}
	id, ok := strings.CutPrefix(req.Callback, r.public+"/websub/")
	if !ok || len(id) < 32 || strings.ContainsAny(id, "/?#") {
		t.Errorf("callback %q is not an opaque id under %s/websub/", req.Callback, r.public)
	}
	if len(req.Secret) < 64 {
		t.Errorf("secret has %d characters, want at least 64 hex (32 bytes)", len(req.Secret))
	}
	sub := r.subs()[0]
	if sub.CallbackID != id || sub.Secret != req.Secret || sub.Hub != r.hub.URL() || sub.FeedURL != feedURL {
		t.Errorf("stored %+v does not match the request %+v", sub, req)
	}
	if lo, hi := time.Now().Add(9*24*time.Hour), time.Now().Add(10*24*time.Hour+time.Minute); sub.Expires.Before(lo) || sub.Expires.After(hi) {
		t.Errorf("lease ends %v, want in about 10 days", sub.Expires)
	}
	if renew := sub.Expires.Sub(sub.NextAction); renew < 24*time.Hour {
		t.Errorf("renewal %v is only %v before the lease ends", sub.NextAction, renew)
	}
	if got := r.iv.of(feedURL); got != time.Hour {
		t.Errorf("polling interval while pushed = %v, want max(6×5m, 1h) = 1h", got)
	}
	if v := r.hub.Verifications(); len(v) != 1 || !v[0].Echoed || v[0].Status != http.StatusOK {
		t.Errorf("verifications = %+v, want one echoed with 200", v)
	}

	// Every signing method WebSub names is accepted.
	for i, method := range []string{"sha1", "sha256", "sha384", "sha512"} {
		t.Run(method, func(t *testing.T) {
			r.hub.SetMethod(method)
			title := "item-" + method
			ds := r.hub.Publish(hs.Topic, "application/rss+xml", rss(title))
			if len(ds) != 1 || ds[0].Status/100 != 2 {
				t.Fatalf("deliveries = %+v, want one answered 2xx", ds)
			}
			got := r.push.all()
			if len(got) != i+1 {
				t.Fatalf("%d pushes reached the pipeline, want %d", len(got), i+1)
			}
			p := got[i]
			if p.feed.URL != feedURL || p.feed.Name != "Wire" || p.title != "Pushed Wire" ||
				len(p.items) != 1 || p.items[0].Title != title || p.items[0].FeedURL != feedURL {
				t.Errorf("push = %+v", p)
			}
		})
	}
}

func TestForgedContentIsIgnored(t *testing.T) {
	r := newRig(t)
	r.start([]alert.Feed{feed}, nil)
	hs := r.subscribed(feed)
	body := rss("forged")
	tests := []struct {
		name      string
		callback  string
		body      []byte
		signature string
		want      int
	}{
		{"unsigned", hs.Callback, body, "", http.StatusNoContent},
		{"wrong secret", hs.Callback, body, websub.Sign("sha256", "not the secret", body), http.StatusNoContent},
		{"signature of another body", hs.Callback, body, websub.Sign("sha256", hs.Secret, rss("other")), http.StatusNoContent},
		{"unknown method", hs.Callback, body, "md5=" + strings.Repeat("0", 32), http.StatusNoContent},
		{"not hex", hs.Callback, body, "sha256=zz", http.StatusNoContent},
		{"truncated", hs.Callback, body, websub.Sign("sha256", hs.Secret, body)[:40], http.StatusNoContent},
		{"method only", hs.Callback, body, "sha256", http.StatusNoContent},
		{"too large, though signed", hs.Callback, make([]byte, 65<<10), websub.Sign("sha256", hs.Secret, make([]byte, 65<<10)), http.StatusRequestEntityTooLarge},
		{"unknown callback id", r.public + "/websub/0123456789abcdef", body, websub.Sign("sha256", hs.Secret, body), http.StatusGone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.hub.Send(hs.Topic, tt.callback, "application/rss+xml", tt.body, tt.signature)
			if d.Err != nil || d.Status != tt.want {
				t.Errorf("answer = %d, %v; want %d", d.Status, d.Err, tt.want)
			}
			if n := len(r.push.all()); n != 0 {
				t.Fatalf("%d pushes reached the pipeline", n)
			}
		})
	}
	// The genuine article still goes through.
	if d := r.hub.Send(hs.Topic, hs.Callback, "application/rss+xml", body, websub.Sign("sha256", hs.Secret, body)); d.Status != http.StatusNoContent {
		t.Fatalf("signed delivery answered %d", d.Status)
	}
	if n := len(r.push.all()); n != 1 {
		t.Fatalf("%d pushes after a signed delivery, want 1", n)
	}
}

func TestVerificationRefusals(t *testing.T) {
	r := newRig(t)
	r.start([]alert.Feed{feed}, nil)
	hs := r.subscribed(feed)
	before := r.subs()[0]
	tests := []struct {
		name     string
		callback string
		params   url.Values
	}{
		{"unknown id", r.public + "/websub/feedfacefeedface", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {feedURL}, "hub.challenge": {"c"}, "hub.lease_seconds": {"60"}}},
		{"other topic", hs.Callback, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"http://127.0.0.1:1/other"}, "hub.challenge": {"c"}, "hub.lease_seconds": {"60"}}},
		{"unsubscribe not asked for", hs.Callback, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {feedURL}, "hub.challenge": {"c"}}},
		{"no challenge", hs.Callback, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {feedURL}, "hub.lease_seconds": {"60"}}},
		{"unknown mode", hs.Callback, url.Values{"hub.mode": {"publish"}, "hub.topic": {feedURL}, "hub.challenge": {"c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(tt.callback + "?" + tt.params.Encode())
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("status = %d, want 404", resp.StatusCode)
			}
			after := r.subs()[0]
			if after.State != before.State || !after.Expires.Equal(before.Expires) {
				t.Errorf("subscription changed: %+v", after)
			}
		})
	}
}

// TestRenewsBeforeLeaseEnds: with a short lease granted by the hub, the
// subscription is renewed (a new verified subscribe) before it runs out,
// and polling never goes back to its own pace meanwhile.
func TestRenewsBeforeLeaseEnds(t *testing.T) {
	r := newRig(t)
	r.hub.SetLease(4 * time.Second)
	r.start([]alert.Feed{feed}, nil)
	r.subscribed(feed)
	first := r.hub.Verifications()[0]
	if first.LeaseSeconds != 4 {
		t.Fatalf("granted lease = %d s, want 4", first.LeaseSeconds)
	}
	r.await("a renewal", func() bool { return len(r.hub.Verifications()) >= 2 })
	renewal := r.hub.Verifications()[1]
	end := first.At.Add(4 * time.Second)
	if renewal.Mode != "subscribe" || !renewal.Echoed || !renewal.At.Before(end) {
		t.Errorf("renewal %+v, want a verified subscribe before the lease end %v", renewal, end)
	}
	reqs := r.hub.Requests()
	if len(reqs) < 2 || reqs[1].Callback != reqs[0].Callback || reqs[1].Secret != reqs[0].Secret {
		t.Errorf("renewal requests = %+v, want the same callback and secret again", reqs)
	}
	if sub := r.subs()[0]; sub.State != store.SubActive || !sub.Expires.After(end) {
		t.Errorf("after renewal: %+v, want active with a later lease end", sub)
	}
	r.iv.mu.Lock()
	calls := append([]time.Duration(nil), r.iv.calls...)
	r.iv.mu.Unlock()
	if len(calls) != 1 || calls[0] != time.Hour {
		t.Errorf("interval changes = %v, want one (to 1h)", calls)
	}
}

// TestUnsubscribesRemovedFeeds: a restart without the feed unsubscribes it
// at the hub, forgets it, and answers its callback with 410.
func TestUnsubscribesRemovedFeeds(t *testing.T) {
	r := newRig(t)
	other := alert.Feed{URL: "http://127.0.0.1:1/other.xml", Interval: time.Minute}
	r.start([]alert.Feed{feed, other}, nil)
	hs := r.subscribed(feed)
	r.stop()

	r.start([]alert.Feed{other}, nil)
	r.await("the unsubscription", func() bool { return len(r.subs()) == 0 && len(r.hub.Subscriptions(feedURL)) == 0 })
	var unsub []string
	for _, q := range r.hub.Requests() {
		if q.Mode == "unsubscribe" {
			unsub = append(unsub, q.Topic)
		}
	}
	if len(unsub) != 1 || unsub[0] != feedURL {
		t.Errorf("unsubscribe requests for %v, want one for %s", unsub, feedURL)
	}
	if n := len(r.hub.Subscriptions(feedURL)); n != 0 {
		t.Errorf("hub still holds %d subscriptions", n)
	}
	body := rss("after removal")
	if d := r.hub.Send(hs.Topic, hs.Callback, "application/rss+xml", body, websub.Sign("sha256", hs.Secret, body)); d.Status != http.StatusGone {
		t.Errorf("delivery to the removed feed's callback answered %d, want 410", d.Status)
	}
	if n := len(r.push.all()); n != 0 {
		t.Errorf("%d pushes reached the pipeline", n)
	}
}

func TestHubFailureBacksOff(t *testing.T) {
	r := newRig(t)
	r.hub.Fail(http.StatusServiceUnavailable)
	r.start([]alert.Feed{feed}, nil)
	r.sub.Discovered(feed, r.hub.URL(), "")
	r.await("the failure recorded", func() bool { s := r.subs(); return len(s) == 1 && s[0].Failures == 1 })
	sub := r.subs()[0]
	if sub.State != store.SubPending || !strings.Contains(sub.LastError, "503") {
		t.Errorf("after a 503: %+v", sub)
	}
	if wait := time.Until(sub.NextAction); wait < 50*time.Second || wait > 2*time.Minute {
		t.Errorf("retry in %v, want about a minute", wait)
	}
	if len(r.hub.Verifications()) != 0 || r.iv.of(feedURL) != 0 {
		t.Error("a failed request changed more than the subscription's error")
	}
}

func TestDeniedSubscriptionFallsBackToPolling(t *testing.T) {
	r := newRig(t)
	r.start([]alert.Feed{feed}, nil)
	hs := r.subscribed(feed)
	if status := r.hub.Deny(hs.Topic, hs.Callback, "too many subscribers"); status != http.StatusOK {
		t.Fatalf("denial answered %d", status)
	}
	sub := r.subs()[0]
	if sub.State != store.SubPending || !strings.Contains(sub.LastError, "too many subscribers") {
		t.Errorf("after denial: %+v", sub)
	}
	if d := r.iv.of(feedURL); d != 0 {
		t.Errorf("poll interval after denial = %v, want the feed's own (0)", d)
	}
}

func TestMovedHub(t *testing.T) {
	r := newRig(t)
	r.start([]alert.Feed{feed}, nil)
	old := r.subscribed(feed)
	r.sub.Discovered(feed, r.hub.URL()+"?v=2", "http://127.0.0.1:1/self.xml")
	r.await("the move", func() bool {
		subs := r.subs()
		return len(subs) == 1 && subs[0].Topic == "http://127.0.0.1:1/self.xml" && subs[0].State == store.SubActive &&
			len(r.hub.Subscriptions(old.Topic)) == 0 && r.iv.of(feedURL) == time.Hour
	})
	var modes []string
	for _, q := range r.hub.Requests() {
		modes = append(modes, q.Mode+" "+q.Topic)
	}
	want := []string{"subscribe " + feedURL, "unsubscribe " + feedURL, "subscribe http://127.0.0.1:1/self.xml"}
	slices.Sort(modes)
	slices.Sort(want)
	if !slices.Equal(modes, want) {
		t.Errorf("hub requests = %q, want %q", modes, want)
	}
}

func TestDiscoveredIgnoresUnknownFeedsAndBadHubs(t *testing.T) {
	r := newRig(t)
	r.start([]alert.Feed{feed}, nil)
	r.sub.Discovered(alert.Feed{URL: "http://127.0.0.1:1/unknown.xml"}, r.hub.URL(), "")
	r.sub.Discovered(feed, "mailto:hub@example.org", "")
	var nilSub *websub.Subscriber
	nilSub.Discovered(feed, r.hub.URL(), "") // WebSub off: a no-op
	time.Sleep(100 * time.Millisecond)
	if n := len(r.subs()); n != 0 {
		t.Errorf("%d subscriptions, want none", n)
	}
	if n := len(r.hub.Requests()); n != 0 {
		t.Errorf("hub got %d requests", n)
	}
}

// TestLeaseEndsWithoutRenewal: when every renewal fails, the lease runs out,
// the subscription goes back to pending and polling to its own pace.
func TestLeaseEndsWithoutRenewal(t *testing.T) {
	r := newRig(t)
	r.hub.SetLease(time.Second)
	r.start([]alert.Feed{feed}, nil)
	r.subscribed(feed)
	r.hub.Fail(http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable)
	// Renewing, or (when the loop comes late) subscribing again after the
	// lease end, fails; either way the subscription is pending with the
	// failure recorded.
	r.await("the lease end", func() bool {
		s := r.subs()
		return len(s) == 1 && s[0].State == store.SubPending && s[0].Failures > 0
	})
	r.await("polling at its own pace", func() bool { return r.iv.of(feedURL) == 0 })
	if sub := r.subs()[0]; !strings.Contains(sub.LastError, "503") {
		t.Errorf("after the lease ended: %+v, want the 503 recorded", sub)
	}
	if n := len(r.hub.Requests()); n < 2 {
		t.Errorf("hub got %d requests, want the first and a failed one", n)
	}
}
