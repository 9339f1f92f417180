package slacktest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/slack/slacktest"
)

func post(t *testing.T, srv *slacktest.Server, method string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(srv.URL()+method, form)
	if err != nil {
		t.Fatalf("post %s: %v", method, err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestFaultsAreUsedUpInOrder(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	srv.Fail(1, slacktest.Status(503))
	srv.Fail(1, slacktest.SlackError("channel_not_found"))
	srv.Fail(1, slacktest.Status(500).On("auth.test"))
	form := url.Values{"token": {"xoxb-1"}, "channel": {"C1"}, "text": {"hi"}}

	tests := []struct {
		name   string
		method string
		status int
		ok     bool
		errStr string
	}{
		{"first post gets 503", "chat.postMessage", 503, false, ""},
		{"auth.test gets its own fault", "auth.test", 500, false, ""},
		{"second post gets ok:false", "chat.postMessage", 200, false, "channel_not_found"},
		{"third post is accepted", "chat.postMessage", 200, true, ""},
		{"auth.test is healthy again", "auth.test", 200, true, ""},
	}
	for _, tt := range tests {
		status, body := post(t, srv, tt.method, form)
		if status != tt.status || (status == 200 && body["ok"] != tt.ok) {
			t.Errorf("%s: status %d body %v", tt.name, status, body)
		}
		if tt.errStr != "" && body["error"] != tt.errStr {
			t.Errorf("%s: error %v, want %s", tt.name, body["error"], tt.errStr)
		}
	}
	if got := len(srv.Posts()); got != 1 {
		t.Errorf("%d posts recorded, want 1", got)
	}
	if got := srv.Attempts("chat.postMessage"); got != 3 {
		t.Errorf("%d attempts, want 3", got)
	}
}

func TestFailAlwaysAndHeal(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	srv.FailAlways(slacktest.RateLimited("9"))
	form := url.Values{"token": {"xoxb-1"}, "channel": {"C1"}, "text": {"hi"}}
	for range 3 {
		if status, _ := post(t, srv, "chat.postMessage", form); status != http.StatusTooManyRequests {
			t.Fatalf("status %d, want 429", status)
		}
	}
	srv.Heal()
	if status, body := post(t, srv, "chat.postMessage", form); status != 200 || body["ok"] != true {
		t.Fatalf("after Heal: %d %v", status, body)
	}
}

func TestPostRecordsTokenAndTexts(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"chat.postMessage",
		stringsReader(url.Values{"channel": {"C9"}, "text": {"top"},
			"blocks": {`[{"type":"section","text":{"type":"mrkdwn","text":"inner"}}]`}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer xoxb-header")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	posts, err := srv.WaitPosts(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := posts[0]
	if p.Token != "xoxb-header" || p.Channel != "C9" {
		t.Errorf("token %q channel %q", p.Token, p.Channel)
	}
	if got := p.Texts(); !slices.Equal(got, []string{"top", "inner"}) {
		t.Errorf("texts %q", got)
	}
}

func TestWaitPostsTimesOut(t *testing.T) {
	srv := slacktest.New()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := srv.WaitPosts(ctx, 1); err == nil {
		t.Fatal("WaitPosts returned without posts")
	}
}

func TestCloseReleasesHangingRequests(t *testing.T) {
	srv := slacktest.New()
	srv.FailAlways(slacktest.Hang())
	done := make(chan error, 1)
	go func() {
		_, err := http.PostForm(srv.URL()+"chat.postMessage", url.Values{"token": {"x"}})
		done <- err
	}()
	for srv.Attempts("chat.postMessage") == 0 {
		time.Sleep(time.Millisecond)
	}
	srv.Close() // must not block on the hanging request
	<-done
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
