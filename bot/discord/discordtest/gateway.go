package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// The gateway side of the fake:
//
//	GET  /api/v10/gateway, /api/v10/gateway/bot          the ws://127.0.0.1 URL of the socket below
//	GET  /gateway-ws/                                     the socket: HELLO (op 10); IDENTIFY (op 2) → READY;
//	                                                      RESUME (op 6) → RESUMED; heartbeat (op 1) → ACK (op 11)
//	PUT  /api/v10/applications/{app}/commands             command registration, recorded (see Registrations)
//	PUT  /api/v10/applications/{app}/guilds/{g}/commands  the same, into a guild
//	POST /api/v10/interactions/{id}/{token}/callback      an answer, recorded (see Answers)
//	PATCH /api/v10/webhooks/{app}/{token}/messages/@original  an edit of the answer, recorded
//	POST /api/v10/webhooks/{app}/{token}                  a follow-up message, recorded
//
// Interact sends INTERACTION_CREATE to the connected bot; DropConnections
// cuts every socket without a close frame, as a network failure would.

// HeartbeatInterval is the interval the fake's HELLO asks for, in milliseconds.
const HeartbeatInterval = 41250

// Option is one option of a slash command as a user filled it in: a string
// value is sent as a string option, an int as an integer option.
type Option struct {
	Name  string
	Value any
}

// Interaction is a /radar invocation to send. Empty fields get defaults:
// AppID the last registered application (else "1"), User "42", Channel "555",
// Guild "777", Command "radar".
type Interaction struct {
	Command    string
	Subcommand string
	Options    []Option
	AppID      string
	User       string
	Channel    string
	Guild      string
	Type       int // 0 means 2, an application command; 1 is PING
}

// Answer is one answer the bot gave to an interaction, in the order given.
type Answer struct {
	Kind            string // "callback", "edit" (of @original) or "followup"
	Type            int    // callback type: 1 pong, 4 message, 5 deferred; 0 for edits and follow-ups
	Flags           int
	Content         string
	Embeds          []*discordgo.MessageEmbed
	AllowedMentions *AllowedMentions
	Body            json.RawMessage
}

// Registration is one bulk overwrite of application commands.
type Registration struct {
	AppID    string
	GuildID  string // "" for global commands
	Commands []*discordgo.ApplicationCommand
	Body     json.RawMessage
}

type gateway struct {
	s        *Server
	upgrader websocket.Upgrader

	mu            sync.Mutex
	wg            sync.WaitGroup
	closed        bool
	changed       chan struct{} // closed and replaced on every change, for waiters
	conns         map[*wsConn]struct{}
	seq           int64
	nextID        int64
	identifies    int
	resumes       int
	heartbeats    int
	sessions      map[string]bool
	interactions  map[string]string // token → interaction id
	answers       map[string][]Answer
	registrations []Registration
}

type wsConn struct {
	c          *websocket.Conn
	wmu        sync.Mutex
	ready      bool
	heartbeats int
}

func (c *wsConn) send(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.c.WriteJSON(v)
}

func newGateway(s *Server) *gateway {
	return &gateway{
		s: s, changed: make(chan struct{}), conns: map[*wsConn]struct{}{},
		sessions: map[string]bool{}, interactions: map[string]string{}, answers: map[string][]Answer{},
		nextID: 1_200_000_000_000_000_000,
	}
}

func (g *gateway) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v10/gateway", g.gatewayURL)
	mux.HandleFunc("GET /api/v10/gateway/bot", g.gatewayURL)
	mux.HandleFunc("GET /gateway-ws/", g.serveWS)
	mux.HandleFunc("PUT /api/v10/applications/{app}/commands", g.register)
	mux.HandleFunc("PUT /api/v10/applications/{app}/guilds/{guild}/commands", g.register)
	mux.HandleFunc("POST /api/v10/interactions/{id}/{token}/callback", g.callback)
	mux.HandleFunc("PATCH /api/v10/webhooks/{app}/{token}/messages/{msg}", g.edit)
}

