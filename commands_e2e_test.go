package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/discord/discordtest"
)

const (
	e2eSigningSecret = "e2e-signing-secret"
	e2eAppID         = "424242424242424242"
)

// slashRig is a running Policy Radar with all four /radar transports on.
type slashRig struct {
	*rig
	base string // http://127.0.0.1:PORT of the radar's own server
	priv ed25519.PrivateKey
}

func startSlashRig(t *testing.T) *slashRig {
	r := newRig(t)
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Something to answer about: one poll to learn the feed (backfill 0),
	// then two alerted items and one that matches nothing.
	r.add("Old news about export controls")
	r.once()
	r.add("BIS adds 12 firms to the Entity List")
	r.add("Lab publishes open weights for its new model")
	r.add("Weather: rain expected on Tuesday")
	r.once()

	cfg := r.config()
	cfg.Slack.AppToken = "xapp-e2e-app-token"
	cfg.Slack.SigningSecret = e2eSigningSecret
	cfg.Discord.ApplicationID = e2eAppID
	cfg.Discord.PublicKey = hex.EncodeToString(pub)
	m, err := NewMain(context.Background(), cfg, slog.New(slog.NewTextHandler(&r.logs, nil)), &r.out)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m.listener = ln
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("run did not stop within 15s")
		}
		m.Close()
	})
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if err := r.slack.WaitConnections(wctx, 1); err != nil {
		t.Fatalf("slack socket mode never connected: %v", err)
	}
	if err := r.discord.WaitReady(wctx, 1); err != nil {
		t.Fatalf("discord gateway never got ready: %v", err)
	}
	return &slashRig{rig: r, base: "http://" + <-m.addr, priv: priv}
}

// slackHTTP posts a signed slash command to /slack/commands.
func (s *slashRig) slackHTTP(t *testing.T, text string) string {
	form := url.Values{"command": {"/radar"}, "text": {text}, "user_id": {"U1"}, "channel_id": {slackChannel},
		"team_id": {"T1"}, "response_url": {s.slack.ResponseURL("e2e")}}
	body := form.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(e2eSigningSecret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return s.do(t, req)
}

// discordHTTP posts a signed interaction to /discord/interactions.
func (s *slashRig) discordHTTP(t *testing.T, in discordtest.Interaction) string {
	_, body := s.discord.InteractionJSON(in)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, s.base+"/discord/interactions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Signature-Timestamp", ts)
	req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(s.priv, append([]byte(ts), body...))))
	return s.do(t, req)
}

func (s *slashRig) do(t *testing.T, req *http.Request) string {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s answered %s: %s", req.URL.Path, resp.Status, b)
	}
	return strings.Join(jsonStrings(b), "\n")
}

func (s *slashRig) discordGateway(t *testing.T, in discordtest.Interaction) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id, err := s.discord.Interact(in)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := s.discord.WaitAnswers(ctx, id, 1)
	if err != nil {
		t.Fatalf("no gateway answer: %v", err)
	}
	var parts []string
	for _, a := range answers {
		if a.Type == 4 && a.Flags&64 == 0 {
			t.Errorf("gateway answer is not ephemeral: flags %d", a.Flags)
		}
		parts = append(parts, jsonStrings(a.Body)...)
	}
	return strings.Join(parts, "\n")
}

func (s *slashRig) slackSocket(t *testing.T, text string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := s.slack.Radar(ctx, text)
	if err != nil {
		t.Fatalf("socket mode: %v", err)
	}
	return strings.Join(jsonStrings(ack.Payload), "\n")
}

// TestSlashCommandsOverAllTransports asks every /radar subcommand through
// Slack Socket Mode, Slack HTTP, the Discord gateway and Discord HTTP, with
// the real command layer and store behind them.
func TestSlashCommandsOverAllTransports(t *testing.T) {
	s := startSlashRig(t)
	opt := func(name string, v any) discordtest.Option { return discordtest.Option{Name: name, Value: v} }
	cases := []struct {
		text    string
		sub     string
		opts    []discordtest.Option
		want    []string
		notWant []string
	}{
		{"latest", "latest", nil, []string{"Entity List", "open weights"}, []string{"Weather", "Old news"}},
		{"latest export-controls 1", "latest", []discordtest.Option{opt("topic", "export-controls"), opt("count", 1)},
			[]string{"Entity List"}, []string{"open weights"}},
		{"search entity list", "search", []discordtest.Option{opt("words", "entity list")}, []string{"Entity List"}, []string{"open weights"}},
		{"topics", "topics", nil, []string{"Export controls", "export-controls", "Model releases"}, nil},
		{"feeds", "feeds", nil, []string{"Policy Wire", "items"}, nil},
		{"help", "help", nil, []string{"latest", "search", "topics", "feeds"}, nil},
	}
	for _, tc := range cases {
		transports := map[string]func(*testing.T) string{
			"slack socket mode": func(t *testing.T) string { return s.slackSocket(t, tc.text) },
			"slack http":        func(t *testing.T) string { return s.slackHTTP(t, tc.text) },
			"discord gateway": func(t *testing.T) string {
				return s.discordGateway(t, discordtest.Interaction{AppID: e2eAppID, Subcommand: tc.sub, Options: tc.opts})
			},
			"discord http": func(t *testing.T) string {
				return s.discordHTTP(t, discordtest.Interaction{AppID: e2eAppID, Subcommand: tc.sub, Options: tc.opts})
			},
		}
		for name, ask := range transports {
			t.Run(tc.text+"/"+name, func(t *testing.T) {
				got := ask(t)
				for _, w := range tc.want {
					if !strings.Contains(got, w) {
						t.Errorf("answer lacks %q:\n%s", w, got)
					}
				}
				for _, w := range tc.notWant {
					if strings.Contains(got, w) {
						t.Errorf("answer holds %q:\n%s", w, got)
					}
				}
			})
		}
	}
	t.Run("bad subcommand gets usage over slack", func(t *testing.T) {
		for _, got := range []string{s.slackSocket(t, "frobnicate"), s.slackHTTP(t, "latest nosuch-topic")} {
			if !strings.Contains(got, "Usage") && !strings.Contains(got, "Unknown topic") {
				t.Errorf("bad input answered without usage:\n%s", got)
			}
		}
	})
	t.Run("commands registered with topic choices", func(t *testing.T) {
		regs := s.discord.Registrations()
		if len(regs) == 0 {
			t.Fatal("no command registration")
		}
		raw, _ := json.Marshal(regs[len(regs)-1])
		for _, w := range []string{"radar", "latest", "export-controls", "model-releases"} {
			if !strings.Contains(string(raw), w) {
				t.Errorf("registration lacks %q: %s", w, raw)
			}
		}
	})
}

// jsonStrings returns every string value in a JSON document.
func jsonStrings(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return []string{string(raw)}
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
