package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/discord/discordtest"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/feeds/feedtest"
)

// rig is a full Policy Radar world on 127.0.0.1: a feed server, Slack and
// Discord fakes, and a database that outlives each Main (a "process").
type rig struct {
	t       *testing.T
	feeds   *feedtest.Server
	slack   *slacktest.Server
	discord *discordtest.Server
	db      string
	items   []feedtest.Item
	out     syncBuffer
	logs    syncBuffer
}

const (
	slackChannel   = "C0123ABCD"
	discordChannel = "112233445566778899"
	webhookID      = "77"
)

func newRig(t *testing.T) *rig {
	r := &rig{t: t, feeds: feedtest.New(), slack: slacktest.New(), discord: discordtest.New(),
		db: filepath.Join(t.TempDir(), "radar.db")}
	t.Cleanup(func() { r.feeds.Close(); r.slack.Close(); r.discord.Close() })
	r.publish()
	return r
}

func (r *rig) config() *config.Config {
	r.t.Helper()
	yaml := fmt.Sprintf(`
storage:
  path: %s
http:
  listen: ""
poll:
  interval: 1s
  backfill: 0
feeds:
  - url: %s
    name: Policy Wire
topics:
  - id: export-controls
    name: Export controls
    any: ["export control*", "entity list"]
  - id: model-releases
    name: Model releases
    any: ["open weights", "open-weight model*"]
channels:
  - slack: %s
    topics: [export-controls]
  - discord: "%s"
    topics: [model-releases]
  - discord_webhook: %s
slack:
  token: xoxb-e2e-token
  api_url: %s
discord:
  token: e2e-bot-token
  api_url: %s
`, r.db, r.feeds.URL("/wire.xml"), slackChannel, discordChannel, r.discord.WebhookURL(webhookID, "hooksecret"),
		r.slack.URL(), r.discord.APIURL())
	cfg, err := config.Parse("e2e.yaml", []byte(yaml), func(string) string { return "" })
	if err != nil {
		r.t.Fatalf("config: %v", err)
	}
	return cfg
}

// add publishes a new item, newest last.
func (r *rig) add(title string) {
	n := len(r.items)
	r.items = append(r.items, feedtest.Item{Title: title, GUID: fmt.Sprintf("wire-%d", n),
		Link:        fmt.Sprintf("https://wire.example/%d?utm_source=rss", n),
		Description: "<p>Details of " + title + "</p>", Published: time.Now().Add(-time.Hour + time.Duration(n)*time.Minute)})
	r.publish()
}

func (r *rig) publish() { r.feeds.SetItems("/wire.xml", "Policy Wire", r.items...) }

func (r *rig) main() *Main {
	r.t.Helper()
	log := slog.New(slog.NewTextHandler(&r.logs, nil))
	m, err := NewMain(context.Background(), r.config(), log, &r.out)
	if err != nil {
		r.t.Fatal(err)
	}
	return m
}

// once runs `policyradar once` as a fresh process would.
func (r *rig) once() {
	r.t.Helper()
	m := r.main()
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := m.Once(ctx); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) slackTitles() []string {
	var out []string
	for _, p := range r.slack.Posts() {
		out = append(out, p.Text)
	}
	return out
}

func (r *rig) discordTitles(channel string) []string {
	var out []string
	for _, m := range r.discord.Messages(channel) {
		for _, e := range m.Embeds {
			out = append(out, e.Title)
		}
	}
	return out
}

