// Package feedtest is a fake feed server for tests: a real HTTP server on
// 127.0.0.1 that serves feeds from memory, answers conditional GETs, can be
// told to fail per path (status codes with Retry-After, hanging, dripping
// slowly, redirecting, gzip) and records every request it gets.
//
//	srv := feedtest.New()
//	defer srv.Close()
//	srv.SetItems("/feed.xml", "Example", feedtest.Item{Title: "Open weights", Link: "https://example.org/a"})
//	srv.Fail("/gone.xml", http.StatusGone, "")
//	fetch(srv.URL("/feed.xml"))
//	srv.Count("/feed.xml") // 1
package feedtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Request is one request the server received.
type Request struct {
	Method string
	Path   string // path and query
	Header http.Header
	At     time.Time
}

type feed struct {
	contentType string
	encoding    string // Content-Encoding the body is already in, served as is
	body        []byte
	etag        string
	modified    time.Time
}

// fault is how a path misbehaves.
type fault struct {
	status     int
	retryAfter string
	hang       bool
	drip       time.Duration
	redirect   string
	gzip       bool
}

// Server is the fake feed server. Its methods are safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	done chan struct{}

	mu       sync.Mutex
	feeds    map[string]*feed
	faults   map[string]*fault
	requests []Request
	closed   bool
}

// New starts a server on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		done:   make(chan struct{}),
		feeds:  make(map[string]*feed),
		faults: make(map[string]*fault),
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL returns the absolute URL of path on the server ("" gives the root).
func (s *Server) URL(path string) string {
	if path != "" && !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return s.srv.URL + path
}

// Host returns the server's host:port.
func (s *Server) Host() string { return strings.TrimPrefix(s.srv.URL, "http://") }

// Close releases hanging and dripping requests and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	s.mu.Unlock()
	s.srv.Close()
}

// Set serves body at path with the given Content-Type. Its ETag is derived
// from the body and its Last-Modified is now, unless the body is unchanged.
func (s *Server) Set(path, contentType string, body []byte) {
	s.set(path, contentType, "", body)
}

// SetEncoded serves body as is with the given Content-Encoding (e.g. a
// ready-made gzip bomb), whatever the client accepts.
func (s *Server) SetEncoded(path, contentType, contentEncoding string, body []byte) {
	s.set(path, contentType, contentEncoding, body)
}

func (s *Server) set(path, contentType, encoding string, body []byte) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.feeds[path]; ok && old.etag == etag && old.encoding == encoding {
		return
	}
	s.feeds[path] = &feed{
		contentType: contentType,
		encoding:    encoding,
		body:        bytes.Clone(body),
		etag:        etag,
		modified:    time.Now().UTC().Truncate(time.Second),
	}
}

// SetItems serves an RSS 2.0 document with the given items at path.
func (s *Server) SetItems(path, title string, items ...Item) {
	s.Set(path, "application/rss+xml; charset=utf-8", RSS(title, items...))
}

// Fail makes path answer status (e.g. 404, 410, 429, 503) with an optional
// Retry-After header value ("120" or an HTTP date).
func (s *Server) Fail(path string, status int, retryAfter string) {
	s.fault(path, func(f *fault) { f.status, f.retryAfter = status, retryAfter })
}

// Hang makes path send nothing until the client gives up or the server closes.
func (s *Server) Hang(path string) { s.fault(path, func(f *fault) { f.hang = true }) }

// Drip makes path send its headers, then its body one byte every interval.
func (s *Server) Drip(path string, every time.Duration) {
	s.fault(path, func(f *fault) { f.drip = every })
}

// Redirect makes path answer 302 to target (a path on this server or any URL).
func (s *Server) Redirect(path, target string) {
	s.fault(path, func(f *fault) { f.redirect = target })
}

// Gzip makes path gzip its body for clients that accept gzip.
func (s *Server) Gzip(path string, on bool) { s.fault(path, func(f *fault) { f.gzip = on }) }

// Reset clears every fault of path; the feed itself stays.
func (s *Server) Reset(path string) {
	s.mu.Lock()
	delete(s.faults, path)
	s.mu.Unlock()
}

func (s *Server) fault(path string, set func(*fault)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.faults[path]
	if !ok {
		f = &fault{}
		s.faults[path] = f
	}
	set(f)
}

// Requests returns the requests received for path (all paths if "").
func (s *Server) Requests(path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if path == "" || r.Path == path || strings.HasPrefix(r.Path, path+"?") {
			out = append(out, r)
		}
	}
	return out
}

// Count returns how many requests path received.
func (s *Server) Count(path string) int { return len(s.Requests(path)) }

// Last returns the latest request for path, or false if none came.
func (s *Server) Last(path string) (Request, bool) {
	rs := s.Requests(path)
	if len(rs) == 0 {
		return Request{}, false
	}
	return rs[len(rs)-1], true
}
