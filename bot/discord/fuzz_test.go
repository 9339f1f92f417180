package discord_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/internal/realfeeds"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/discord"
	"github.com/policyradar/policyradar/feeds"
)

// hostileFeed carries Discord mentions in every field a feed controls, raw,
// entity-encoded and double-encoded, and Markdown that could fake a link.
const hostileFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>@everyone Source &lt;@&amp;5&gt;</title>
<item><title>@here &amp;lt;@123&amp;gt; &lt;@!9&gt; ＠everyone @ever` + "\u200b" + `yone [x](https://evil.example)</title>
<link>https://example.org/a?x=@everyone</link><guid>g1</guid><category>&lt;@&amp;77&gt;</category>
<description><![CDATA[<p>@EVERYONE &lt;#1&gt; <@&1234> ` + "`@here`" + ` **b**</p>]]></description></item>
<item><title>t</title><link>javascript:alert(1)</link><guid>g2</guid><pubDate>Fri, 01 Jan 9999 23:59:59 +1400</pubDate></item>
</channel></rss>`

// FuzzFeedEmbed runs feed documents, seeded with the real feeds, through the
// real normaliser and the Discord formatter: no panic, the message within
// Discord's limits, an http(s) embed URL or none, and no ping from feed
// text: allowed_mentions allows only the channel's own mention and
// @everyone/@here are broken wherever the feed's text lands.
func FuzzFeedEmbed(f *testing.F) {
	for _, seed := range realfeeds.Seeds(f) {
		f.Add(seed, "")
	}
	f.Add([]byte(hostileFeed), "")
	f.Add([]byte(hostileFeed), "<@&42>")
	f.Add([]byte(hostileFeed), "@here")
	f.Fuzz(func(t *testing.T, data []byte, mention string) {
		title, items, err := feeds.Parse(data, "https://fuzz.example/feed.xml", time.Unix(1700000000, 0))
		if err != nil {
			return
		}
		allowed := discord.Mentions(mention)
		for _, it := range items[:min(len(items), 5)] {
			words := strings.Fields(it.Title)
			a := alert.Alert{
				Channel:  "discord:1",
				Item:     it,
				Source:   title,
				Topics:   []alert.Topic{{ID: "t", Name: it.Author, Color: 0xd97706}},
				Keywords: append(words[:min(3, len(words))], it.Categories...),
				Mention:  mention,
			}
			m := discord.Message(a)
			if len(m.Embeds) != 1 {
				t.Fatalf("%d embeds", len(m.Embeds))
			}
			e := m.Embeds[0]
			footer := ""
			if e.Footer != nil {
				footer = e.Footer.Text
			}
			n := utf8.RuneCountInString
			if n(e.Title) > discord.MaxTitle || n(e.Description) > discord.MaxDescription ||
				n(footer) > discord.MaxFooter || discord.EmbedLength(e) > discord.MaxEmbedTotal ||
				n(m.Content) > discord.MaxContent {
				t.Fatalf("over a limit: title %d, description %d, footer %d, total %d, content %d",
					n(e.Title), n(e.Description), n(footer), discord.EmbedLength(e), n(m.Content))
			}
			if e.URL != "" {
				if u, err := url.Parse(e.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					t.Fatalf("embed url %q", e.URL)
				}
			}
			for _, s := range []string{e.Title, e.Description, footer} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %q", s)
				}
				if l := strings.ToLower(s); strings.Contains(l, "@everyone") || strings.Contains(l, "@here") {
					t.Fatalf("unbroken mention in %q", s)
				}
			}
			// The mentions allowed depend on the channel's mention only,
			// never on the feed.
			got, _ := json.Marshal(m.AllowedMentions)
			want, _ := json.Marshal(allowed)
			if string(got) != string(want) {
				t.Fatalf("allowed_mentions %s, want the channel's own %s", got, want)
			}
			if mention == "" && (len(m.AllowedMentions.Parse) != 0 || len(m.AllowedMentions.Users) != 0 || len(m.AllowedMentions.Roles) != 0) {
				t.Fatalf("allowed_mentions %s without a channel mention", got)
			}
			if strings.TrimSpace(mention) == "" && m.Content != "" {
				t.Fatalf("content %q without a channel mention", m.Content)
			}
		}
	})
}
