package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/feeds/feedtest"
	"github.com/policyradar/policyradar/websub"
	"github.com/policyradar/policyradar/websub/hubtest"
)

// pushRig is Policy Radar running with http.public_url set, a feed that
// advertises a fake WebSub hub, and a fake Slack.
type pushRig struct {
	t      testing.TB
	feeds  *feedtest.Server
	hub    *hubtest.Hub
	slack  *slacktest.Server
	db     string
	addr   string // the radar's own listener, kept across restarts
	out    *signalWriter
	logs   syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func newPushRig(t testing.TB) *pushRig {
	r := &pushRig{t: t, feeds: feedtest.New(), hub: hubtest.New(), slack: slacktest.New(),
		db: filepath.Join(t.TempDir(), "radar.db"), out: newSignalWriter()}
	t.Cleanup(func() { r.stop(); r.hub.Close(); r.feeds.Close(); r.slack.Close() })
	r.feeds.Set("/hubbed.xml", "application/rss+xml", r.hubbed(feedtest.Item{Title: "Council meets", GUID: "old-1",
		Link: "https://wire.example/old-1", Published: time.Now().Add(-2 * time.Hour)}))
	return r
}

// hubbed is an RSS document advertising the hub and its self URL.
func (r *pushRig) hubbed(items ...feedtest.Item) []byte {
	doc := string(feedtest.RSS("Hubbed Wire", items...))
	doc = strings.Replace(doc, "<rss ", `<rss xmlns:atom="http://www.w3.org/2005/Atom" `, 1)
	doc = strings.Replace(doc, "<channel>\n", fmt.Sprintf("<channel>\n<atom:link rel=\"hub\" href=%q/>\n<atom:link rel=\"self\" href=%q/>\n",
		r.hub.URL(), r.topic()), 1)
	return []byte(doc)
}

func (r *pushRig) topic() string { return r.feeds.URL("/hubbed.xml") }

func (r *pushRig) config(feedPath string) *config.Config {
	r.t.Helper()
	yaml := fmt.Sprintf(`
storage:
  path: %s
http:
  listen: %s
  public_url: http://%s
poll:
  interval: 1s
  backfill: 0
feeds:
  - url: %s
    name: Hubbed Wire
topics:
  - id: export-controls
    name: Export controls
    any: ["export control*"]
channels:
  - slack: C0123ABCD
  - console: true
slack:
  token: xoxb-push-token
  api_url: %s
`, r.db, r.addr, r.addr, r.feeds.URL(feedPath), r.slack.URL())
	cfg, err := config.Parse("push.yaml", []byte(yaml), func(string) string { return "" })
	if err != nil {
		r.t.Fatalf("config: %v", err)
	}
	return cfg
}

// run starts `policyradar run` on the kept listener address.
func (r *pushRig) run(feedPath string) *Main {
	r.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if r.addr != "" {
		ln, err = net.Listen("tcp", r.addr)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	m, err := NewMain(context.Background(), r.config(feedPath), slog.New(slog.NewTextHandler(&r.logs, nil)), r.out)
	if err != nil {
		ln.Close()
		r.t.Fatal(err)
	}
	m.listener = ln
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- m.Run(ctx); m.Close() }()
	<-m.addr
	return m
}

func (r *pushRig) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			r.t.Errorf("run: %v", err)
		}
	case <-time.After(15 * time.Second):
		r.t.Error("run did not stop within 15s")
	}
	r.cancel = nil
}

func (r *pushRig) await(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s\nlogs:\n%s", what, r.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exportItem(n int) feedtest.Item {
	return feedtest.Item{Title: fmt.Sprintf("Export controls update %d", n), GUID: fmt.Sprintf("push-%d", n),
		Link: fmt.Sprintf("https://wire.example/push-%d", n), Published: time.Now().Add(-time.Minute)}
}

