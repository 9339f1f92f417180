package discordtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
)

// InteractionJSON builds the body Discord would send for in, for tests that
// post it to an HTTP interactions endpoint; the fake remembers its token so
// that answers through the REST routes are recorded.
func (s *Server) InteractionJSON(in Interaction) (id string, body []byte) {
	g := s.gw
	g.mu.Lock()
	g.nextID++
	id = strconv.FormatInt(g.nextID, 10)
	token := "itoken-" + id
	g.interactions[token] = id
	app := in.AppID
	if app == "" {
		app = g.appIDLocked()
	}
	g.mu.Unlock()

	def := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	typ := in.Type
	if typ == 0 {
		typ = int(discordgo.InteractionApplicationCommand)
	}
	i := map[string]any{
		"id": id, "application_id": app, "type": typ, "token": token, "version": 1,
		"guild_id": def(in.Guild, "777"), "channel_id": def(in.Channel, "555"),
		"member": map[string]any{"user": map[string]any{"id": def(in.User, "42"), "username": "tester"}},
	}
	if typ == int(discordgo.InteractionApplicationCommand) {
		var opts []map[string]any
		for _, o := range in.Options {
			t := discordgo.ApplicationCommandOptionString
			if _, isInt := o.Value.(int); isInt {
				t = discordgo.ApplicationCommandOptionInteger
			}
			opts = append(opts, map[string]any{"name": o.Name, "type": t, "value": o.Value})
		}
		data := map[string]any{"id": "900", "name": def(in.Command, "radar"), "type": 1}
		if in.Subcommand != "" {
			data["options"] = []map[string]any{{"name": in.Subcommand, "type": discordgo.ApplicationCommandOptionSubCommand, "options": opts}}
		}
		i["data"] = data
	}
	body, _ = json.Marshal(i)
	return id, body
}

// Interact sends INTERACTION_CREATE for in to every ready socket and returns
// the interaction id; wait for the bot's answers with WaitAnswers.
func (s *Server) Interact(in Interaction) (string, error) {
	id, body := s.InteractionJSON(in)
	g := s.gw
	g.mu.Lock()
	g.seq++
	msg := map[string]any{"op": 0, "t": "INTERACTION_CREATE", "s": g.seq, "d": json.RawMessage(body)}
	var ready []*wsConn
	for c := range g.conns {
		if c.ready {
			ready = append(ready, c)
		}
	}
	g.mu.Unlock()
	if len(ready) == 0 {
		return "", errors.New("discordtest: no bot connected to the gateway")
	}
	for _, c := range ready {
		if err := c.send(msg); err != nil {
			return "", fmt.Errorf("discordtest: dispatch: %w", err)
		}
	}
	return id, nil
}

// Answers returns the answers recorded for an interaction so far.
func (s *Server) Answers(interactionID string) []Answer {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Answer(nil), s.gw.answers[interactionID]...)
}

// WaitAnswers blocks until at least n answers to the interaction are recorded.
func (s *Server) WaitAnswers(ctx context.Context, interactionID string, n int) ([]Answer, error) {
	g := s.gw
	err := g.waitFor(ctx, func() bool { return len(g.answers[interactionID]) >= n })
	return s.Answers(interactionID), err
}

// Registrations returns every command registration received, in order.
func (s *Server) Registrations() []Registration {
	s.gw.mu.Lock()
	defer s.gw.mu.Unlock()
	return append([]Registration(nil), s.gw.registrations...)
}

