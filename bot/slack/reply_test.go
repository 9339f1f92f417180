package slack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/slack"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
)

func checkReply(t testing.TB, r alert.Reply) []byte {
	t.Helper()
	resp := slack.RenderReply(r)
	raw, err := json.Marshal(resp)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if len(raw) > slack.MaxReplyBytes {
		t.Errorf("answer is %d bytes, limit %d", len(raw), slack.MaxReplyBytes)
	}
	if len(resp.Blocks) > 50 || len(resp.Blocks) == 0 {
		t.Errorf("%d blocks", len(resp.Blocks))
	}
	if resp.ResponseType != "ephemeral" || resp.Text == "" {
		t.Errorf("response_type %q text %q", resp.ResponseType, resp.Text)
	}
	for _, s := range slacktest.TextsOf(raw) {
		if bad := liveMarkup(s, ""); len(bad) > 0 {
			t.Errorf("live markup %q in %q", bad, s)
		}
		if brokenEntity(s) {
			t.Errorf("broken entity in %q", s)
		}
	}
	return raw
}

func TestRenderReply(t *testing.T) {
	hostileItems := func(n int) []alert.ReplyItem {
		var items []alert.ReplyItem
		for i := range n {
			items = append(items, alert.ReplyItem{
				Title: fmt.Sprintf("<!channel> item %d <@U1>", i), Link: "https://example.org/a|b>" + strings.Repeat("é", 200),
				Source: "<#C1|src>", Published: time.Unix(1700000000, 0), Topics: []string{"<!here>"},
			})
		}
		return items
	}
	tests := []struct {
		name  string
		reply alert.Reply
		want  []string
	}{
		{"empty", alert.Reply{}, []string{"Nothing to show."}},
		{"usage error", alert.Reply{Text: "usage: /radar help", Error: true}, []string{":warning: usage: /radar help"}},
		{"hostile title and text", alert.Reply{Title: "<!channel> news", Text: "&lt;!here&gt; <@U1>"},
			[]string{"*&lt;!channel&gt; news*", "&amp;lt;!here&amp;gt; &lt;@U1&gt;"}},
		{"items", alert.Reply{Title: "Latest", Items: hostileItems(3)},
			[]string{"<https://example.org/a%7Cb%3E", "|&lt;!channel&gt; item 0 &lt;@U1&gt;>", "&lt;#C1|src&gt;", "&lt;!here&gt;"}},
		{"many items trimmed", alert.Reply{Title: "Latest", Items: hostileItems(200)}, []string{"more not shown"}},
		{"many lines packed", alert.Reply{Title: "Feeds", Lines: func() []string {
			var l []string
			for i := range 300 {
				l = append(l, fmt.Sprintf("feed %d <!channel> ok", i))
			}
			return l
		}()}, []string{"feed 0 &lt;!channel&gt; ok\nfeed 1"}},
		{"huge lines trimmed", alert.Reply{Lines: func() []string {
			var l []string
			for range 100 {
				l = append(l, strings.Repeat("&<>", 2000))
			}
			return l
		}()}, []string{"more not shown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := checkReply(t, tt.reply)
			all := strings.Join(slacktest.TextsOf(raw), "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("answer lacks %q:\n%.2000s", w, all)
				}
			}
		})
	}
}

func FuzzRenderReply(f *testing.F) {
	f.Add("<!channel>", "text &amp;", "title <@U1>", "https://x|y", "line", 3)
	f.Fuzz(func(t *testing.T, title, text, itemTitle, link, line string, n int) {
		n = max(0, min(n, 100))
		r := alert.Reply{Title: title, Text: text}
		for range n {
			r.Items = append(r.Items, alert.ReplyItem{Title: itemTitle, Link: link, Source: line})
			r.Lines = append(r.Lines, line)
		}
		checkReply(t, r)
	})
}

func BenchmarkRenderReplyTrim(b *testing.B) {
	r := alert.Reply{Title: "Latest"}
	for i := range 200 {
		r.Items = append(r.Items, alert.ReplyItem{Title: fmt.Sprintf("Item %d %s", i, strings.Repeat("word ", 30)),
			Link: "https://example.org/" + strings.Repeat("x", 200)})
	}
	for b.Loop() {
		slack.RenderReply(r)
	}
}
