package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/slack"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
)

const testToken = "xoxb-test-secret-token"

func TestSendPosts(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	s := slack.NewSender(testToken, srv.URL(), "C0123ABCD", nil)

	a := sampleAlert()
	a.Mention = "<!here>"
	a.Item.Title = "<!channel> @everyone <@U123> wins"
	ts, err := s.Send(context.Background(), a)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	posts := srv.Posts()
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want 1", len(posts))
	}
	p := posts[0]
	if ts == "" || ts != p.TS {
		t.Errorf("ts %q, the fake answered %q", ts, p.TS)
	}
	checks := []struct{ name, got, want string }{
		{"channel", p.Channel, "C0123ABCD"},
		{"token", p.Token, testToken},
		{"unfurl_links", p.UnfurlLinks, "false"},
		{"unfurl_media", p.UnfurlMedia, "false"},
		{"parse", p.Parse, "none"},
		{"link_names", p.LinkNames, "false"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	wantText, _ := slack.Blocks(a)
	if p.Text != wantText {
		t.Errorf("text %q, want %q", p.Text, wantText)
	}
	var blocks []map[string]any
	if err := json.Unmarshal(p.Blocks, &blocks); err != nil || len(blocks) != 3 {
		t.Fatalf("blocks %s: %v", p.Blocks, err)
	}
	// What arrived, not only what Blocks built, must hold no live markup
	// but the channel's own mention.
	for _, s := range p.Texts() {
		if bad := liveMarkup(s, a.Mention); len(bad) > 0 {
			t.Errorf("live markup %q in posted text %q", bad, s)
		}
	}
	if !strings.HasPrefix(p.Text, "<!here> ") {
		t.Errorf("the channel's mention is missing from %q", p.Text)
	}
}

func TestSendErrors(t *testing.T) {
	type want int
	const (
		ok want = iota
		retry
		limited
		permanent
		canceled
	)
	tests := []struct {
		name      string
		fault     slacktest.Fault
		want      want
		retryWait time.Duration // for limited
		reason    string        // for permanent
	}{
		{"429 with Retry-After", slacktest.RateLimited("7"), limited, 7 * time.Second, ""},
		{"429 with zero Retry-After", slacktest.RateLimited("0"), limited, time.Second, ""},
		{"429 without Retry-After", slacktest.RateLimited(""), limited, time.Second, ""},
		{"429 with unreadable Retry-After", slacktest.RateLimited("soon"), limited, time.Second, ""},
		{"500", slacktest.Status(500), retry, 0, ""},
		{"502", slacktest.Status(502), retry, 0, ""},
		{"503", slacktest.Status(503), retry, 0, ""},
		{"404 from a wrong api_url", slacktest.Status(404), permanent, 0, "404 Not Found"},
		{"ok:false ratelimited with Retry-After", slacktest.SlackError("ratelimited", "3"), limited, 3 * time.Second, ""},
		{"ok:false ratelimited", slacktest.SlackError("ratelimited"), limited, time.Second, ""},
		{"internal_error", slacktest.SlackError("internal_error"), retry, 0, ""},
		{"fatal_error", slacktest.SlackError("fatal_error"), retry, 0, ""},
		{"service_unavailable", slacktest.SlackError("service_unavailable"), retry, 0, ""},
		{"request_timeout", slacktest.SlackError("request_timeout"), retry, 0, ""},
		{"malformed JSON", slacktest.MalformedJSON(), retry, 0, ""},
		{"slow but in time", slacktest.Slow(20 * time.Millisecond), ok, 0, ""},
		{"hang", slacktest.Hang(), canceled, 0, ""},
	}
	for _, code := range []string{
		"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "not_authed",
		"account_inactive", "token_revoked", "missing_scope", "msg_too_long", "invalid_blocks",
		"restricted_action", "some_future_error",
	} {
		tests = append(tests, struct {
			name      string
			fault     slacktest.Fault
			want      want
			retryWait time.Duration
			reason    string
		}{code, slacktest.SlackError(code), permanent, 0, code})
	}
	srv := slacktest.New()
	defer srv.Close()
	s := slack.NewSender(testToken, srv.URL(), "C0123ABCD", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.Heal()
			srv.Fail(1, tt.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if tt.want == canceled {
				cancel()
				ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
			}
			defer cancel()
			before := len(srv.Posts())
			_, err := s.Send(ctx, sampleAlert())

			var rl *alert.RateLimitedError
			var pe *alert.PermanentError
			switch tt.want {
			case ok:
				if err != nil {
					t.Fatalf("send: %v", err)
				}
				if len(srv.Posts()) != before+1 {
					t.Errorf("not posted")
				}
				return
			case limited:
				if !errors.As(err, &rl) {
					t.Fatalf("got %v, want a rate limit", err)
				}
				if rl.RetryAfter != tt.retryWait {
					t.Errorf("retry after %s, want %s", rl.RetryAfter, tt.retryWait)
				}
			case permanent:
				if !errors.Is(err, alert.ErrPermanent) || !errors.As(err, &pe) {
					t.Fatalf("got %v, want permanent", err)
				}
				if pe.Reason != tt.reason {
					t.Errorf("reason %q, want %q", pe.Reason, tt.reason)
				}
			case retry:
				if err == nil || errors.Is(err, alert.ErrPermanent) || errors.As(err, &rl) {
					t.Fatalf("got %v, want a plain retryable error", err)
				}
			case canceled:
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("got %v, want the context's deadline", err)
				}
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error reveals the token: %v", err)
			}
			if len(srv.Posts()) != before {
				t.Errorf("a failed send was recorded as posted")
			}
		})
	}
}

func TestSendNetworkError(t *testing.T) {
	srv := slacktest.New()
	url := srv.URL()
	srv.Close()
	s := slack.NewSender(testToken, url, "C0123ABCD", nil)
	_, err := s.Send(context.Background(), sampleAlert())
	var rl *alert.RateLimitedError
	if err == nil || errors.Is(err, alert.ErrPermanent) || errors.As(err, &rl) {
		t.Fatalf("got %v, want a plain retryable error", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error reveals the token: %v", err)
	}
}

func TestSendRecoversAfterFaults(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	s := slack.NewSender(testToken, strings.TrimSuffix(srv.URL(), "/"), "C0123ABCD", nil)
	srv.Fail(2, slacktest.Status(503))
	for i := range 3 {
		_, err := s.Send(context.Background(), sampleAlert())
		if (err == nil) != (i == 2) {
			t.Fatalf("attempt %d: err %v", i+1, err)
		}
	}
	if n := srv.Attempts("chat.postMessage"); n != 3 {
		t.Errorf("%d attempts reached the fake, want 3", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := srv.WaitPosts(ctx, 1); err != nil {
		t.Fatal(err)
	}
}
