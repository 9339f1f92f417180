package bench_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// feedServer serves feeds from memory on 127.0.0.1 with ETag and
// Last-Modified, answering conditional GETs with 304, and counts what it
// answered: the figures the polling benchmark reports.
type feedServer struct {
	srv *httptest.Server

	mu      sync.Mutex
	feeds   map[string]*servedFeed
	stats   serverStats
	served  map[string]time.Time // path -> when its latest 200 started
	changed chan struct{}        // closed and replaced on every request
}

type servedFeed struct {
	contentType string
	body        []byte
	etag        string
	modified    string
}

// serverStats are the counters of one measured span.
type serverStats struct {
	OK, NotModified, Other int
	BytesSent              int64
	First, Last            time.Time // first request received, last answer finished
}

func (s serverStats) requests() int { return s.OK + s.NotModified + s.Other }

func newFeedServer(tb testing.TB) *feedServer {
	s := &feedServer{feeds: map[string]*servedFeed{}, served: map[string]time.Time{}, changed: make(chan struct{})}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

func (s *feedServer) URL(path string) string { return s.srv.URL + path }

// Set serves body at path; an unchanged body keeps its validators.
func (s *feedServer) Set(path, contentType string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.feeds[path]; ok && old.etag == etag {
		return
	}
	s.feeds[path] = &servedFeed{contentType: contentType, body: body, etag: etag,
		modified: time.Now().UTC().Format(http.TimeFormat)}
}

// Reset returns the counters since the last Reset and starts new ones.
func (s *feedServer) Reset() serverStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	s.stats = serverStats{}
	return st
}

// Stats returns the counters since the last Reset.
func (s *feedServer) Stats() serverStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Served returns when the latest 200 for path started.
func (s *feedServer) Served(path string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served[path]
}

// Changed is closed at the next request.
func (s *feedServer) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	if s.stats.First.IsZero() {
		s.stats.First = now
	}
	f, ok := s.feeds[r.URL.Path]
	s.mu.Unlock()
	status := http.StatusOK
	switch {
	case !ok:
		status = http.StatusNotFound
		http.NotFound(w, r)
	case r.Header.Get("If-None-Match") == f.etag ||
		(r.Header.Get("If-None-Match") == "" && r.Header.Get("If-Modified-Since") == f.modified):
		status = http.StatusNotModified
		w.Header().Set("ETag", f.etag)
		w.WriteHeader(status)
	default:
		s.mu.Lock()
		s.served[r.URL.Path] = now
		s.mu.Unlock()
		w.Header().Set("Content-Type", f.contentType)
		w.Header().Set("ETag", f.etag)
		w.Header().Set("Last-Modified", f.modified)
		_, _ = w.Write(f.body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch status {
	case http.StatusOK:
		s.stats.OK++
		s.stats.BytesSent += int64(len(f.body))
	case http.StatusNotModified:
		s.stats.NotModified++
	default:
		s.stats.Other++
	}
	s.stats.Last = time.Now()
	close(s.changed)
	s.changed = make(chan struct{})
}