// notify wakes waiters; call with g.mu held.
func (g *gateway) notify() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// waitFor blocks until cond (called with g.mu held) holds, or ctx ends.
func (g *gateway) waitFor(ctx context.Context, cond func() bool) error {
	for {
		g.mu.Lock()
		ok, ch := cond(), g.changed
		g.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

func (g *gateway) close() {
	g.mu.Lock()
	g.closed = true
	for c := range g.conns {
		c.c.Close()
	}
	g.mu.Unlock()
	g.wg.Wait()
}

// GatewayURL is the socket URL the fake hands out.
func (s *Server) GatewayURL() string {
	return "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/gateway-ws"
}

func (g *gateway) gatewayURL(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"url": g.s.GatewayURL(), "shards": 1,
		"session_start_limit": map[string]int{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
	})
}

func (g *gateway) serveWS(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		http.Error(w, "closing", http.StatusServiceUnavailable)
		return
	}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()

	c, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn := &wsConn{c: c}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		c.Close()
		return
	}
	g.conns[conn] = struct{}{}
	g.mu.Unlock()
	defer func() {
		c.Close()
		g.mu.Lock()
		delete(g.conns, conn)
		g.notify()
		g.mu.Unlock()
	}()

	if conn.send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": HeartbeatInterval}}) != nil {
		return
	}
	for {
		var in struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := c.ReadJSON(&in); err != nil {
			return
		}
		if err := g.onOp(conn, in.Op, in.D); err != nil {
			return
		}
	}
}

func (g *gateway) onOp(conn *wsConn, op int, d json.RawMessage) error {
	switch op {
	case 1: // heartbeat
		g.mu.Lock()
		g.heartbeats++
		conn.heartbeats++
		g.notify()
		g.mu.Unlock()
		return conn.send(map[string]any{"op": 11})
	case 2: // identify
		var id struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(d, &id) != nil || id.Token == "" {
			_ = conn.c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4004, "Authentication failed."))
			return errors.New("authentication failed")
		}
		g.mu.Lock()
		g.identifies++
		session := fmt.Sprintf("session-%d", g.identifies)
		g.sessions[session] = true
		app := g.appIDLocked()
		g.mu.Unlock()
		return g.ready(conn, "READY", map[string]any{
			"v": 10, "session_id": session, "resume_gateway_url": g.s.GatewayURL(),
			"user":        map[string]any{"id": "2", "username": "policyradar", "bot": true},
			"application": map[string]any{"id": app, "flags": 0},
			"guilds":      []any{}, "shard": []int{0, 1},
		})
	case 6: // resume
		var res struct {
			SessionID string `json:"session_id"`
		}
		_ = json.Unmarshal(d, &res)
		g.mu.Lock()
		known := g.sessions[res.SessionID]
		if known {
			g.resumes++
		}
		g.mu.Unlock()
		if !known {
			return conn.send(map[string]any{"op": 9, "d": false}) // invalid session: identify again
		}
		return g.ready(conn, "RESUMED", map[string]any{})
	}
	return nil
}

// ready sends READY or RESUMED and lets Interact use the connection.
func (g *gateway) ready(conn *wsConn, event string, d any) error {
	g.mu.Lock()
	g.seq++
	seq := g.seq
	g.mu.Unlock()
	if err := conn.send(map[string]any{"op": 0, "t": event, "s": seq, "d": d}); err != nil {
		return err
	}
	g.mu.Lock()
	conn.ready = true
	g.notify()
	g.mu.Unlock()
	return nil
}

func (g *gateway) appIDLocked() string {
	if n := len(g.registrations); n > 0 {
		return g.registrations[n-1].AppID
	}
	return "1"
}

// WaitReady blocks until the bot has completed n sessions in all (each
// IDENTIFY→READY or RESUME→RESUMED counts) and one socket is ready and has
// had its first heartbeat. (discordgo starts its heartbeat goroutine late
// enough that a socket dropped before its first heartbeat makes that
// goroutine close the next socket too; waiting for it keeps tests exact.)
func (s *Server) WaitReady(ctx context.Context, n int) error {
	g := s.gw
	return g.waitFor(ctx, func() bool {
		if g.identifies+g.resumes < n {
			return false
		}
		for c := range g.conns {
			if c.ready && c.heartbeats > 0 {
				return true
			}
		}
		return false
	})
}

// Sessions returns how many IDENTIFY and RESUME the fake has answered.
func (s *Server) Sessions() (identifies, resumes int) {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.identifies, s.gw.resumes
}

// Heartbeats returns how many heartbeats the fake has acknowledged.
func (s *Server) Heartbeats() int {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return s.gw.heartbeats
}

// DropConnections cuts every gateway socket without a close frame.
func (s *Server) DropConnections() {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	for c := range s.gw.conns {
		c.ready = false
		c.c.NetConn().Close()
	}
}