func (g *gateway) register(w http.ResponseWriter, r *http.Request) {
	raw, err := readBody(r)
	var cmds []*discordgo.ApplicationCommand
	if err == nil {
		err = json.Unmarshal(raw, &cmds)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return
	}
	if problem := checkCommands(cmds); problem != "" {
		writeError(w, http.StatusBadRequest, 50035, "Invalid Form Body: "+problem)
		return
	}
	reg := Registration{AppID: r.PathValue("app"), GuildID: r.PathValue("guild"), Commands: cmds, Body: raw}
	g.mu.Lock()
	for _, c := range cmds {
		g.nextID++
		c.ID, c.ApplicationID, c.GuildID, c.Version = strconv.FormatInt(g.nextID, 10), reg.AppID, reg.GuildID, "1"
	}
	g.registrations = append(g.registrations, reg)
	g.notify()
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

// checkCommands applies the part of Discord's validation that a bot could trip.
func checkCommands(cmds []*discordgo.ApplicationCommand) string {
	var check func(name, desc string, opts []*discordgo.ApplicationCommandOption) string
	check = func(name, desc string, opts []*discordgo.ApplicationCommandOption) string {
		if name == "" || len(name) > 32 || strings.ToLower(name) != name {
			return "name: " + name
		}
		if desc == "" || len([]rune(desc)) > 100 {
			return name + ".description: Must be between 1 and 100 in length."
		}
		if len(opts) > 25 {
			return name + ".options: Must be 25 or fewer in length."
		}
		for _, o := range opts {
			if len(o.Choices) > 25 {
				return o.Name + ".choices: Must be 25 or fewer in length."
			}
			if p := check(o.Name, o.Description, o.Options); p != "" {
				return p
			}
		}
		return ""
	}
	for _, c := range cmds {
		if p := check(c.Name, c.Description, c.Options); p != "" {
			return p
		}
	}
	return ""
}

func (g *gateway) callback(w http.ResponseWriter, r *http.Request) {
	id, token := r.PathValue("id"), r.PathValue("token")
	g.mu.Lock()
	known := g.interactions[token] == id
	answered := len(g.answers[id]) > 0
	g.mu.Unlock()
	switch {
	case !known:
		writeError(w, http.StatusNotFound, 10062, "Unknown interaction")
		return
	case answered:
		writeError(w, http.StatusBadRequest, 40060, "Interaction has already been acknowledged.")
		return
	}
	a, ok := decodeAnswer(w, r, "callback")
	if !ok {
		return
	}
	g.record(id, a)
	w.WriteHeader(http.StatusNoContent)
}

func (g *gateway) edit(w http.ResponseWriter, r *http.Request) {
	g.answer(w, r, "edit")
}

func (g *gateway) isInteractionToken(app, token string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.interactions[token]
	return ok
}

func (g *gateway) followUp(w http.ResponseWriter, r *http.Request) {
	g.answer(w, r, "followup")
}

// answer records an edit or follow-up, which Discord only takes after a callback.
func (g *gateway) answer(w http.ResponseWriter, r *http.Request, kind string) {
	g.mu.Lock()
	id, known := g.interactions[r.PathValue("token")]
	acked := len(g.answers[id]) > 0
	g.mu.Unlock()
	if !known || !acked {
		writeError(w, http.StatusNotFound, 10015, "Unknown Webhook")
		return
	}
	a, ok := decodeAnswer(w, r, kind)
	if !ok {
		return
	}
	g.record(id, a)
	g.mu.Lock()
	g.nextID++
	mid := strconv.FormatInt(g.nextID, 10)
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, messageJSON(Message{ID: mid, Content: a.Content, Embeds: a.Embeds, Flags: a.Flags}))
}

func (g *gateway) record(id string, a Answer) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.answers[id] = append(g.answers[id], a)
	g.notify()
}

func decodeAnswer(w http.ResponseWriter, r *http.Request, kind string) (Answer, bool) {
	raw, err := readBody(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return Answer{}, false
	}
	a := Answer{Kind: kind, Body: raw}
	var m Message
	if kind == "callback" {
		var in struct {
			Type int             `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if json.Unmarshal(raw, &in) != nil || in.Type == 0 {
			writeError(w, http.StatusBadRequest, 50035, "Invalid Form Body: type")
			return Answer{}, false
		}
		a.Type = in.Type
		if len(in.Data) > 0 && string(in.Data) != "null" {
			if m, ok := decodeData(w, in.Data); ok {
				a.Flags, a.Content, a.Embeds, a.AllowedMentions = m.Flags, m.Content, m.Embeds, m.AllowedMentions
			} else {
				return Answer{}, false
			}
		}
		return a, true
	}
	m, ok := decodeData(w, raw)
	if !ok {
		return Answer{}, false
	}
	a.Flags, a.Content, a.Embeds, a.AllowedMentions = m.Flags, m.Content, m.Embeds, m.AllowedMentions
	return a, true
}

func decodeData(w http.ResponseWriter, raw []byte) (Message, bool) {
	var m Message
	var in struct {
		Content         string                    `json:"content"`
		Embeds          []*discordgo.MessageEmbed `json:"embeds"`
		AllowedMentions *AllowedMentions          `json:"allowed_mentions"`
		Flags           int                       `json:"flags"`
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		writeError(w, http.StatusBadRequest, 50109, "The request body contains invalid JSON.")
		return m, false
	}
	m = Message{Content: in.Content, Embeds: in.Embeds, AllowedMentions: in.AllowedMentions, Flags: in.Flags}
	if len(m.Embeds) > 0 || m.Content != "" {
		if problem := checkLimits(m); problem != "" {
			writeError(w, http.StatusBadRequest, 50035, "Invalid Form Body: "+problem)
			return m, false
		}
	}
	return m, true
}
