package feeds_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/feeds/feedtest"
)

var sampleItems = []feedtest.Item{
	{Title: "EU AI Act: open-weight models", Link: "https://example.org/a?utm_source=rss&id=1#top", GUID: "a-1",
		Description: "<p>The <b>AI Act</b> &amp; open weights</p>", Published: time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)},
	{Title: "Export controls on chips", Link: "/b", Published: time.Date(2025, 7, 2, 12, 0, 0, 0, time.UTC)},
}

func newServer(t *testing.T) *feedtest.Server {
	t.Helper()
	srv := feedtest.New()
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchParsesAndNormalises(t *testing.T) {
	srv := newServer(t)
	srv.SetItems("/feed.xml", "Example", sampleItems...)
	f := feeds.NewFetcher(feeds.Options{UserAgent: "policyradar/1.2.3 (+https://github.com/policyradar/policyradar)"})

	res, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL("/feed.xml")})
	if err != nil {
		t.Fatal(err)
	}
	if res.NotModified || res.Title != "Example" || len(res.Items) != 2 || res.ETag == "" || res.LastModified == "" {
		t.Fatalf("result = %+v", res)
	}
	a, b := res.Items[0], res.Items[1]
	if a.Key != "a-1" || a.Link != "https://example.org/a?id=1" || a.Summary != "The AI Act & open weights" || !a.Dated {
		t.Errorf("first item = %+v", a)
	}
	if want := srv.URL("/b"); b.Link != want || b.Key != want {
		t.Errorf("relative link: got link %q key %q, want %q", b.Link, b.Key, want)
	}
	req, _ := srv.Last("/feed.xml")
	if got := req.Header.Get("User-Agent"); got != "policyradar/1.2.3 (+https://github.com/policyradar/policyradar)" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := req.Header.Get("Accept"); !strings.Contains(got, "application/rss+xml") {
		t.Errorf("Accept = %q", got)
	}
}

func TestFetchDefaultUserAgent(t *testing.T) {
	srv := newServer(t)
	srv.SetItems("/feed.xml", "Example", sampleItems...)
	if _, err := feeds.NewFetcher(feeds.Options{}).Fetch(context.Background(), feeds.Request{URL: srv.URL("/feed.xml")}); err != nil {
		t.Fatal(err)
	}
	req, _ := srv.Last("/feed.xml")
	if got := req.Header.Get("User-Agent"); got != feeds.DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, feeds.DefaultUserAgent)
	}
}

func TestFetchConditional(t *testing.T) {
	srv := newServer(t)
	srv.SetItems("/feed.xml", "Example", sampleItems...)
	f := feeds.NewFetcher(feeds.Options{})
	ctx := context.Background()
	first, err := f.Fetch(ctx, feeds.Request{URL: srv.URL("/feed.xml")})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		req  feeds.Request
	}{
		{"etag", feeds.Request{URL: srv.URL("/feed.xml"), ETag: first.ETag}},
		{"last-modified", feeds.Request{URL: srv.URL("/feed.xml"), LastModified: first.LastModified}},
		{"both", feeds.Request{URL: srv.URL("/feed.xml"), ETag: first.ETag, LastModified: first.LastModified}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.Fetch(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !res.NotModified || len(res.Items) != 0 || res.Title != "" {
				t.Fatalf("want an empty not-modified result, got %+v", res)
			}
			if res.ETag != first.ETag || res.LastModified != first.LastModified {
				t.Errorf("validators = %q %q, want %q %q", res.ETag, res.LastModified, first.ETag, first.LastModified)
			}
			req, _ := srv.Last("/feed.xml")
			if req.Header.Get("If-None-Match") != tt.req.ETag || req.Header.Get("If-Modified-Since") != tt.req.LastModified {
				t.Errorf("conditional headers sent: %v", req.Header)
			}
		})
	}

	// A changed feed is fetched in full despite the old validators.
	srv.SetItems("/feed.xml", "Example", sampleItems[:1]...)
	res, err := f.Fetch(ctx, feeds.Request{URL: srv.URL("/feed.xml"), ETag: first.ETag})
	if err != nil || res.NotModified || len(res.Items) != 1 {
		t.Fatalf("after a change: %+v, %v", res, err)
	}
}

