package websub_test

import (
	"context"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds/feedtest"
	"github.com/policyradar/policyradar/store"
	"github.com/policyradar/policyradar/websub"
	"github.com/policyradar/policyradar/websub/hubtest"
)

const feedURL = "http://127.0.0.1:1/feed.xml" // never fetched: content arrives by push

// pushes records what the subscriber hands to the pipeline.
type pushes struct {
	mu  sync.Mutex
	got []push
}

type push struct {
	feed  alert.Feed
	title string
	items []alert.Item
}

func (p *pushes) Push(_ context.Context, f alert.Feed, title string, items []alert.Item) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, push{f, title, items})
	return nil
}

func (p *pushes) all() []push {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]push(nil), p.got...)
}

// intervals records the poll intervals the subscriber asks for.
type intervals struct {
	mu    sync.Mutex
	calls []time.Duration
	now   map[string]time.Duration
}

func (iv *intervals) SetInterval(url string, d time.Duration) {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	iv.calls = append(iv.calls, d)
	if iv.now == nil {
		iv.now = map[string]time.Duration{}
	}
	iv.now[url] = d
}

func (iv *intervals) of(url string) time.Duration {
	iv.mu.Lock()
	defer iv.mu.Unlock()
	return iv.now[url]
}

// rig is a subscriber serving its callbacks on 127.0.0.1, a fake hub and a
// real store.
type rig struct {
	t      *testing.T
	hub    *hubtest.Hub
	db     string
	st     *store.Store
	push   *pushes
	iv     *intervals
	sub    *websub.Subscriber
	srv    *httptest.Server
	public string
	cancel context.CancelFunc
	done   chan error
}

func newRig(t *testing.T) *rig {
	r := &rig{t: t, hub: hubtest.New(), db: filepath.Join(t.TempDir(), "radar.db")}
	t.Cleanup(r.hub.Close)
	return r
}

// start runs a subscriber for the given feeds (a "process"); stop ends it.
func (r *rig) start(fs []alert.Feed, tune func(*websub.Options)) {
	r.t.Helper()
	st, err := store.Open(context.Background(), r.db, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	if r.public != "" {
		// A restart keeps the public URL, as a config would.
		srv.Listener.Close()
		ln, err := net.Listen("tcp", strings.TrimPrefix(r.public, "http://"))
		if err != nil {
			r.t.Fatal(err)
		}
		srv.Listener = ln
	}
	r.st, r.push, r.iv, r.srv = st, &pushes{}, &intervals{}, srv
	r.public = "http://" + srv.Listener.Addr().String()
	opts := websub.Options{PublicURL: r.public + "/", Store: st, Pusher: r.push, Intervals: r.iv, Feeds: fs,
		MaxBody: 64 << 10, UserAgent: "policyradar/test",
		Logger: slog.New(slog.NewTextHandler(testWriter{r.t}, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if tune != nil {
		tune(&opts)
	}
	r.sub = websub.New(opts)
	srv.Config.Handler = r.sub.Handler()
	srv.Start()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.sub.Run(ctx) }()
	r.cancel, r.done = cancel, done
	r.t.Cleanup(r.stop)
}

// stop ends the running subscriber, its server and its store.
func (r *rig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	if err := <-r.done; err != nil {
		r.t.Errorf("Run: %v", err)
	}
	r.srv.Close()
	r.st.Close()
	r.cancel = nil
}

// await waits up to 10 s for cond, re-checking on every hub event and
// every few milliseconds (store changes make no hub event).
func (r *rig) await(what string, cond func() bool) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			r.t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func (r *rig) subs() []store.Subscription {
	r.t.Helper()
	subs, err := r.st.Subscriptions(context.Background())
	if err != nil {
		r.t.Fatal(err)
	}
	return subs
}

// subscribed discovers the hub for f and waits until the hub holds a
// verified subscription; it returns that subscription.
func (r *rig) subscribed(f alert.Feed) hubtest.Subscription {
	r.t.Helper()
	r.sub.Discovered(f, r.hub.URL(), "")
	r.await("a verified subscription", func() bool {
		subs := r.subs()
		return len(r.hub.Subscriptions(f.URL)) == 1 && len(subs) == 1 && subs[0].State == store.SubActive
	})
	return r.hub.Subscriptions(f.URL)[0]
}

// testWriter sends the subscriber's log to the test's, shown on failure.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func rss(titles ...string) []byte {
	items := make([]feedtest.Item, len(titles))
	for i, title := range titles {
		items[i] = feedtest.Item{Title: title, GUID: title, Link: "https://news.example/" + title,
			Published: time.Now().Add(-time.Minute)}
	}
	return feedtest.RSS("Pushed Wire", items...)
}
