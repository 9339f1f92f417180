package faults_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/feeds/feedtest"
)

// badFeed is one misbehaving feed: how to make it misbehave, and a word the
// error shown for it in /radar feeds must hold.
type badFeed struct {
	name  string
	setup func(s *feedtest.Server, path string)
	shows string // what the error shown for it says
}

// gzipBomb is size bytes of zeros (a multiple of 1 MiB) as gzip: one
// compressed MiB repeated as gzip members, which a gzip reader reads as one
// stream.
func gzipBomb(t *testing.T, size int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, err := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return bytes.Repeat(member.Bytes(), size>>20)
}

func item(title, guid string, published time.Time) feedtest.Item {
	return feedtest.Item{Title: title, GUID: guid, Link: "https://wire.example/" + guid, Published: published}
}

// TestFeedFaults runs one process over many feeds that fail in every way a
// feed can, next to a healthy control feed, and checks that the process
// stays small, leaks no goroutines, keeps alerting the control feed's new
// items on time, and shows the failing feeds in /healthz and /radar feeds.
func TestFeedFaults(t *testing.T) {
	t.Parallel()
	srv := feedtest.New()
	defer srv.Close()
	slackSrv := slacktest.New()
	defer slackSrv.Close()
	hour := time.Now().Add(-time.Hour)

	bad := []badFeed{
		{"not-found", func(s *feedtest.Server, p string) { s.Fail(p, http.StatusNotFound, "") }, "404"},
		{"gone", func(s *feedtest.Server, p string) { s.Fail(p, http.StatusGone, "") }, "gone"},
		{"server-error", func(s *feedtest.Server, p string) { s.Fail(p, http.StatusInternalServerError, "") }, "500"},
		{"bad-gateway", func(s *feedtest.Server, p string) { s.Fail(p, http.StatusBadGateway, "") }, "502"},
		{"rate-limited", func(s *feedtest.Server, p string) { s.Fail(p, http.StatusTooManyRequests, "4") }, "429"},
		{"hang", func(s *feedtest.Server, p string) { s.Hang(p) }, "within 2s"},
		{"slow-drip", func(s *feedtest.Server, p string) {
			s.SetItems(p, "Drip", item("Export controls drip", "d1", hour))
			s.Drip(p, 500*time.Millisecond)
		}, "within 2s"},
		{"huge-body", func(s *feedtest.Server, p string) {
			s.Set(p, "application/rss+xml", bytes.Repeat([]byte("<rss><channel><title>x</title></channel></rss>"), (50<<20)/46))
		}, "large"},
		{"gzip-bomb", func(s *feedtest.Server, p string) {
			s.SetEncoded(p, "application/rss+xml", "gzip", gzipBomb(t, 512<<20))
		}, "large"},
		{"redirect-loop", func(s *feedtest.Server, p string) {
			s.Redirect(p, p+".next")
			s.Redirect(p+".next", p)
		}, "redirect"},
		{"html-page", func(s *feedtest.Server, p string) {
			s.Set(p, "text/html", []byte("<!doctype html><html><head><title>Blog</title></head><body><p>Hello</p></body></html>"))
		}, "not a feed"},
		{"invalid-xml", func(s *feedtest.Server, p string) {
			s.Set(p, "application/rss+xml", []byte(`<?xml version="1.0"?><rss><channel><title>x</title><item><title>Export controls</title></item><item><title>cut off`))
		}, "xml"},
	}
	healthy := []string{"control", "huge-titles", "duplicate-guids", "future-dates"}
	srv.SetItems("/control.xml", "Control", item("Export controls baseline", "c0", hour))
	srv.SetItems("/huge-titles.xml", "Huge titles", item(strings.Repeat("export controls ", 1<<16), "h0", hour))
	srv.SetItems("/duplicate-guids.xml", "Dups", item("Old", "same", hour))
	srv.SetItems("/future-dates.xml", "Future", item("Old", "f0", hour))
	for _, b := range bad {
		b.setup(srv, "/"+b.name+".xml")
	}

	config := func(addr string) string {
		var cfg strings.Builder
		fmt.Fprintf(&cfg, `
storage: {path: radar.db}
http: {listen: %q}
poll: {interval: 1s, timeout: 2s, max_body: 16MiB, backfill: 0}
topics: [{id: export-controls, name: Export controls, any: ["export control*"]}]
channels: [{slack: %s}]
slack: {token: xoxb-feeds-token, signing_secret: %s, api_url: %q}
feeds:
`, addr, slackChannel, secret, slackSrv.URL())
		for _, name := range healthy {
			fmt.Fprintf(&cfg, "  - {url: %q, name: %s}\n", srv.URL("/"+name+".xml"), name)
		}
		for _, b := range bad {
			fmt.Fprintf(&cfg, "  - {url: %q, name: %s}\n", srv.URL("/"+b.name+".xml"), b.name)
		}
		return cfg.String()
	}
	p := start(t, config)
	began := time.Now()
	rssLog := watchRSS(t, p)

	// The first round: every feed polled once (the spread is at most 5 s),
	// the hanging and dripping ones given up after the 2 s timeout.
	var lastHealth map[string]any
	waitUntil(t, 25*time.Second, "not every feed was polled", func() bool {
		code, h := p.Health(t.Context())
		lastHealth = h
		failing, _ := h["feeds_failing"].(float64)
		if code != http.StatusOK {
			t.Logf("after %s: /healthz %d %v", time.Since(began).Round(time.Millisecond), code, h)
			return false
		}
		return int(failing) == len(bad) && srv.Count("/control.xml") > 1
	})
	t.Logf("/healthz %v", lastHealth)
	time.Sleep(2 * time.Second)
	settled := p.Metric("go_goroutines")
	t.Logf("first round done after %s: %v goroutines, RSS %d MiB", time.Since(began).Round(time.Millisecond), settled, p.RSS()>>20)

	// New items keep coming: the control feed's are alerted on time, and
	// the healthy odd feeds' once each.
	want := []string{}
	for round := 1; round <= 4; round++ {
		title := fmt.Sprintf("Export controls control round %d", round)
		srv.SetItems("/control.xml", "Control", item("Export controls baseline", "c0", hour), item(title, fmt.Sprintf("c%d", round), time.Now()))
		want = append(want, title)
		if round == 1 {
			srv.SetItems("/huge-titles.xml", "Huge titles", item(strings.Repeat("export controls ", 1<<16), "h0", hour),
				item(strings.Repeat("Export controls huge ", 50_000), "h1", time.Now()))
			srv.SetItems("/duplicate-guids.xml", "Dups", item("Old", "same", hour),
				item("Export controls dup A", "dup", time.Now()), item("Export controls dup B", "dup", time.Now()), item("Export controls dup C", "dup", time.Now()))
			srv.SetItems("/future-dates.xml", "Future", item("Old", "f0", hour),
				item("Export controls from the future", "f1", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)))
		}
		added := time.Now()
		waitUntil(t, 6*time.Second, "control item "+title+" was not alerted on time", func() bool {
			for _, post := range slackSrv.Posts() {
				if strings.Contains(post.Text, title) {
					return true
				}
			}
			return false
		})
		t.Logf("control round %d alerted after %s", round, time.Since(added).Round(time.Millisecond))
		time.Sleep(3 * time.Second)
	}

	var texts []string
	for _, post := range slackSrv.Posts() {
		texts = append(texts, post.Text)
		if len(post.Text) > 4000*4 {
			t.Errorf("posted a text of %d bytes", len(post.Text))
		}
	}
	exactlyOnce(t, "slack", texts, append(want, "Export controls huge", "from the future"))
	if n := countContaining(texts, "Export controls dup"); n != 1 {
		t.Errorf("three items with one GUID gave %d alerts, want 1: %q", n, texts)
	}

	// No goroutine leaks across the rounds, and a bounded number overall.
	after := p.Metric("go_goroutines")
	if math.IsNaN(after) || after > settled+5 || after > 200 {
		t.Errorf("goroutines went from %v after the first round to %v", settled, after)
	}
	code, h := p.Health(t.Context())
	if code != http.StatusOK || int(h["feeds_failing"].(float64)) != len(bad) {
		t.Errorf("/healthz %d %v, want %d feeds failing", code, h, len(bad))
	}
	// A feed that failed is not polled again before its backoff (a minute,
	// or Retry-After if longer): one poll each in this run. The redirect
	// loop's poll is its first request and 5 redirects, then it stops.
	for _, b := range bad {
		n, want := srv.Count("/"+b.name+".xml"), 1
		if b.name == "redirect-loop" {
			n, want = n+srv.Count("/"+b.name+".xml.next"), 6
		}
		if n != want {
			t.Errorf("%s was requested %d times, want %d: one poll before its backoff", b.name, n, want)
		}
	}

	ans := slashCommand(t, p, secret, "feeds")
	for _, b := range bad {
		line := lineOf(ans, b.name)
		if !strings.Contains(line, "FAILING") || !strings.Contains(strings.ToLower(line), b.shows) {
			t.Errorf("/radar feeds shows %s as %q, want FAILING with %q", b.name, line, b.shows)
		}
	}
	for _, name := range healthy {
		if line := lineOf(ans, name); line == "" || strings.Contains(line, "FAILING") {
			t.Errorf("/radar feeds shows healthy %s as %q", name, line)
		}
	}
	t.Logf("/radar feeds:\n%s", ans)

	// The peak is read while the process runs (its VmHWM): after the exit
	// the rusage maximum can be the test process's own, inherited across
	// fork and exec.
	peak := p.PeakRSS()
	if peak > 200<<20 {
		t.Errorf("peak RSS %d MiB, want under 200 MiB; resident set over time: %s", peak>>20, rssLog())
	} else {
		t.Logf("peak RSS %d MiB over %s", peak>>20, time.Since(began).Round(time.Second))
	}
	if _, code, err := p.Term(); err != nil || code != 0 {
		t.Errorf("SIGTERM: exit %d, %v", code, err)
	}
}

func countContaining(texts []string, s string) int {
	n := 0
	for _, x := range texts {
		if strings.Contains(x, s) {
			n++
		}
	}
	return n
}

// lineOf is the line of a /radar feeds answer that starts with a feed name.
func lineOf(answer, name string) string {
	for _, l := range strings.Split(answer, "\n") {
		l = strings.TrimLeft(l, "•*- ")
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	return ""
}