func TestFetchGzip(t *testing.T) {
	srv := newServer(t)
	srv.SetItems("/feed.xml", "Example", sampleItems...)
	srv.Gzip("/feed.xml", true)
	res, err := feeds.NewFetcher(feeds.Options{}).Fetch(context.Background(), feeds.Request{URL: srv.URL("/feed.xml")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 2 {
		t.Fatalf("%d items", len(res.Items))
	}
	req, _ := srv.Last("/feed.xml")
	if got := req.Header.Get("Accept-Encoding"); got != "gzip" {
		t.Errorf("Accept-Encoding = %q", got)
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchBodyLimit(t *testing.T) {
	const limit = 64 << 10
	feed := feedtest.RSS("Big", feedtest.Item{Title: "x", Description: strings.Repeat("word ", 20<<10)})
	bomb := append([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>`), bytes.Repeat([]byte(" "), 4<<20)...)

	srv := newServer(t)
	srv.Set("/big.xml", "application/rss+xml", feed)
	srv.Set("/big-gzip.xml", "application/rss+xml", feed)
	srv.Gzip("/big-gzip.xml", true)
	srv.SetEncoded("/bomb.xml", "application/rss+xml", "gzip", gzipped(t, bomb))
	srv.Set("/small.xml", "application/rss+xml", feedtest.RSS("Small", sampleItems...))

	f := feeds.NewFetcher(feeds.Options{MaxBody: limit})
	tests := []struct {
		path    string
		tooLong bool
	}{
		{"/big.xml", true},
		{"/big-gzip.xml", true},
		{"/bomb.xml", true},
		{"/small.xml", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL(tt.path)})
			if got := errors.Is(err, feeds.ErrTooLarge); got != tt.tooLong {
				t.Fatalf("err = %v, want ErrTooLarge: %v", err, tt.tooLong)
			}
			if tt.tooLong && !strings.Contains(err.Error(), "max_body") {
				t.Errorf("error does not say which setting to raise: %v", err)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	srv := newServer(t)
	srv.SetItems("/feed.xml", "Example", sampleItems...)
	// /r1 -> /r2 -> ... -> /r6 -> /feed.xml: from /rN the feed is 7-N redirects away.
	for i := 1; i <= 6; i++ {
		next := fmt.Sprintf("/r%d", i+1)
		if i == 6 {
			next = "/feed.xml"
		}
		srv.Redirect(fmt.Sprintf("/r%d", i), next)
	}
	srv.Redirect("/to-file", "file:///etc/passwd")
	srv.Redirect("/to-ftp", "ftp://127.0.0.1/feed.xml")

	f := feeds.NewFetcher(feeds.Options{})
	tests := []struct {
		name    string
		path    string
		wantErr bool
	}{
		{"one redirect", "/r6", false},
		{"five redirects", "/r2", false},
		{"six redirects", "/r1", true},
		{"to file", "/to-file", true},
		{"to ftp", "/to-ftp", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL(tt.path)})
			if tt.wantErr {
				if !errors.Is(err, feeds.ErrRedirect) {
					t.Fatalf("err = %v, want ErrRedirect", err)
				}
				return
			}
			if err != nil || len(res.Items) != 2 {
				t.Fatalf("res = %+v, err = %v", res, err)
			}
		})
	}
}

func TestFetchRefusesOtherSchemes(t *testing.T) {
	f := feeds.NewFetcher(feeds.Options{})
	for _, u := range []string{"file:///etc/passwd", "ftp://127.0.0.1/x", "feed.xml"} {
		if _, err := f.Fetch(context.Background(), feeds.Request{URL: u}); err == nil {
			t.Errorf("%s: fetched", u)
		}
	}
}

func TestFetchHTTPErrors(t *testing.T) {
	srv := newServer(t)
	date := time.Now().Add(90 * time.Minute).UTC().Format(http.TimeFormat)
	srv.Fail("/missing", http.StatusNotFound, "")
	srv.Fail("/gone", http.StatusGone, "")
	srv.Fail("/busy", http.StatusTooManyRequests, "120")
	srv.Fail("/busy-date", http.StatusTooManyRequests, date)
	srv.Fail("/down", http.StatusServiceUnavailable, "30")
	srv.Fail("/broken", http.StatusInternalServerError, "30")
	srv.Fail("/busy-junk", http.StatusTooManyRequests, "soon")

	f := feeds.NewFetcher(feeds.Options{})
	tests := []struct {
		path               string
		status             int
		gone               bool
		retryMin, retryMax time.Duration
	}{
		{"/missing", 404, false, 0, 0},
		{"/gone", 410, true, 0, 0},
		{"/busy", 429, false, 120 * time.Second, 120 * time.Second},
		{"/busy-date", 429, false, 85 * time.Minute, 91 * time.Minute},
		{"/down", 503, false, 30 * time.Second, 30 * time.Second},
		{"/broken", 500, false, 0, 0}, // Retry-After only counts on 429 and 503
		{"/busy-junk", 429, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL(tt.path)})
			var he *feeds.HTTPError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Fatalf("err = %v, want HTTPError %d", err, tt.status)
			}
			if errors.Is(err, feeds.ErrGone) != tt.gone {
				t.Errorf("errors.Is(ErrGone) = %v", !tt.gone)
			}
			if ra := feeds.RetryAfter(err); ra < tt.retryMin || ra > tt.retryMax {
				t.Errorf("RetryAfter = %s, want %s..%s", ra, tt.retryMin, tt.retryMax)
			}
			if !strings.Contains(err.Error(), fmt.Sprint(tt.status)) {
				t.Errorf("error %q does not name the status", err)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	srv := newServer(t)
	srv.SetItems("/slow.xml", "Slow", sampleItems...)
	srv.Hang("/hang.xml")
	srv.Drip("/slow.xml", 50*time.Millisecond)
	f := feeds.NewFetcher(feeds.Options{Timeout: 200 * time.Millisecond})
	for _, path := range []string{"/hang.xml", "/slow.xml"} {
		t.Run(path, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL(path)})
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want a deadline error", err)
			}
		})
	}
	// The caller's own cancellation ends a fetch as well.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := feeds.NewFetcher(feeds.Options{}).Fetch(ctx, feeds.Request{URL: srv.URL("/hang.xml")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled fetch: err = %v", err)
	}
}

func TestFetchNotAFeed(t *testing.T) {
	srv := newServer(t)
	srv.Set("/page.html", "text/html", []byte(`<!DOCTYPE html><html><head><title>Blog</title>
<link rel="alternate" type="application/rss+xml" href="/feed.xml?utm_source=x"></head><body>Hello</body></html>`))
	srv.Set("/plain.html", "text/html", []byte(`<html><body>Hello</body></html>`))
	srv.Set("/junk.txt", "text/plain", []byte(`hello world`))
	srv.Set("/empty.xml", "application/xml", nil)
	f := feeds.NewFetcher(feeds.Options{})
	tests := []struct {
		path, want string
	}{
		{"/page.html", "not a feed: looks like an HTML page (it links to a feed at " + srv.URL("/feed.xml") + ")"},
		{"/plain.html", "not a feed: looks like an HTML page"},
		{"/junk.txt", "not a feed: no RSS, Atom or JSON Feed found"},
		{"/empty.xml", "not a feed: the document is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL(tt.path)})
			if !errors.Is(err, feeds.ErrNotFeed) || !strings.HasSuffix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want …%q", err, tt.want)
			}
		})
	}
}

func TestFetchHubAndSelf(t *testing.T) {
	srv := newServer(t)
	atomDoc := `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>A</title><link rel="hub" href="https://hub.example/"/><link rel="self" href="/atom.xml"/>
<entry><title>x</title><id>tag:x</id><link href="/x"/><updated>2025-01-01T00:00:00Z</updated></entry></feed>`
	rssDoc := `<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>R</title>
<atom:link rel="hub" href="https://pubsubhubbub.example/"/><atom:link rel="self" href="https://example.org/rss"/>
<item><title>y</title><link>https://example.org/y</link></item></channel></rss>`
	srv.Set("/atom.xml", "application/atom+xml", []byte(atomDoc))
	srv.Set("/rss.xml", "application/rss+xml", []byte(rssDoc))
	f := feeds.NewFetcher(feeds.Options{})
	tests := []struct {
		path, hub, self string
	}{
		{"/atom.xml", "https://hub.example/", srv.URL("/atom.xml")},
		{"/rss.xml", "https://pubsubhubbub.example/", "https://example.org/rss"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), feeds.Request{URL: srv.URL(tt.path)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Hub != tt.hub || res.Self != tt.self {
				t.Errorf("hub, self = %q, %q; want %q, %q", res.Hub, res.Self, tt.hub, tt.self)
			}
		})
	}
}
