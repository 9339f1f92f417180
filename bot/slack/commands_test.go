package slack_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/slack"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
)

// echo answers with what it was asked, so tests can see the command arrive
// intact and the answer come back rendered.
func echo(_ context.Context, cmd alert.Command) alert.Reply {
	r := alert.Reply{
		Title: "echo " + cmd.Name,
		Text:  fmt.Sprintf("platform=%s user=%s channel=%s args=%s", cmd.Platform, cmd.User, cmd.Channel, strings.Join(cmd.Args, ",")),
		Lines: []string{"raw=" + cmd.Text},
	}
	if cmd.Name == "latest" {
		r.Items = []alert.ReplyItem{{Title: "Item <!channel>", Link: "https://example.org/1", Source: "Src",
			Published: time.Unix(1700000000, 0), Topics: []string{"export-controls"}}}
	}
	if cmd.Name == "" || cmd.Name == "bogus" {
		r = alert.Reply{Text: "usage: /radar latest [topic] [count] | search WORDS | topics | feeds | help", Error: true}
	}
	return r
}

var subcommands = []struct {
	text string
	want []string // substrings of the rendered answer
}{
	{"latest", []string{"*echo latest*", "args=", "<https://example.org/1|Item &lt;!channel&gt;>"}},
	{"latest export-controls 3", []string{"*echo latest*", "args=export-controls,3"}},
	{"search open weights <@U1>", []string{"*echo search*", "args=open,weights,&lt;@U1&gt;", "raw=search open weights &lt;@U1&gt;"}},
	{"topics", []string{"*echo topics*", "platform=slack user=U0TESTER channel=C0123ABCD"}},
	{"feeds", []string{"*echo feeds*"}},
	{"help", []string{"*echo help*"}},
	{"  bogus  ", []string{":warning: usage: /radar latest"}},
	{"", []string{":warning: usage: /radar latest"}},
}

// checkAnswer decodes an ephemeral answer and checks its texts.
func checkAnswer(t *testing.T, raw []byte, want []string) {
	t.Helper()
	var resp struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	if resp.ResponseType != "ephemeral" {
		t.Errorf("response_type %q, want ephemeral", resp.ResponseType)
	}
	texts := slacktest.TextsOf(raw)
	all := strings.Join(texts, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("answer lacks %q:\n%s", w, all)
		}
	}
	for _, s := range texts {
		if bad := liveMarkup(s, ""); len(bad) > 0 {
			t.Errorf("live markup %q in answer %q", bad, s)
		}
	}
}

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

// signed builds a slash command request signed at ts with key.
func signed(key string, ts time.Time, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	stamp := strconv.FormatInt(ts.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(mac, "v0:%s:%s", stamp, body)
	r.Header.Set("X-Slack-Request-Timestamp", stamp)
	r.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	return r
}

func commandForm(text, responseURL string) string {
	return url.Values{
		"command": {"/radar"}, "text": {text}, "user_id": {"U0TESTER"}, "channel_id": {"C0123ABCD"},
		"team_id": {"T00000001"}, "response_url": {responseURL},
	}.Encode()
}

func TestHTTPCommands(t *testing.T) {
	h := slack.NewCommandHandler(secret, echo, nil)
	for _, sc := range subcommands {
		t.Run(sc.text, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, signed(secret, time.Now(), commandForm(sc.text, "")))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			checkAnswer(t, w.Body.Bytes(), sc.want)
		})
	}
}

func TestHTTPRefusesBadRequests(t *testing.T) {
	body := commandForm("latest", "")
	now := time.Now()
	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"forged with another secret", func() *http.Request { return signed("not-the-secret", now, body) }, 401},
		{"missing signature", func() *http.Request {
			r := signed(secret, now, body)
			r.Header.Del("X-Slack-Signature")
			return r
		}, 401},
		{"missing timestamp", func() *http.Request {
			r := signed(secret, now, body)
			r.Header.Del("X-Slack-Request-Timestamp")
			return r
		}, 401},
		{"malformed signature", func() *http.Request {
			r := signed(secret, now, body)
			r.Header.Set("X-Slack-Signature", "v0=zz")
			return r
		}, 401},
		{"signature without version", func() *http.Request {
			r := signed(secret, now, body)
			r.Header.Set("X-Slack-Signature", strings.TrimPrefix(r.Header.Get("X-Slack-Signature"), "v0="))
			return r
		}, 401},
		{"replayed with an altered body", func() *http.Request {
			r := signed(secret, now, body)
			altered := commandForm("feeds", "")
			r.Body = io.NopCloser(strings.NewReader(altered))
			r.ContentLength = int64(len(altered))
			return r
		}, 401},
		{"replayed with another timestamp", func() *http.Request {
			r := signed(secret, now, body)
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix()-1, 10))
			return r
		}, 401},
		{"stale timestamp, correctly signed", func() *http.Request { return signed(secret, now.Add(-6*time.Minute), body) }, 401},
		{"timestamp from the future", func() *http.Request { return signed(secret, now.Add(6*time.Minute), body) }, 401},
		{"oversized body, correctly signed", func() *http.Request {
			return signed(secret, now, body+"&pad="+strings.Repeat("x", slack.MaxCommandBody))
		}, 413},
		{"GET", func() *http.Request { return httptest.NewRequest(http.MethodGet, "/slack/commands", nil) }, 405},
		{"4 minutes old is still fine", func() *http.Request { return signed(secret, now.Add(-4*time.Minute), body) }, 200},
	}
	called := 0
	h := slack.NewCommandHandler(secret, func(ctx context.Context, cmd alert.Command) alert.Reply {
		called++
		return echo(ctx, cmd)
	}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := called
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.req())
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if tt.want != 200 && called != before {
				t.Errorf("the handler ran for a refused request")
			}
		})
	}
}

