package slack_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/internal/realfeeds"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/slack"
	"github.com/policyradar/policyradar/feeds"
)

// hostileFeed carries Slack markup in every field a feed controls, raw,
// entity-encoded and double-encoded.
const hostileFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>&lt;!channel&gt; Source &amp;amp; &lt;@U1&gt;</title>
<item><title>&amp;lt;!here&amp;gt; &amp;lt;@U123&amp;gt; &amp;lt;#C1|x&amp;gt; @channel &lt;b&gt;bold&lt;/b&gt;</title>
<link>https://example.org/a|b&gt;c&lt;!channel&gt;</link><guid>g1</guid><category>&amp;lt;!subteam^S1|@team&amp;gt;</category>
<description><![CDATA[<p>&lt;!everyone&gt; &amp;lt;https://evil.example|click&amp;gt; ` + "`code`" + ` *bold* _it_</p>]]></description></item>
<item><title>&amp;#60;!here&amp;#62;</title><link>javascript:alert(1)</link><guid>g2</guid></item>
</channel></rss>`

// FuzzFeedBlocks runs feed documents, seeded with the real feeds, through
// the real normaliser and the Slack formatter: no panic, every text object
// within Slack's limits, and nothing from the feed becomes a live mention,
// channel link or non-http link.
func FuzzFeedBlocks(f *testing.F) {
	for _, seed := range realfeeds.Seeds(f) {
		f.Add(seed, true)
	}
	f.Add([]byte(hostileFeed), true)
	f.Add([]byte(hostileFeed), false)
	f.Fuzz(func(t *testing.T, data []byte, high bool) {
		title, items, err := feeds.Parse(data, "https://fuzz.example/feed.xml", time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		for _, it := range items[:min(len(items), 5)] {
			a := alert.Alert{
				Channel:  "slack:C0123ABCD",
				Item:     it,
				Source:   title,
				Topics:   []alert.Topic{{ID: "t", Name: it.Author}},
				Keywords: append(strings.Fields(it.Title)[:min(3, len(strings.Fields(it.Title)))], it.Categories...),
			}
			if high {
				a.Mention = "<!here>"
			}
			r := render(t, a)
			checkSafe(t, r, a.Mention)
			if len(r.blocks) > 50 {
				t.Fatalf("%d blocks, Slack takes at most 50", len(r.blocks))
			}
			for _, b := range r.blocks {
				if b["type"] != "header" {
					continue
				}
				if text, _ := b["text"].(map[string]any)["text"].(string); utf8.RuneCountInString(text) > slack.MaxHeaderText {
					t.Fatalf("header of %d characters", utf8.RuneCountInString(text))
				}
			}
		}
	})
}
