package discord_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/discord"
	"github.com/policyradar/policyradar/bot/discord/discordtest"
)

func newBot(t *testing.T) (*discordtest.Server, *discord.Sender) {
	t.Helper()
	srv := discordtest.New()
	t.Cleanup(srv.Close)
	s, err := discord.NewBotSender("tok", srv.APIURL(), "123", nil)
	if err != nil {
		t.Fatal(err)
	}
	return srv, s
}

func TestBotSend(t *testing.T) {
	srv, s := newBot(t)
	a := sampleAlert()
	a.Mention = "<@&456>"
	id, err := s.Send(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages("123")
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	switch {
	case m.ID != id:
		t.Errorf("id %q, want %q", id, m.ID)
	case m.Authorization != "Bot tok":
		t.Errorf("authorization %q", m.Authorization)
	case m.Nonce != discord.Nonce(a) || !m.EnforceNonce:
		t.Errorf("nonce %q enforce %v", m.Nonce, m.EnforceNonce)
	case m.Content != "<@&456>":
		t.Errorf("content %q", m.Content)
	case m.AllowedMentions == nil || len(m.AllowedMentions.Parse) != 0 || len(m.AllowedMentions.Users) != 0 ||
		len(m.AllowedMentions.Roles) != 1 || m.AllowedMentions.Roles[0] != "456":
		t.Errorf("allowed_mentions %+v", m.AllowedMentions)
	case len(m.Embeds) != 1 || m.Embeds[0].Title != a.Item.Title || m.Embeds[0].URL != a.Item.Link:
		t.Errorf("embeds %+v", m.Embeds)
	}
	if n := srv.RequestCount("/api/v10/channels/123/messages"); n != 1 {
		t.Errorf("%d requests to the configured API base, want 1", n)
	}
}

func TestHostileTitleRecordedWithoutPings(t *testing.T) {
	srv, s := newBot(t)
	for i, title := range []string{"@everyone", "<@123>", "<@&456>", "@here"} {
		a := sampleAlert()
		a.Item.Key = title
		a.Item.Title = title
		if _, err := s.Send(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		m := srv.Messages("123")[i]
		am := m.AllowedMentions
		if am == nil || am.Parse == nil || len(am.Parse)+len(am.Users)+len(am.Roles) != 0 {
			t.Errorf("%s: allowed_mentions %+v", title, am)
		}
		if !strings.Contains(string(m.Body), `"parse":[]`) {
			t.Errorf("%s: body lacks parse []: %s", title, m.Body)
		}
		if m.Content != "" {
			t.Errorf("%s: content %q", title, m.Content)
		}
	}
}

func TestRetryCannotPostTwice(t *testing.T) {
	srv, s := newBot(t)
	a := sampleAlert()
	// The first post is created but its answer is lost; the retry, with the
	// same nonce, must get the original back.
	srv.Fail(discordtest.Fault{Malformed: true})
	if _, err := s.Send(context.Background(), a); err == nil {
		t.Fatal("malformed answer accepted")
	}
	a.Attempt = 2
	id, err := s.Send(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages("123")
	if len(msgs) != 1 || msgs[0].ID != id {
		t.Fatalf("%d messages (want 1), id %q", len(msgs), id)
	}
	if n := srv.RequestCount("/messages"); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name       string
		fault      discordtest.Fault
		rateLimit  time.Duration // want *alert.RateLimitedError with this wait
		global     bool
		permanent  string // want a permanent error with this reason
		retryPlain bool   // want a plain (retried) error
	}{
		{name: "429 header larger", fault: discordtest.Fault{Status: 429, RetryAfter: 3 * time.Second, BodyRetryAfter: 1500 * time.Millisecond}, rateLimit: 3 * time.Second},
		{name: "429 body larger", fault: discordtest.Fault{Status: 429, RetryAfter: 2 * time.Second, BodyRetryAfter: 7250 * time.Millisecond}, rateLimit: 7250 * time.Millisecond},
		{name: "429 body only", fault: discordtest.Fault{Status: 429, BodyRetryAfter: 500 * time.Millisecond}, rateLimit: 500 * time.Millisecond},
		{name: "429 header only", fault: discordtest.Fault{Status: 429, RetryAfter: 4 * time.Second}, rateLimit: 4 * time.Second},
		{name: "429 global", fault: discordtest.Fault{Status: 429, BodyRetryAfter: time.Second, Global: true}, rateLimit: time.Second, global: true},
		{name: "500", fault: discordtest.Fault{Status: 500}, retryPlain: true},
		{name: "502", fault: discordtest.Fault{Status: 502}, retryPlain: true},
		{name: "503", fault: discordtest.Fault{Status: 503}, retryPlain: true},
		{name: "malformed JSON", fault: discordtest.Fault{Malformed: true}, retryPlain: true},
		{name: "401", fault: discordtest.Fault{Status: 401}, permanent: "401 Unauthorized: 401: Unauthorized"},
		{name: "403", fault: discordtest.Fault{Status: 403}, permanent: "403 Forbidden: Missing Access"},
		{name: "404", fault: discordtest.Fault{Status: 404}, permanent: "404 Not Found: Unknown Channel"},
		{name: "400", fault: discordtest.Fault{Status: 400, Message: "Invalid Form Body"}, permanent: "400 Bad Request: Invalid Form Body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, s := newBot(t)
			srv.Fail(tt.fault)
			_, err := s.Send(context.Background(), sampleAlert())
			if err == nil {
				t.Fatal("no error")
			}
			var rl *alert.RateLimitedError
			var pe *alert.PermanentError
			switch {
			case tt.rateLimit > 0:
				if !errors.As(err, &rl) || rl.RetryAfter != tt.rateLimit || rl.Global != tt.global {
					t.Errorf("got %v (%#v), want rate limit %s global %v", err, rl, tt.rateLimit, tt.global)
				}
			case tt.permanent != "":
				if !errors.Is(err, alert.ErrPermanent) || !errors.As(err, &pe) || pe.Reason != tt.permanent {
					t.Errorf("got %v, want permanent %q", err, tt.permanent)
				}
			case tt.retryPlain:
				if errors.As(err, &rl) || errors.Is(err, alert.ErrPermanent) {
					t.Errorf("got %v, want a plain error", err)
				}
			}
			// discordgo must not have retried on its own.
			if n := srv.RequestCount("/messages"); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestContextCancelled(t *testing.T) {
	t.Run("hung request", func(t *testing.T) {
		srv, s := newBot(t)
		srv.Fail(discordtest.Fault{Hang: true})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := s.Send(ctx, sampleAlert())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want deadline exceeded", err)
		}
	})
	t.Run("wait after 429", func(t *testing.T) {
		srv, s := newBot(t)
		srv.Fail(discordtest.Fault{Status: 429, RetryAfter: time.Hour})
		if _, err := s.Send(context.Background(), sampleAlert()); err == nil {
			t.Fatal("429 accepted")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := s.Send(ctx, sampleAlert())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want deadline exceeded", err)
		}
		if n := srv.RequestCount("/messages"); n != 1 {
			t.Errorf("%d requests, want 1: the second send must wait out the limit", n)
		}
	})
}

func TestWebhookSend(t *testing.T) {
	srv := discordtest.New()
	defer srv.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := discord.NewWebhookSender(srv.WebhookURL("77", "s3cret-token"), logger)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Send(context.Background(), sampleAlert())
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages("77")
	if len(msgs) != 1 || msgs[0].ID != id || !msgs[0].Webhook {
		t.Fatalf("messages %+v, id %q", msgs, id)
	}
	if msgs[0].Authorization != "" || strings.Contains(string(msgs[0].Body), "nonce") {
		t.Errorf("webhook post carries auth %q or a nonce: %s", msgs[0].Authorization, msgs[0].Body)
	}
	if msgs[0].AllowedMentions == nil || msgs[0].AllowedMentions.Parse == nil {
		t.Errorf("allowed_mentions %+v", msgs[0].AllowedMentions)
	}

	for _, f := range []discordtest.Fault{{Status: 404}, {Status: 503}, {Status: 429, BodyRetryAfter: 10 * time.Millisecond}, {Malformed: true}} {
		srv.Fail(f)
		if _, err := s.Send(context.Background(), sampleAlert()); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("fault %+v: error %v", f, err)
		}
	}
	srv.Fail(discordtest.Fault{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := s.Send(ctx, sampleAlert()); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("hung: error %v", err)
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("the webhook token was logged: %s", logs.String())
	}
}

func TestBadConfig(t *testing.T) {
	for _, u := range []string{"", "ftp://x/api/webhooks/1/s3cret", "https://discord.com/api/webhooks/abc/s3cret", "https://discord.com/s3cret", "::s3cret"} {
		if _, err := discord.NewWebhookSender(u, nil); err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("webhook %q: error %v", u, err)
		}
	}
	if _, err := discord.NewBotSender("t", "http://127.0.0.1:1/api/v10", "general", nil); err == nil {
		t.Error("non-numeric channel accepted")
	}
	if _, err := discord.NewBotSender("t", "discord.com", "1", nil); err == nil {
		t.Error("API URL without scheme accepted")
	}
	if _, err := discord.NewBotSender("", "http://127.0.0.1:1/api/v10", "1", nil); err == nil {
		t.Error("empty token accepted")
	}
}