func TestHTTPSlowHandlerAnswersLater(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	release := make(chan struct{})
	h := slack.NewCommandHandler(secret, func(ctx context.Context, cmd alert.Command) alert.Reply {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return echo(ctx, cmd)
	}, nil)
	ts := httptest.NewServer(h)
	defer ts.Close()

	req := signed(secret, time.Now(), commandForm("feeds", srv.ResponseURL("late-1")))
	req.RequestURI = ""
	req.URL, _ = url.Parse(ts.URL + "/slack/commands")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// The ack arrives although the handler is still blocked.
	ack, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ack %d %s: %v", resp.StatusCode, ack, err)
	}
	checkAnswer(t, ack, []string{"Still working on it"})
	close(release)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	got, err := srv.WaitResponses(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].EnvelopeID != "late-1" {
		t.Errorf("posted to %q", got[0].EnvelopeID)
	}
	checkAnswer(t, got[0].Body, []string{"*echo feeds*"})
}

func TestHTTPHandlerPanic(t *testing.T) {
	h := slack.NewCommandHandler(secret, func(context.Context, alert.Command) alert.Reply { panic("boom") }, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signed(secret, time.Now(), commandForm("latest", "")))
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	checkAnswer(t, w.Body.Bytes(), []string{"Something went wrong"})
	if strings.Contains(w.Body.String(), "boom") {
		t.Errorf("panic value leaked into the answer: %s", w.Body)
	}
}

// runSocketMode starts a SocketMode against srv and returns a stop function
// that cancels it and checks that Run returned nil.
func runSocketMode(t *testing.T, srv *slacktest.Server, appToken string, h slack.Handler) (stop func() error) {
	t.Helper()
	sm := slack.NewSocketMode(appToken, "xoxb-bot", srv.URL(), h, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sm.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

func TestSocketModeCommands(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := slacktest.New()
	defer srv.Close()
	stop := runSocketMode(t, srv, "xapp-test", echo)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitConnections(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, sc := range subcommands {
		t.Run(sc.text, func(t *testing.T) {
			ack, err := srv.Radar(ctx, sc.text)
			if err != nil {
				t.Fatal(err)
			}
			checkAnswer(t, ack.Payload, sc.want)
		})
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestSocketModeReconnects(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := slacktest.New()
	defer srv.Close()
	srv.SetPingInterval(20 * time.Millisecond)
	stop := runSocketMode(t, srv, "xapp-test", echo)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	steps := []struct {
		name string
		cut  func()
	}{
		{"first connection", func() {}},
		{"after the socket dropped", func() {
			if srv.DropSocket() != 1 {
				t.Fatal("no socket to drop")
			}
		}},
		{"after Slack asked to reconnect", srv.Disconnect},
		{"after apps.connections.open failed once", func() {
			srv.Fail(1, slacktest.Status(503).On("apps.connections.open"))
			srv.DropSocket()
		}},
	}
	for i, st := range steps {
		st.cut()
		if err := srv.WaitConnections(ctx, i+1); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		ack, err := srv.Radar(ctx, "latest export-controls 3")
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		checkAnswer(t, ack.Payload, []string{"args=export-controls,3"})
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
	srv.Close()
}

func TestSocketModeRefusedToken(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := slacktest.New()
	defer srv.Close()
	sm := slack.NewSocketMode("xoxb-not-an-app-token", "xoxb-bot", srv.URL(), echo, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := sm.Run(ctx)
	if err == nil || ctx.Err() != nil {
		t.Fatalf("Run = %v (ctx %v), want an early error", err, ctx.Err())
	}
	if !strings.Contains(err.Error(), "not_allowed_token_type") {
		t.Errorf("error %v does not say why", err)
	}
}

func TestSocketModeLargeAnswerIsTrimmed(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := slacktest.New()
	defer srv.Close()
	big := func(context.Context, alert.Command) alert.Reply {
		r := alert.Reply{Title: "Latest"}
		for i := range 200 {
			r.Items = append(r.Items, alert.ReplyItem{
				Title: fmt.Sprintf("Item %d %s", i, strings.Repeat("<&> ", 60)),
				Link:  "https://example.org/" + strings.Repeat("x", 300), Source: "S", Topics: []string{"t"},
			})
		}
		return r
	}
	stop := runSocketMode(t, srv, "xapp-test", big)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := srv.Radar(ctx, "latest")
	if err != nil {
		t.Fatal(err)
	}
	if len(ack.Payload) > 20*1024 {
		t.Errorf("ack payload %d bytes", len(ack.Payload))
	}
	checkAnswer(t, ack.Payload, []string{"*Latest*", "more not shown"})
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}
