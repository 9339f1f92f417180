package crash_test

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/discord/discordtest"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/internal/proctest"
)

// TestSecretsStayOutOfLogs runs a whole session with every secret set —
// Slack bot and app tokens and signing secret, a Discord bot token, two
// webhooks (one refusing connections), a public key — through platform
// failures (invalid_auth, 401, 403, 429, 5xx, a refused connection) and
// slash commands with bad signatures, then searches everything the process
// printed for each secret. It also checks the database files are 0600.
func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	w.publish(8)
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{
		"SLACK_BOT_TOKEN":      "xoxb-1111-2222-SLACKBOTSECRET",
		"SLACK_APP_TOKEN":      "xapp-1-A111-3333-SLACKAPPSECRET",
		"SLACK_SIGNING_SECRET": "8f14e45fceea167a5a36dedd4bea2543",
		"DISCORD_BOT_TOKEN":    "MTEx.DISCORDBOTSECRET.abcdefghijklmnop",
		"WEBHOOK_TOKEN":        "WEBHOOKSECRETtoken-abcdefghijklmnopqrstuvwxyz0123456789",
		"DEAD_WEBHOOK_TOKEN":   "DEADHOOKSECRET-zyxwvutsrqponmlkjihgfedcba",
	}
	webhook := w.discord.WebhookURL("4242", secrets["WEBHOOK_TOKEN"])
	deadWebhook := "http://127.0.0.1:1/api/webhooks/4343/" + secrets["DEAD_WEBHOOK_TOKEN"]
	var env []string
	for k, v := range secrets {
		env = append(env, k+"="+v)
	}
	env = append(env, "WEBHOOK_URL="+webhook, "DEAD_WEBHOOK_URL="+deadWebhook, "POLICYRADAR_LOG_LEVEL=debug")

	addr := proctest.FreeAddr(t)
	dir := t.TempDir()
	cfg := proctest.WriteConfig(t, dir, fmt.Sprintf(`
storage: {path: data/radar.db}
http: {listen: %q}
poll: {interval: 1s, backfill: 100}
feeds: [{url: %q, name: Wire}]
topics: [{id: alpha, any: [alpha, bravo, charlie, delta, echo, foxtrot]}]
channels:
  - slack: C0SECRET1
  - discord: "112233445566778899"
  - discord_webhook: ${WEBHOOK_URL}
  - discord_webhook: ${DEAD_WEBHOOK_URL}
slack:
  token: ${SLACK_BOT_TOKEN}
  app_token: ${SLACK_APP_TOKEN}
  signing_secret: ${SLACK_SIGNING_SECRET}
  api_url: %s
discord:
  token: ${DISCORD_BOT_TOKEN}
  application_id: "223344556677889900"
  public_key: %s
  api_url: %s
`, addr, w.feeds.URL(feedPath), w.slack.URL(), hex.EncodeToString(pub), w.discord.APIURL()))

	// Every kind of platform failure, each once.
	w.slack.Fail(1, slacktest.SlackError("invalid_auth"))
	w.slack.Fail(1, slacktest.RateLimited("1"))
	w.slack.Fail(1, slacktest.Status(503))
	w.slack.Fail(1, slacktest.MalformedJSON())
	w.discord.Fail(discordtest.Fault{Path: "/channels/", Status: 401})
	w.discord.Fail(discordtest.Fault{Path: "/channels/", Status: 403})
	w.discord.Fail(discordtest.Fault{Path: "/channels/", Status: 429, RetryAfter: time.Second})
	w.discord.Fail(discordtest.Fault{Path: "/webhooks/", Status: 502})
	w.discord.Fail(discordtest.Fault{Path: "/webhooks/", Status: 404})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bin := proctest.Build(t)
	p := proctest.StartWith(t, proctest.Options{Bin: bin, Dir: dir, Args: []string{"run", "-config", cfg}, Env: env})
	if _, _, err := p.WaitHealth(ctx, func(code int, _ map[string]any) bool { return code == 200 }); err != nil {
		t.Fatal(err)
	}

	// Slash commands over HTTP: forged, stale and unsigned requests are
	// refused; a signed one is answered.
	form := url.Values{"command": {"/radar"}, "text": {"latest"}, "user_id": {"U1"}, "channel_id": {"C0SECRET1"}}.Encode()
	now := time.Now().Unix()
	for _, tc := range []struct {
		name string
		ts   int64
		sig  string
		want int
	}{
		{"forged signature", now, "v0=" + strings.Repeat("ab", 32), http.StatusUnauthorized},
		{"no signature", now, "", http.StatusUnauthorized},
		{"stale timestamp", now - 600, slackSig(secrets["SLACK_SIGNING_SECRET"], now-600, form), http.StatusUnauthorized},
		{"signed", now, slackSig(secrets["SLACK_SIGNING_SECRET"], now, form), http.StatusOK},
	} {
		if got := post(t, "http://"+addr+"/slack/commands", form, map[string]string{
			"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": strconv.FormatInt(tc.ts, 10),
			"X-Slack-Signature": tc.sig}); got != tc.want {
			t.Errorf("slack command, %s: status %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := post(t, "http://"+addr+"/discord/interactions", `{"type":1}`, map[string]string{
		"Content-Type": "application/json", "X-Signature-Ed25519": strings.Repeat("00", 64),
		"X-Signature-Timestamp": strconv.FormatInt(now, 10)}); got != http.StatusUnauthorized {
		t.Errorf("discord interaction with a bad signature: status %d, want 401", got)
	}

	// Let the failures play out: every alert but the ones refused for good
	// (invalid_auth, 401, 403, 404) arrives.
	for len(w.slack.Posts()) < 7 || len(w.discord.Messages("112233445566778899")) < 6 || len(w.discord.Messages("4242")) < 7 {
		select {
		case <-ctx.Done():
			t.Fatalf("deliveries did not settle: Slack %d, Discord %d, webhook %d", len(w.slack.Posts()),
				len(w.discord.Messages("112233445566778899")), len(w.discord.Messages("4242")))
		case <-time.After(50 * time.Millisecond):
		}
	}
	time.Sleep(2 * time.Second) // the dead webhook retries and logs some more
	if _, code, err := p.Term(); err != nil || code != 0 {
		t.Errorf("SIGTERM: exit %d: %v", code, err)
	}

	out := p.Stdout() + p.Stderr()
	if !strings.Contains(out, "policyradar starting") || !strings.Contains(out, "send failed") {
		t.Fatalf("the session logged too little to prove anything:\n%s", out)
	}
	for name, secret := range secrets {
		if strings.Contains(out, secret) {
			t.Errorf("the logs hold %s:\n%s", name, lineWith(out, secret))
		}
	}
	for _, u := range []string{webhook, deadWebhook} {
		if strings.Contains(out, u) {
			t.Errorf("the logs hold a webhook URL %s", u)
		}
	}
	for _, f := range []string{"radar.db", "radar.db-wal", "radar.db-shm"} {
		st, err := os.Stat(filepath.Join(dir, "data", f))
		if err != nil {
			if f == "radar.db" {
				t.Error(err)
			}
			continue
		}
		if mode := st.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", f, mode)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "data")); err == nil && st.Mode().Perm()&0o077 != 0 {
		t.Errorf("the database folder has mode %o, want no access for group and others", st.Mode().Perm())
	}
}

func slackSig(secret string, ts int64, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func post(t *testing.T, u, body string, headers map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
