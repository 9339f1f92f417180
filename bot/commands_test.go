package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/store"
)

func commandsFixture(t *testing.T) *bot.Commands {
	t.Helper()
	st := openStore(t)
	ctx := context.Background()
	now := time.Now()
	mk := func(feed, key, title string, age time.Duration, topics ...string) store.IngestItem {
		ii := store.IngestItem{Item: alert.Item{FeedURL: feed, Key: key, Link: "https://news.example/" + key, Title: title,
			Summary: "About " + title, Published: now.Add(-age), Dated: true}, Topics: topics}
		if len(topics) > 0 {
			ii.Alerts = []store.QueuedAlert{{Channel: "console", Topics: topics}}
		}
		return ii
	}
	_, err := st.Ingest(ctx, store.Batch{State: store.FeedState{URL: "https://a.example/feed", Title: "Wire A", LastSuccess: now}, AlertLimit: -1,
		Items: []store.IngestItem{
			mk("https://a.example/feed", "1", "BIS adds firms to the Entity List", 3*time.Hour, "export-controls"),
			mk("https://a.example/feed", "2", "New open weights model from a lab", 2*time.Hour, "model-releases"),
			mk("https://a.example/feed", "3", "Chip export controls tightened", time.Hour, "export-controls"),
			mk("https://a.example/feed", "4", "Local bakery wins prize", 30*time.Minute),
		}})
	if err != nil {
		t.Fatal(err)
	}
	err = st.SaveFeedState(ctx, store.FeedState{URL: "https://b.example/feed", LastError: "fetch: 503 Service Unavailable",
		FailingSince: now.Add(-2 * time.Hour), Failures: 4, LastPoll: now})
	if err != nil {
		t.Fatal(err)
	}
	return &bot.Commands{Store: st,
		Topics: []bot.TopicInfo{
			{Topic: alert.Topic{ID: "export-controls", Name: "Export controls"}, Keywords: 7},
			{Topic: alert.Topic{ID: "model-releases", Name: "Model releases"}, Keywords: 12, High: true},
		},
		Feeds: []bot.FeedInfo{{URL: "https://a.example/feed", Name: "Wire A"}, {URL: "https://b.example/feed", Name: "Wire B"}, {URL: "https://c.example/feed"}},
	}
}

func replyText(r alert.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Text + "\n")
	for _, it := range r.Items {
		b.WriteString("item: " + it.Title + "\n")
	}
	for _, l := range r.Lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func TestCommands(t *testing.T) {
	c := commandsFixture(t)
	cases := []struct {
		text    string
		want    []string // substrings of the answer, in order
		notWant []string
		items   int // -1: don't check
		isErr   bool
	}{
		{text: "latest", want: []string{"item: Chip export controls", "item: New open weights", "item: BIS adds"}, notWant: []string{"bakery"}, items: 3},
		{text: "latest export-controls", want: []string{"Export controls", "item: Chip export", "item: BIS adds"}, notWant: []string{"open weights"}, items: 2},
		{text: "latest export-controls 1", want: []string{"item: Chip export"}, items: 1},
		{text: "latest 2", want: []string{"item: Chip export", "item: New open weights"}, items: 2},
		{text: "latest 500", items: 3},
		{text: "latest nosuch", want: []string{`Unknown topic "nosuch"`, "export-controls, model-releases"}, items: 0, isErr: true},
		{text: "latest 0", want: []string{"1 to 20", "Usage"}, isErr: true, items: 0},
		{text: "search entity list", want: []string{"item: BIS adds"}, items: 1},
		{text: `search "entity* NEAR(list) -x title:y`, items: -1},
		{text: "search", want: []string{"Say what to search for"}, isErr: true, items: 0},
		{text: "topics", want: []string{"Export controls (export-controls) — 7 keywords · 2 items", "Model releases (model-releases) — 12 keywords · 1 items", "high priority"}, items: 0},
		{text: "feeds", want: []string{"1 of 3 feeds are failing", "Wire A — ok", "4 items", "Wire B", "FAILING since 2h", "503 Service Unavailable", "https://c.example/feed — not polled yet"}, items: 0},
		{text: "help", want: []string{"latest [topic] [count]", "search WORDS", "topics", "feeds", "help"}, items: 0},
		{text: "", want: []string{"latest [topic] [count]"}, items: 0},
		{text: "frobnicate now", want: []string{`Unknown subcommand "frobnicate"`, "Usage: /radar latest"}, isErr: true, items: 0},
	}
	for _, tc := range cases {
		t.Run(tc.text, func(t *testing.T) {
			r := c.Handle(context.Background(), alert.Command{Platform: "slack", Text: tc.text})
			got := replyText(r)
			pos := 0
			for _, w := range tc.want {
				i := strings.Index(got[pos:], w)
				if i < 0 {
					t.Fatalf("answer lacks %q (in order):\n%s", w, got)
				}
				pos += i
			}
			for _, w := range tc.notWant {
				if strings.Contains(got, w) {
					t.Errorf("answer holds %q:\n%s", w, got)
				}
			}
			if tc.items >= 0 && len(r.Items) != tc.items {
				t.Errorf("%d items, want %d:\n%s", len(r.Items), tc.items, got)
			}
			if r.Error != tc.isErr {
				t.Errorf("Error = %v, want %v", r.Error, tc.isErr)
			}
		})
	}
}
