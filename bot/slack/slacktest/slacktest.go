// Package slacktest is a fake Slack Web API for tests: a real HTTP server on
// 127.0.0.1 that records the messages posted to it and can be told to fail.
//
//	srv := slacktest.New()
//	defer srv.Close()
//	sender := slack.NewSender("xoxb-test", srv.URL(), "C0123ABCD", nil)
//	srv.Fail(2, slacktest.Status(503))          // the next two posts get 503
//	srv.FailAlways(slacktest.SlackError("channel_not_found"))
//	srv.Heal()                                   // back to normal
//	posts := srv.Posts()                         // what was accepted, in order
//
// It serves chat.postMessage, auth.test and Socket Mode (apps.connections.open,
// the WebSocket, response_url; see socketmode.go). Faults apply to
// chat.postMessage unless Fault.On names another method.
package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Post is one message that the fake accepted.
type Post struct {
	Channel     string
	Text        string
	Blocks      json.RawMessage // as posted; nil when the post had none
	Token       string          // from the form body or the Authorization header
	UnfurlLinks string          // "false", "true" or "" when not sent
	UnfurlMedia string
	Parse       string
	LinkNames   string
	TS          string // the timestamp the fake answered with
}

// Server is the fake Slack. Its zero value is not usable: call New.
type Server struct {
	srv  *httptest.Server
	done chan struct{} // closed by Close: releases hanging and slow requests

	mu       sync.Mutex
	posts    []Post
	attempts map[string]int // method -> calls, faulty or not
	faults   []*armed
	seq      int
	changed  chan struct{} // closed and replaced on every accepted post
	sock     socketState

	closeOnce sync.Once
}

// New starts a fake Slack on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		done:     make(chan struct{}),
		attempts: make(map[string]int),
		changed:  make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	s.initSocket(mux)
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the Web API base, ending in "/api/", for slack.api_url.
func (s *Server) URL() string { return s.srv.URL + "/api/" }

// Close releases any hanging request, cuts the Socket Mode connections and
// shuts the server down; it returns when all of the fake's goroutines ended.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		close(s.done)
		s.mu.Unlock()
		s.closeSockets()
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// Posts returns the messages accepted so far, oldest first.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Attempts returns how many calls of a Web API method (e.g.
// "chat.postMessage") arrived, including the ones answered with a fault.
func (s *Server) Attempts(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[method]
}

// WaitPosts waits until at least n messages were accepted and returns them,
// or returns an error when ctx ends first.
func (s *Server) WaitPosts(ctx context.Context, n int) ([]Post, error) {
	for {
		s.mu.Lock()
		if len(s.posts) >= n {
			p := append([]Post(nil), s.posts...)
			s.mu.Unlock()
			return p, nil
		}
		ch := s.changed
		got := len(s.posts)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("slacktest: %d of %d posts: %w", got, n, ctx.Err())
		}
	}
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	s.mu.Lock()
	s.attempts[method]++
	s.mu.Unlock()
	if f, ok := s.nextFault(method); ok && s.misbehave(w, r, f) {
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_form_data"})
		return
	}
	token := r.PostForm.Get("token")
	if h := r.Header.Get("Authorization"); token == "" && strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimPrefix(h, "Bearer ")
	}
	switch method {
	case "chat.postMessage":
		s.postMessage(w, r, token)
	case "auth.test":
		if token == "" {
			writeJSON(w, map[string]any{"ok": false, "error": "not_authed"})
			return
		}
		writeJSON(w, map[string]any{
			"ok": true, "url": "https://policyradar-test.slack.com/", "team": "Policy Radar Test",
			"user": "radar", "team_id": "T00000001", "user_id": "U00000BOT", "bot_id": "B00000001",
		})
	default:
		if !s.serveSocketAPI(w, r, method, token) {
			writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
		}
	}
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request, token string) {
	f := r.PostForm
	p := Post{
		Channel:     f.Get("channel"),
		Text:        f.Get("text"),
		Token:       token,
		UnfurlLinks: f.Get("unfurl_links"),
		UnfurlMedia: f.Get("unfurl_media"),
		Parse:       f.Get("parse"),
		LinkNames:   f.Get("link_names"),
	}
	switch {
	case token == "":
		writeJSON(w, map[string]any{"ok": false, "error": "not_authed"})
		return
	case p.Channel == "":
		writeJSON(w, map[string]any{"ok": false, "error": "channel_not_found"})
		return
	case p.Text == "" && f.Get("blocks") == "":
		writeJSON(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	if b := f.Get("blocks"); b != "" {
		if !json.Valid([]byte(b)) {
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_blocks_format"})
			return
		}
		p.Blocks = json.RawMessage(b)
	}
	s.mu.Lock()
	s.seq++
	p.TS = fmt.Sprintf("1700000000.%06d", s.seq)
	s.posts = append(s.posts, p)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS,
		"message": map[string]any{"type": "message", "text": p.Text, "ts": p.TS}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// Texts returns the post's top-level text and every "text" string found
// anywhere in its blocks, for tests that scan what readers would see.
func (p Post) Texts() []string { return append([]string{p.Text}, TextsOf(p.Blocks)...) }

// TextsOf returns every string under a "text" key anywhere in raw JSON.
func TextsOf(raw json.RawMessage) []string {
	var out []string
	if len(raw) == 0 {
		return out
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return out
	}
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && k == "text" {
					out = append(out, s)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}
