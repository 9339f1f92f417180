// Package discordtest is a fake Discord for tests: a real HTTP server on
// 127.0.0.1 that answers the REST routes Policy Radar uses, records what it
// receives, and can be told to fail.
//
//	srv := discordtest.New()
//	defer srv.Close()
//	sender, _ := discord.NewBotSender("token", srv.APIURL(), "123", nil)
//	hook, _ := discord.NewWebhookSender(srv.WebhookURL("77", "secret"), nil)
//	srv.Fail(discordtest.Fault{Status: 429, RetryAfter: 2 * time.Second})
//	msgs := srv.Messages("123") // webhook posts are recorded under the webhook id, "77"
//
// Routes (all under APIURL() = base + "/api/v10", webhooks also under base + "/api"):
//
//	POST /channels/{id}/messages   create a message; with enforce_nonce a
//	                               repeated nonce in a channel returns the
//	                               original message, as Discord does
//	POST /webhooks/{id}/{token}    execute a webhook (?wait=true answers the message)
//
// Messages are checked against Discord's limits (content 2000, embed title
// 256, description 4096, footer 2048, total 6000, nonce 25): a message over
// them gets 400 Invalid Form Body, as it would from Discord.
package discordtest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// Message is one message the fake received and created.
type Message struct {
	ID              string
	ChannelID       string // for webhook posts: the webhook id
	Content         string
	Embeds          []*discordgo.MessageEmbed
	AllowedMentions *AllowedMentions // nil when the request had none
	Nonce           string
	EnforceNonce    bool
	Flags           int
	Authorization   string // the Authorization header as received
	Webhook         bool
	Body            json.RawMessage // the request body as received
}

// AllowedMentions is allowed_mentions as received.
type AllowedMentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users"`
	Roles []string `json:"roles"`
}

// Request is one request the fake received, answered or not.
type Request struct {
	Method        string
	Path          string // URL path, e.g. /api/v10/channels/1/messages
	Authorization string
	Status        int // status answered; 0 while unanswered or when the client gave up
}

// Server is the fake Discord. Its methods are safe for concurrent use.
type Server struct {
	ts      *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex
	faults   []*Fault
	requests []*Request
	messages map[string][]Message
	nonces   map[string]Message // channel + "\x00" + nonce
	nextID   int64

	gw *gateway // see gateway.go
}

// New starts a fake Discord on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		closing:  make(chan struct{}),
		messages: map[string][]Message{},
		nonces:   map[string]Message{},
		nextID:   1_100_000_000_000_000_000,
	}
	s.gw = newGateway(s)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v10/channels/{id}/messages", s.createMessage)
	mux.HandleFunc("POST /api/webhooks/{id}/{token}", s.executeWebhook)
	mux.HandleFunc("POST /api/v10/webhooks/{id}/{token}", s.executeWebhook)
	s.gw.routes(mux)
	s.ts = httptest.NewServer(s.faulty(mux))
	return s
}

// Close stops the server, ending hung requests and open sockets first.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.closing)
		s.gw.close()
		s.ts.CloseClientConnections()
		s.ts.Close()
	})
}

// URL is the server's base URL, http://127.0.0.1:PORT.
func (s *Server) URL() string { return s.ts.URL }

// APIURL is the REST API base to configure as discord.api_url.
func (s *Server) APIURL() string { return s.ts.URL + "/api/v10" }

// WebhookURL is a webhook URL served by the fake.
func (s *Server) WebhookURL(id, token string) string {
	return s.ts.URL + "/api/webhooks/" + id + "/" + token
}

// Messages returns the messages created in a channel (or by a webhook id),
// oldest first.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages[channel]...)
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
	}
	return out
}

// RequestCount counts requests whose path contains pathPart ("" counts all).
func (s *Server) RequestCount(pathPart string) int {
	n := 0
	for _, r := range s.Requests() {
		if strings.Contains(r.Path, pathPart) {
			n++
		}
	}
	return n
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") == "" {
		writeError(w, http.StatusUnauthorized, 0, "401: Unauthorized")
		return
	}
	s.create(w, r, r.PathValue("id"), false)
}