func TestWebSubPush(t *testing.T) {
	r := newPushRig(t)
	m := r.run("/hubbed.xml")

	// The first poll finds the hub; the subscription gets verified.
	r.await("a verified subscription", func() bool { return len(r.hub.Subscriptions(r.topic())) == 1 })
	hs := r.hub.Subscriptions(r.topic())[0]
	if !strings.HasPrefix(hs.Callback, "http://"+r.addr+"/websub/") {
		t.Fatalf("callback %q is not under public_url", hs.Callback)
	}

	// Polling goes on, at the slower fallback pace (max(6×1s, 1h)).
	r.await("slower polling", func() bool { return m.sched.NextPoll(r.topic()).After(time.Now().Add(50 * time.Minute)) })
	polls := r.feeds.Count("/hubbed.xml")

	// A signed push becomes an alert.
	body := r.hubbed(exportItem(1))
	start := time.Now()
	ds := r.hub.Publish(r.topic(), "application/rss+xml", body)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	posts, err := r.slack.WaitPosts(ctx, 1)
	if err != nil {
		t.Fatalf("%v\nlogs:\n%s", err, r.logs.String())
	}
	t.Logf("WebSub publish → Slack accepted the alert: %v (hub POST answered after %v)", time.Since(start), ds[0].Answered.Sub(ds[0].Sent))
	if len(ds) != 1 || ds[0].Status != http.StatusNoContent {
		t.Errorf("deliveries = %+v", ds)
	}
	if !strings.Contains(posts[0].Text, "Export controls update 1") {
		t.Errorf("slack post = %q", posts[0].Text)
	}

	// Forged, unsigned and wrongly keyed pushes change nothing; an unknown
	// callback is told 410 Gone.
	forged := r.hubbed(exportItem(2))
	for name, sig := range map[string]string{
		"unsigned":     "",
		"wrong secret": websub.Sign("sha256", "guessed", forged),
		"other body":   websub.Sign("sha256", hs.Secret, body),
	} {
		if d := r.hub.Send(r.topic(), hs.Callback, "application/rss+xml", forged, sig); d.Status/100 != 2 {
			t.Errorf("%s push answered %d, want 2xx (ignored quietly)", name, d.Status)
		}
	}
	if d := r.hub.Send(r.topic(), "http://"+r.addr+"/websub/00000000000000000000000000000000", "application/rss+xml",
		forged, websub.Sign("sha256", hs.Secret, forged)); d.Status != http.StatusGone {
		t.Errorf("unknown callback answered %d, want 410", d.Status)
	}
	time.Sleep(300 * time.Millisecond) // room for a wrong alert to show up
	if n := len(r.slack.Posts()); n != 1 {
		t.Errorf("slack has %d posts after forged pushes, want 1", n)
	}
	if strings.Contains(r.out.String(), "update 2") {
		t.Error("a forged item reached the console")
	}
	if n := r.feeds.Count("/hubbed.xml"); n != polls {
		t.Errorf("feed polled %d more times while pushed, want none within the fallback hour", n-polls)
	}

	// A restart without the feed unsubscribes it at the hub.
	r.stop()
	r.feeds.SetItems("/plain.xml", "Plain")
	r.run("/plain.xml")
	r.await("the unsubscription", func() bool { return len(r.hub.Subscriptions(r.topic())) == 0 })
	unsubscribed := false
	for _, q := range r.hub.Requests() {
		unsubscribed = unsubscribed || q.Mode == "unsubscribe" && q.Topic == r.topic()
	}
	if !unsubscribed {
		t.Error("no unsubscribe request reached the hub")
	}
}

// BenchmarkWebSubPublishToAlert measures a hub's publish until the alert is
// written by the console channel: callback, signature check, parse, match,
// record and queue, delivery.
func BenchmarkWebSubPublishToAlert(b *testing.B) {
	r := newPushRig(b)
	r.run("/hubbed.xml")
	deadline := time.Now().Add(20 * time.Second)
	for len(r.hub.Subscriptions(r.topic())) == 0 {
		if time.Now().After(deadline) {
			b.Fatalf("no verified subscription\n%s", r.logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	n := 0
	var took []time.Duration
	for b.Loop() {
		n++
		body := r.hubbed(exportItem(n))
		want := []byte(fmt.Sprintf("update %d\n", n))
		start := time.Now()
		r.hub.Publish(r.topic(), "application/rss+xml", body)
		if !r.out.waitFor(want, 20*time.Second) {
			b.Fatalf("alert %d never reached the console\n%s", n, r.logs.String())
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// signalWriter is a console sink whose writes can be waited for.
type signalWriter struct {
	syncBuffer
	writes chan []byte // each write, while there is room
}

func newSignalWriter() *signalWriter { return &signalWriter{writes: make(chan []byte, 1024)} }

func (w *signalWriter) Write(p []byte) (int, error) {
	n, err := w.syncBuffer.Write(p)
	select {
	case w.writes <- bytes.Clone(p):
	default: // nobody is waiting
	}
	return n, err
}

// waitFor waits for a write holding want.
func (w *signalWriter) waitFor(want []byte, timeout time.Duration) bool {
	deadline := time.After(timeout)
	for {
		select {
		case p := <-w.writes:
			if bytes.Contains(p, want) {
				return true
			}
		case <-deadline:
			return false
		}
	}
}
