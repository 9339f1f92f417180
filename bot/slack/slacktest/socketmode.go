package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	slackgo "github.com/slack-go/slack"
)

// The Socket Mode half of the fake: apps.connections.open hands out a
// ws://127.0.0.1 URL; each connection gets "hello" and a WebSocket ping every
// PingInterval; tests send slash commands and read the acks:
//
//	sm := slack.NewSocketMode("xapp-1", "xoxb-1", srv.URL(), handler, nil)
//	go sm.Run(ctx)
//	srv.WaitConnections(ctx, 1)
//	ack, err := srv.Radar(ctx, "latest export-controls 3")
//	srv.DropSocket()             // the bot must reconnect
//	srv.WaitConnections(ctx, 2)
//
// Late answers posted to a command's response_url are kept in Responses.

// DefaultPingInterval is how often the fake pings each connection.
// slack-go's client reconnects after 30 seconds without a ping.
const DefaultPingInterval = 500 * time.Millisecond

// Ack is the bot's answer to a Socket Mode envelope.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack carried none
}

// Texts returns every "text" string in the ack's payload.
func (a Ack) Texts() []string { return TextsOf(a.Payload) }

// Response is a message posted to a slash command's response_url.
type Response struct {
	EnvelopeID string
	Body       json.RawMessage
}

// Texts returns every "text" string in the response.
func (r Response) Texts() []string { return TextsOf(r.Body) }

type socketState struct {
	wg          sync.WaitGroup // connection handlers and their pingers
	conns       []*wsConn
	connections int // connections that got "hello", ever
	pingEvery   time.Duration
	envSeq      int
	waiters     map[string]chan json.RawMessage
	responses   []Response
	changed     chan struct{} // closed and replaced when connections or responses change
}

type wsConn struct {
	c    *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
}

func (w *wsConn) writeJSON(v any) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_ = w.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return w.c.WriteJSON(v)
}

func (s *Server) initSocket(mux *http.ServeMux) {
	s.sock.pingEvery = DefaultPingInterval
	s.sock.waiters = make(map[string]chan json.RawMessage)
	s.sock.changed = make(chan struct{})
	mux.HandleFunc("/socket", s.serveSocket)
	mux.HandleFunc("POST /response/{envelope}", s.serveResponseURL)
}

// notifyLocked wakes the waiters of WaitConnections and WaitResponses; s.mu is held.
func (s *Server) notifyLocked() {
	close(s.sock.changed)
	s.sock.changed = make(chan struct{})
}

// SetPingInterval changes how often new connections are pinged; 0 stops
// pinging, which slack-go's client takes for a dead connection after 30 s.
func (s *Server) SetPingInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sock.pingEvery = d
}

// serveSocketAPI serves the Web API methods of Socket Mode. It reports false
// for a method it does not know.
func (s *Server) serveSocketAPI(w http.ResponseWriter, r *http.Request, method, token string) bool {
	if method != "apps.connections.open" {
		return false
	}
	if !strings.HasPrefix(token, "xapp-") {
		writeJSON(w, map[string]any{"ok": false, "error": "not_allowed_token_type"})
		return true
	}
	u := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket"
	writeJSON(w, map[string]any{"ok": true, "url": u})
	return true
}

func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	wc := &wsConn{c: c, done: make(chan struct{})}
	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		_ = c.Close()
		return
	default:
	}
	s.sock.wg.Add(1)
	s.sock.conns = append(s.sock.conns, wc)
	n := s.sock.connections + 1
	every := s.sock.pingEvery
	s.mu.Unlock()
	defer s.sock.wg.Done()

	err = wc.writeJSON(map[string]any{
		"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A00000001"},
		"debug_info":      map[string]any{"host": "slacktest", "approximate_connection_time": 3600},
	})
	if err == nil {
		s.mu.Lock()
		s.sock.connections = n
		s.notifyLocked()
		s.mu.Unlock()
	}
	if every > 0 {
		s.sock.wg.Go(func() { s.ping(wc, every) })
	}
	s.readAcks(wc)

	close(wc.done)
	_ = c.Close()
	s.mu.Lock()
	for i, x := range s.sock.conns {
		if x == wc {
			s.sock.conns = append(s.sock.conns[:i:i], s.sock.conns[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
}

func (s *Server) ping(wc *wsConn, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-wc.done:
			return
		case <-s.done:
			return
		case <-t.C:
			if err := wc.c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)); err != nil {
				return
			}
		}
	}
}

