package feedtest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/feeds/feedtest"
)

func get(t *testing.T, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestServer(t *testing.T) {
	srv := feedtest.New()
	defer srv.Close()
	srv.SetItems("/feed.xml", "Example", feedtest.Item{Title: "A <b> & c", Link: "https://example.org/a",
		Published: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Categories: []string{"x"}})
	srv.Fail("/busy", http.StatusTooManyRequests, "60")
	srv.Redirect("/old", "/feed.xml")

	first := get(t, srv.URL("/feed.xml"), nil)
	body, _ := io.ReadAll(first.Body)
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" || !bytes.Contains(body, []byte("<title>A &lt;b&gt; &amp; c</title>")) ||
		!bytes.Contains(body, []byte("<pubDate>Thu, 02 Jan 2025 03:04:05 +0000</pubDate>")) {
		t.Fatalf("status %d, etag %q, body:\n%s", first.StatusCode, etag, body)
	}

	tests := []struct {
		name   string
		path   string
		header map[string]string
		status int
		check  func(t *testing.T, r *http.Response)
	}{
		{"etag matches", "/feed.xml", map[string]string{"If-None-Match": etag}, 304, nil},
		{"etag differs", "/feed.xml", map[string]string{"If-None-Match": `"other"`}, 200, nil},
		{"not modified since", "/feed.xml", map[string]string{"If-Modified-Since": first.Header.Get("Last-Modified")}, 304, nil},
		{"modified since", "/feed.xml", map[string]string{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}, 200, nil},
		{"missing", "/nope", nil, 404, nil},
		{"429", "/busy", nil, 429, func(t *testing.T, r *http.Response) {
			if r.Header.Get("Retry-After") != "60" {
				t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
			}
		}},
		{"redirect", "/old", nil, 302, func(t *testing.T, r *http.Response) {
			if r.Header.Get("Location") != "/feed.xml" {
				t.Errorf("Location = %q", r.Header.Get("Location"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, srv.URL(tt.path), tt.header)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tt.status)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}

	if n := srv.Count("/feed.xml"); n != 5 {
		t.Errorf("Count = %d, want 5", n)
	}
	if r, ok := srv.Last("/feed.xml"); !ok || r.Header.Get("If-Modified-Since") == "" {
		t.Errorf("last request = %+v", r)
	}
}

func TestServerGzip(t *testing.T) {
	srv := feedtest.New()
	defer srv.Close()
	srv.SetItems("/feed.xml", "Example", feedtest.Item{Title: "zipped"})
	srv.Gzip("/feed.xml", true)
	plain := get(t, srv.URL("/feed.xml"), nil)
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatal("gzip sent to a client that did not ask for it")
	}
	r := get(t, srv.URL("/feed.xml"), map[string]string{"Accept-Encoding": "gzip"})
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q", r.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if !strings.Contains(string(body), "zipped") {
		t.Errorf("body = %s", body)
	}
}

// TestServerCloseReleasesHang: Close returns although a request hangs.
func TestServerCloseReleasesHang(t *testing.T) {
	srv := feedtest.New()
	srv.Hang("/hang")
	srv.Drip("/drip", time.Hour)
	srv.SetItems("/drip", "Drip")
	errs := make(chan error, 2)
	for _, p := range []string{"/hang", "/drip"} {
		go func() {
			req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL(p), nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			errs <- err
		}()
	}
	for srv.Count("/hang") == 0 || srv.Count("/drip") == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.Close() // would block forever if the handlers kept waiting
	<-errs
	<-errs
}
