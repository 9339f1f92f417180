package hubtest_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/websub"
	"github.com/policyradar/policyradar/websub/hubtest"
)

// callback is a minimal subscriber: it echoes challenges when told to and
// records the bodies and signatures it receives.
type callback struct {
	mu    sync.Mutex
	echo  bool
	posts []string
	sigs  []string
}

func (c *callback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Method == http.MethodGet {
		if c.echo {
			_, _ = io.WriteString(w, r.URL.Query().Get("hub.challenge"))
		} else {
			_, _ = io.WriteString(w, "no")
		}
		return
	}
	b, _ := io.ReadAll(r.Body)
	c.posts = append(c.posts, string(b))
	c.sigs = append(c.sigs, r.Header.Get("X-Hub-Signature"))
	w.WriteHeader(http.StatusAccepted)
}

func subscribe(t *testing.T, hub *hubtest.Hub, form url.Values) int {
	t.Helper()
	resp, err := http.PostForm(hub.URL(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHub(t *testing.T) {
	hub := hubtest.New()
	defer hub.Close()
	cb := &callback{echo: true}
	srv := httptest.NewServer(cb)
	defer srv.Close()
	topic := "http://127.0.0.1:1/feed.xml"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	tests := []struct {
		name   string
		form   url.Values
		echo   bool
		status int
		subs   int
	}{
		{"no mode", url.Values{"hub.topic": {topic}, "hub.callback": {srv.URL + "/a"}}, true, 400, 0},
		{"callback not http", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {"ftp://x/"}}, true, 400, 0},
		{"secret too long", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {srv.URL + "/a"}, "hub.secret": {strings.Repeat("s", 200)}}, true, 400, 0},
		{"challenge not echoed", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {srv.URL + "/a"}}, false, 202, 0},
		{"verified", url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {srv.URL + "/b"}, "hub.secret": {"k"}, "hub.lease_seconds": {"60"}}, true, 202, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb.mu.Lock()
			cb.echo = tt.echo
			cb.mu.Unlock()
			before := len(hub.Verifications())
			if got := subscribe(t, hub, tt.form); got != tt.status {
				t.Fatalf("status = %d, want %d", got, tt.status)
			}
			if tt.status == 202 {
				if err := hub.Await(ctx, func() bool { return len(hub.Verifications()) > before }); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(hub.Subscriptions(topic)); n != tt.subs {
				t.Errorf("%d subscriptions, want %d", n, tt.subs)
			}
		})
	}
	if s := hub.Subscriptions(topic)[0]; s.Secret != "k" || s.Expires.Sub(s.Verified) != time.Minute {
		t.Errorf("subscription = %+v, want secret k and a 60 s lease", s)
	}

	ds := hub.Publish(topic, "application/rss+xml", []byte("<rss/>"))
	if len(ds) != 1 || ds[0].Status != http.StatusAccepted {
		t.Fatalf("deliveries = %+v", ds)
	}
	cb.mu.Lock()
	if len(cb.posts) != 1 || cb.posts[0] != "<rss/>" || !websub.ValidSignature(cb.sigs[0], "k", []byte("<rss/>")) ||
		!strings.HasPrefix(cb.sigs[0], "sha256=") {
		t.Errorf("callback got %q signed %q", cb.posts, cb.sigs)
	}
	cb.mu.Unlock()

	hub.Fail(http.StatusTooManyRequests)
	if got := subscribe(t, hub, tests[4].form); got != http.StatusTooManyRequests {
		t.Errorf("after Fail: %d, want 429", got)
	}
	if got := subscribe(t, hub, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topic}, "hub.callback": {srv.URL + "/b"}}); got != 202 {
		t.Fatalf("unsubscribe: %d", got)
	}
	if err := hub.Await(ctx, func() bool { return len(hub.Subscriptions(topic)) == 0 }); err != nil {
		t.Fatal(err)
	}
}