// readAcks reads the bot's acks until the connection ends.
func (s *Server) readAcks(wc *wsConn) {
	for {
		_, msg, err := wc.c.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if json.Unmarshal(msg, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		ch := s.sock.waiters[ack.EnvelopeID]
		delete(s.sock.waiters, ack.EnvelopeID)
		s.mu.Unlock()
		if ch != nil {
			ch <- ack.Payload // buffered: one ack per envelope
		}
	}
}

// Connections returns how many Socket Mode connections got "hello" so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sock.connections
}

// WaitConnections waits until at least n connections got "hello".
func (s *Server) WaitConnections(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := s.sock.connections, s.sock.changed
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("slacktest: %d of %d socket connections: %w", got, n, ctx.Err())
		}
	}
}

// current is the newest open connection, waiting for one when there is none.
func (s *Server) current(ctx context.Context) (*wsConn, error) {
	for {
		s.mu.Lock()
		var wc *wsConn
		if k := len(s.sock.conns); k > 0 {
			wc = s.sock.conns[k-1]
		}
		ch := s.sock.changed
		s.mu.Unlock()
		if wc != nil {
			return wc, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("slacktest: no socket connection: %w", ctx.Err())
		case <-s.done:
			return nil, errors.New("slacktest: server closed")
		}
	}
}

// SlashCommand sends a slash_commands envelope over the newest connection and
// waits for its ack. An empty ResponseURL is set to this fake's response_url.
func (s *Server) SlashCommand(ctx context.Context, sc slackgo.SlashCommand) (Ack, error) {
	wc, err := s.current(ctx)
	if err != nil {
		return Ack{}, err
	}
	ch := make(chan json.RawMessage, 1)
	s.mu.Lock()
	s.sock.envSeq++
	env := fmt.Sprintf("env-%d", s.sock.envSeq)
	s.sock.waiters[env] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sock.waiters, env)
		s.mu.Unlock()
	}()
	if sc.ResponseURL == "" {
		sc.ResponseURL = s.ResponseURL(env)
	}
	err = wc.writeJSON(map[string]any{
		"envelope_id": env, "type": "slash_commands", "payload": sc,
		"accepts_response_payload": true,
	})
	if err != nil {
		return Ack{}, fmt.Errorf("slacktest: send envelope: %w", err)
	}
	select {
	case p := <-ch:
		return Ack{EnvelopeID: env, Payload: p}, nil
	case <-ctx.Done():
		return Ack{}, fmt.Errorf("slacktest: no ack for %s: %w", env, ctx.Err())
	case <-s.done:
		return Ack{}, errors.New("slacktest: server closed")
	}
}

// Radar sends "/radar text" as user U0TESTER in channel C0123ABCD and waits for the ack.
func (s *Server) Radar(ctx context.Context, text string) (Ack, error) {
	return s.SlashCommand(ctx, slackgo.SlashCommand{
		Command: "/radar", Text: text, UserID: "U0TESTER", UserName: "tester",
		ChannelID: "C0123ABCD", ChannelName: "policy", TeamID: "T00000001",
	})
}

// DropSocket cuts every open Socket Mode connection without a close frame,
// as a network failure would. It returns how many it cut.
func (s *Server) DropSocket() int {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.sock.conns...)
	s.mu.Unlock()
	for _, wc := range conns {
		_ = wc.c.NetConn().Close()
	}
	return len(conns)
}

// Disconnect asks every connected client to reconnect, as Slack does before
// it recycles a connection.
func (s *Server) Disconnect() {
	s.mu.Lock()
	conns := append([]*wsConn(nil), s.sock.conns...)
	s.mu.Unlock()
	for _, wc := range conns {
		_ = wc.writeJSON(map[string]any{"type": "disconnect", "reason": "refresh_requested"})
	}
}

// closeSockets ends every connection and waits for their goroutines.
func (s *Server) closeSockets() {
	s.DropSocket()
	s.sock.wg.Wait()
}

func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || !json.Valid(body) {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.sock.responses = append(s.sock.responses, Response{EnvelopeID: r.PathValue("envelope"), Body: body})
	s.notifyLocked()
	s.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}

// Responses returns the messages posted to response_url, oldest first.
func (s *Server) Responses() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Response(nil), s.sock.responses...)
}

// WaitResponses waits until at least n messages were posted to response_url.
func (s *Server) WaitResponses(ctx context.Context, n int) ([]Response, error) {
	for {
		s.mu.Lock()
		got, ch := len(s.sock.responses), s.sock.changed
		if got >= n {
			r := append([]Response(nil), s.sock.responses...)
			s.mu.Unlock()
			return r, nil
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("slacktest: %d of %d responses: %w", got, n, ctx.Err())
		}
	}
}

// ResponseURL is a response_url on this fake for a command sent over HTTP;
// what is posted to it shows up in Responses with EnvelopeID id.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/response/" + id }