func (s *Server) executeWebhook(w http.ResponseWriter, r *http.Request) {
	if s.gw.isInteractionToken(r.PathValue("id"), r.PathValue("token")) {
		s.gw.followUp(w, r)
		return
	}
	s.create(w, r, r.PathValue("id"), true)
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, channel string, webhook bool) {
	raw, m, ok := decodeMessage(w, r)
	if !ok {
		return
	}
	m.ChannelID, m.Webhook, m.Body = channel, webhook, raw
	m.Authorization = r.Header.Get("Authorization")
	if webhook {
		m.Nonce, m.EnforceNonce = "", false // Discord ignores them on webhooks
	}

	s.mu.Lock()
	key := channel + "\x00" + m.Nonce
	if orig, dup := s.nonces[key]; dup && m.EnforceNonce && m.Nonce != "" {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, messageJSON(orig))
		return
	}
	s.nextID++
	m.ID = strconv.FormatInt(s.nextID, 10)
	s.messages[channel] = append(s.messages[channel], m)
	if m.EnforceNonce && m.Nonce != "" {
		s.nonces[key] = m
	}
	s.mu.Unlock()

	if webhook && r.URL.Query().Get("wait") != "true" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, messageJSON(m))
}

// decodeMessage reads a message body and checks it against Discord's limits,
// answering 400 itself when it fails.
func decodeMessage(w http.ResponseWriter, r *http.Request) (json.RawMessage, Message, bool) {
	var in struct {
		Content         string                    `json:"content"`
		Embeds          []*discordgo.MessageEmbed `json:"embeds"`
		AllowedMentions *AllowedMentions          `json:"allowed_mentions"`
		Nonce           json.RawMessage           `json:"nonce"`
		EnforceNonce    bool                      `json:"enforce_nonce"`
		Flags           int                       `json:"flags"`
	}
	raw, err := readBody(r)
	if err == nil {
		err = json.Unmarshal(raw, &in)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return nil, Message{}, false
	}
	m := Message{
		Content: in.Content, Embeds: in.Embeds, AllowedMentions: in.AllowedMentions,
		Nonce: nonceString(in.Nonce), EnforceNonce: in.EnforceNonce, Flags: in.Flags,
	}
	if problem := checkLimits(m); problem != "" {
		writeError(w, http.StatusBadRequest, 50035, "Invalid Form Body: "+problem)
		return nil, Message{}, false
	}
	return raw, m, true
}

func checkLimits(m Message) string {
	n := utf8.RuneCountInString
	switch {
	case n(m.Content) > 2000:
		return "content: Must be 2000 or fewer in length."
	case n(m.Nonce) > 25:
		return "nonce: Must be 25 or fewer in length."
	case m.Content == "" && len(m.Embeds) == 0:
		return "Cannot send an empty message"
	case len(m.Embeds) > 10:
		return "embeds: Must be 10 or fewer in length."
	}
	total := 0
	for _, e := range m.Embeds {
		if e == nil {
			return "embeds: null embed"
		}
		switch {
		case n(e.Title) > 256:
			return "embeds.0.title: Must be 256 or fewer in length."
		case n(e.Description) > 4096:
			return "embeds.0.description: Must be 4096 or fewer in length."
		case e.Footer != nil && n(e.Footer.Text) > 2048:
			return "embeds.0.footer.text: Must be 2048 or fewer in length."
		case e.Color < 0 || e.Color > 0xFFFFFF:
			return "embeds.0.color: Int value should be between 0 and 16777215."
		}
		if e.Timestamp != "" {
			if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
				return "embeds.0.timestamp: Could not parse " + e.Timestamp
			}
		}
		if e.URL != "" && !strings.HasPrefix(e.URL, "http://") && !strings.HasPrefix(e.URL, "https://") {
			return "embeds.0.url: Scheme must be one of ('http', 'https')."
		}
		total += n(e.Title) + n(e.Description)
		if e.Footer != nil {
			total += n(e.Footer.Text)
		}
		for _, f := range e.Fields {
			total += n(f.Name) + n(f.Value)
		}
	}
	if total > 6000 {
		return "embeds: Embed size exceeds maximum size of 6000"
	}
	return ""
}

func nonceString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw) // an integer nonce
}

func messageJSON(m Message) map[string]any {
	out := map[string]any{
		"id": m.ID, "channel_id": m.ChannelID, "type": 0, "content": m.Content,
		"embeds": m.Embeds, "timestamp": time.Now().UTC().Format(time.RFC3339),
		"author": map[string]any{"id": "1", "username": "policyradar", "bot": true},
	}
	if m.Nonce != "" {
		out["nonce"] = m.Nonce
	}
	if m.Embeds == nil {
		out["embeds"] = []any{}
	}
	return out
}

func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers with Discord's JSON error shape.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{"code": code, "message": message})
}

// wait sleeps for d unless the request or the server ends first.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.closing:
	}
	return false
}