func TestEndToEnd(t *testing.T) {
	r := newRig(t)
	r.add("Commerce widens export controls on AI chips")
	r.add("Lab publishes open weights for its new model")
	r.add("City council approves new bike lanes")

	// Backfill 0: the first poll records what is there and posts nothing.
	r.once()
	if n := len(r.slack.Posts()) + len(r.discord.Messages(discordChannel)) + len(r.discord.Messages(webhookID)); n != 0 {
		t.Fatalf("first poll with backfill 0 posted %d alerts, want none", n)
	}

	// New items are routed by topic: export controls to Slack, model
	// releases to the Discord channel, both to the webhook (all topics).
	r.add("@everyone BIS adds 12 firms to the Entity List <!channel> <@U999>")
	r.add("Startup ships an open-weight model family")
	r.add("Weather: rain expected on Tuesday")
	r.once()
	slackPosts := r.slack.Posts()
	if len(slackPosts) != 1 || !strings.Contains(slackPosts[0].Text, "Entity List") {
		t.Fatalf("slack got %q, want only the Entity List alert", r.slackTitles())
	}
	if got := r.discordTitles(discordChannel); len(got) != 1 || !strings.Contains(got[0], "open-weight model") {
		t.Fatalf("discord channel got %q, want only the model release", got)
	}
	if got := r.discordTitles(webhookID); len(got) != 2 {
		t.Fatalf("webhook got %q, want both alerts", got)
	}

	// An @everyone title pings nobody.
	for _, p := range slackPosts {
		for _, s := range append(p.Texts(), p.Text) {
			for _, live := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U999>"} {
				if strings.Contains(s, live) {
					t.Errorf("slack post holds a live mention %s: %q", live, s)
				}
			}
		}
	}
	for _, ch := range []string{discordChannel, webhookID} {
		for _, m := range r.discord.Messages(ch) {
			am := m.AllowedMentions
			if am == nil || len(am.Parse) != 0 || len(am.Users) != 0 || len(am.Roles) != 0 {
				t.Errorf("discord message in %s allows mentions %+v, want none", ch, am)
			}
			if strings.Contains(m.Content, "@everyone") {
				t.Errorf("discord content pings everyone: %q", m.Content)
			}
		}
	}
	if m := r.discord.Messages(discordChannel)[0]; m.Nonce == "" || !m.EnforceNonce {
		t.Errorf("discord post lacks a nonce with enforce_nonce: %+v", m)
	}

	// A restart (a new process on the same database) re-posts nothing,
	// even when the feed serves the same items under a new ETag.
	r.items[0].Description = "<p>updated body</p>"
	r.publish()
	r.once()
	if n := len(r.slack.Posts()); n != 1 {
		t.Fatalf("after restart slack has %d posts, want still 1", n)
	}
	if n := len(r.discord.Messages(webhookID)); n != 2 {
		t.Fatalf("after restart webhook has %d posts, want still 2", n)
	}

	// A 429 is waited out: the alert arrives after Retry-After.
	before := r.slack.Attempts("chat.postMessage")
	r.slack.Fail(1, slacktest.RateLimited("1"))
	r.add("New export controls rule for model weights")
	start := time.Now()
	r.once()
	if n := len(r.slack.Posts()); n != 2 {
		t.Fatalf("after a 429 slack has %d posts, want 2", n)
	}
	if tries := r.slack.Attempts("chat.postMessage") - before; tries != 2 {
		t.Errorf("slack saw %d attempts for one alert after a 429, want 2 (no busy loop)", tries)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("the retry came %s after the 429, before Retry-After: 1", waited)
	}
}

// TestOutageDelaysButLosesNothing runs the long-lived `run` through a 503
// outage of both platforms and checks every alert arrives exactly once.
func TestOutageDelaysButLosesNothing(t *testing.T) {
	r := newRig(t)
	r.once() // first poll of an empty feed: nothing to backfill

	r.slack.FailAlways(slacktest.Status(503))
	r.discord.Fail(discordtest.Fault{Status: 503, Times: -1})
	r.add("Entity list grows again")
	r.add("Open weights released for a vision model")

	m := r.main()
	defer m.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()

	wait := func(cond func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				cancel()
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	wait(func() bool { return r.slack.Attempts("chat.postMessage") >= 2 }, "slack retries during the outage")
	if n := len(r.slack.Posts()); n != 0 {
		t.Fatalf("slack accepted %d posts while down", n)
	}
	r.slack.Heal()
	r.discord.ClearFaults()
	wait(func() bool {
		return len(r.slack.Posts()) == 1 && len(r.discord.Messages(discordChannel)) == 1 && len(r.discord.Messages(webhookID)) == 2
	}, "every alert after the outage")
	time.Sleep(300 * time.Millisecond) // room for a wrong duplicate to show up
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop within 15s of cancel")
	}
	if n := len(r.slack.Posts()); n != 1 {
		t.Errorf("slack has %d posts, want exactly 1", n)
	}
	if n := len(r.discord.Messages(webhookID)); n != 2 {
		t.Errorf("webhook has %d posts, want exactly 2", n)
	}
}

// syncBuffer is a bytes.Buffer safe for the concurrent writers of a run.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var _ io.Writer = (*syncBuffer)(nil)
