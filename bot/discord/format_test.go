package discord_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/discord"
)

func sampleAlert() alert.Alert {
	return alert.Alert{
		ID:      7,
		Channel: "discord:123",
		Item: alert.Item{
			FeedURL:   "https://example.org/feed.xml",
			Key:       "guid-1",
			Link:      "https://example.org/news/1",
			Title:     "Commerce adds AI labs to the Entity List",
			Summary:   "The Bureau of Industry and Security added three labs.",
			Published: time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600)),
		},
		Source:   "Example News",
		Topics:   []alert.Topic{{ID: "export-controls", Name: "Export controls", Color: 0xd97706}, {ID: "regulation", Name: "Regulation", Color: 1}},
		Keywords: []string{"Entity List", "Bureau of Industry and Security"},
	}
}

func TestEmbed(t *testing.T) {
	e := discord.Embed(sampleAlert())
	want := map[string]any{
		"title":       "Commerce adds AI labs to the Entity List",
		"url":         "https://example.org/news/1",
		"description": "The Bureau of Industry and Security added three labs.",
		"color":       0xd97706,
		"timestamp":   "2026-03-04T04:06:07Z",
		"footer":      "Example News · Export controls, Regulation · Entity List, Bureau of Industry and Security",
	}
	got := map[string]any{
		"title": e.Title, "url": e.URL, "description": e.Description, "color": e.Color,
		"timestamp": e.Timestamp, "footer": e.Footer.Text,
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

func TestEmbedEdges(t *testing.T) {
	long := strings.Repeat("word ", 400)
	tests := []struct {
		name  string
		edit  func(a *alert.Alert)
		check func(t *testing.T, title, url, desc string, color int, ts string)
	}{
		{"untitled", func(a *alert.Alert) { a.Item.Title = " \n " }, func(t *testing.T, title, _, _ string, _ int, _ string) {
			if title != "(untitled)" {
				t.Errorf("title %q", title)
			}
		}},
		{"long title cut to 256", func(a *alert.Alert) { a.Item.Title = strings.Repeat("é", 1000) }, func(t *testing.T, title, _, _ string, _ int, _ string) {
			if n := utf8.RuneCountInString(title); n != 256 || !strings.HasSuffix(title, "…") {
				t.Errorf("title has %d characters, ends %q", n, title[len(title)-3:])
			}
		}},
		{"snippet cut on a word at 300", func(a *alert.Alert) { a.Item.Summary = long }, func(t *testing.T, _, _, desc string, _ int, _ string) {
			if n := utf8.RuneCountInString(desc); n > 300 || n < 250 {
				t.Errorf("description has %d characters", n)
			}
			if !strings.HasSuffix(desc, "word…") {
				t.Errorf("description not cut on a word: %q", desc[len(desc)-12:])
			}
		}},
		{"content when no summary", func(a *alert.Alert) { a.Item.Summary = ""; a.Item.Content = "From  the\tcontent." }, func(t *testing.T, _, _, desc string, _ int, _ string) {
			if desc != "From the content." {
				t.Errorf("description %q", desc)
			}
		}},
		{"bad link dropped", func(a *alert.Alert) { a.Item.Link = "javascript:alert(1)" }, func(t *testing.T, _, url, _ string, _ int, _ string) {
			if url != "" {
				t.Errorf("url %q", url)
			}
		}},
		{"no topics no colour", func(a *alert.Alert) { a.Topics = nil }, func(t *testing.T, _, _, _ string, color int, _ string) {
			if color != 0 {
				t.Errorf("color %x", color)
			}
		}},
		{"no time", func(a *alert.Alert) { a.Item.Published = time.Time{} }, func(t *testing.T, _, _, _ string, _ int, ts string) {
			if ts != "" {
				t.Errorf("timestamp %q", ts)
			}
		}},
		{"markdown escaped", func(a *alert.Alert) { a.Item.Summary = "[click](https://evil) **bold** <@123>" }, func(t *testing.T, _, _, desc string, _ int, _ string) {
			if want := `\[click\](https://evil) \*\*bold\*\* \<@123\>`; desc != want {
				t.Errorf("description %q, want %q", desc, want)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sampleAlert()
			tt.edit(&a)
			e := discord.Embed(a)
			tt.check(t, e.Title, e.URL, e.Description, e.Color, e.Timestamp)
		})
	}
}

func TestHostileTextNeverPings(t *testing.T) {
	for _, title := range []string{"@everyone look", "@here now", "hi <@123>", "role <@&456>", "<@!789> @EVERYONE"} {
		t.Run(title, func(t *testing.T) {
			a := sampleAlert()
			a.Item.Title, a.Item.Summary, a.Source, a.Keywords = title, title, title, []string{title}
			m := discord.Message(a)
			if m.Content != "" {
				t.Errorf("content %q without a channel mention", m.Content)
			}
			b, _ := json.Marshal(m)
			if !strings.Contains(string(b), `"allowed_mentions":{"parse":[]}`) {
				t.Errorf("allowed_mentions not empty: %s", b)
			}
			for _, s := range []string{m.Embeds[0].Title, m.Embeds[0].Description, m.Embeds[0].Footer.Text} {
				low := strings.ToLower(s)
				if strings.Contains(low, "@everyone") || strings.Contains(low, "@here") {
					t.Errorf("unbroken mention in %q", s)
				}
			}
		})
	}
}

func TestMentions(t *testing.T) {
	tests := []struct {
		mention string
		want    discord.AllowedMentions
	}{
		{"", discord.AllowedMentions{Parse: []string{}}},
		{"@here", discord.AllowedMentions{Parse: []string{"everyone"}}},
		{"@everyone", discord.AllowedMentions{Parse: []string{"everyone"}}},
		{"<@123>", discord.AllowedMentions{Parse: []string{}, Users: []string{"123"}}},
		{"<@!123>", discord.AllowedMentions{Parse: []string{}, Users: []string{"123"}}},
		{"<@&456>", discord.AllowedMentions{Parse: []string{}, Roles: []string{"456"}}},
		{"<@&456> <@1> <@1>", discord.AllowedMentions{Parse: []string{}, Users: []string{"1"}, Roles: []string{"456"}}},
	}
	for _, tt := range tests {
		t.Run(tt.mention, func(t *testing.T) {
			a := sampleAlert()
			a.Mention = tt.mention
			m := discord.Message(a)
			if !reflect.DeepEqual(m.AllowedMentions, tt.want) {
				t.Errorf("allowed_mentions %+v, want %+v", m.AllowedMentions, tt.want)
			}
			if m.Content != tt.mention {
				t.Errorf("content %q, want %q", m.Content, tt.mention)
			}
		})
	}
}

func TestNonce(t *testing.T) {
	a := sampleAlert()
	n := discord.Nonce(a)
	if len(n) != discord.MaxNonce {
		t.Fatalf("nonce %q has %d characters", n, len(n))
	}
	b := a
	b.Attempt, b.ID = 9, 99 // a retry of the same alert
	if discord.Nonce(b) != n {
		t.Error("nonce changed across retries")
	}
	for name, edit := range map[string]func(*alert.Alert){
		"channel": func(a *alert.Alert) { a.Channel = "discord:124" },
		"key":     func(a *alert.Alert) { a.Item.Key = "guid-2" },
		"feed":    func(a *alert.Alert) { a.Item.FeedURL += "2" },
	} {
		c := a
		edit(&c)
		if discord.Nonce(c) == n {
			t.Errorf("nonce ignores the %s", name)
		}
	}
	if m := discord.Message(a); m.Nonce != n || !m.EnforceNonce {
		t.Errorf("message nonce %q enforce %v", m.Nonce, m.EnforceNonce)
	}
}

func FuzzEmbed(f *testing.F) {
	f.Add("@everyone <@1>", "summary", "", "src", "kw", "<@&5>", "https://x.org/", int64(0))
	f.Add(strings.Repeat("ü", 300), strings.Repeat("a ", 400), strings.Repeat("c", 5000), strings.Repeat("s", 3000), "k", "@here", "x", int64(1<<62))
	f.Add("\xff\xfe", "\x00\x01", "", "", "", "<@!9><@&8>@everyone", "http://[::1", int64(-1<<62))
	f.Fuzz(func(t *testing.T, title, summary, content, source, keyword, mention, link string, unix int64) {
		a := alert.Alert{
			Channel: "discord:1",
			Item: alert.Item{Title: title, Summary: summary, Content: content, Link: link,
				Published: time.Unix(unix, 0)},
			Source:   source,
			Topics:   []alert.Topic{{ID: "t", Name: keyword, Color: int(unix)}},
			Keywords: []string{keyword, keyword},
			Mention:  mention,
		}
		m := discord.Message(a)
		e := m.Embeds[0]
		footer := ""
		if e.Footer != nil {
			footer = e.Footer.Text
		}
		n := utf8.RuneCountInString
		if n(e.Title) > discord.MaxTitle || n(e.Description) > discord.MaxDescription ||
			n(footer) > discord.MaxFooter || discord.EmbedLength(e) > discord.MaxEmbedTotal ||
			n(m.Content) > discord.MaxContent || len(m.Nonce) > discord.MaxNonce {
			t.Fatalf("over a limit: %+v", e)
		}
		if e.Color < 0 || e.Color > 0xFFFFFF {
			t.Fatalf("colour %d", e.Color)
		}
		if e.Timestamp != "" {
			if _, err := time.Parse(time.RFC3339, e.Timestamp); err != nil {
				t.Fatalf("timestamp: %v", err)
			}
		}
		if !utf8.ValidString(e.Title) || !utf8.ValidString(e.Description) {
			t.Fatal("invalid UTF-8")
		}
		// allowed_mentions never allows more than the channel's own mention.
		am := m.AllowedMentions
		if am.Parse == nil {
			t.Fatal("parse is nil")
		}
		for _, p := range am.Parse {
			if p != "everyone" || !(strings.Contains(mention, "@everyone") || strings.Contains(mention, "@here")) {
				t.Fatalf("parse %q for mention %q", p, mention)
			}
		}
		for _, u := range am.Users {
			if !strings.Contains(mention, "<@"+u+">") && !strings.Contains(mention, "<@!"+u+">") {
				t.Fatalf("user %q not in mention %q", u, mention)
			}
		}
		for _, r := range am.Roles {
			if !strings.Contains(mention, "<@&"+r+">") {
				t.Fatalf("role %q not in mention %q", r, mention)
			}
		}
		for _, s := range []string{e.Title, e.Description, footer} {
			if l := strings.ToLower(s); strings.Contains(l, "@everyone") || strings.Contains(l, "@here") {
				t.Fatalf("unbroken mention in %q", s)
			}
		}
	})
}

func BenchmarkMessage(b *testing.B) {
	a := sampleAlert()
	a.Item.Summary = strings.Repeat("The Bureau of Industry and Security added three labs. ", 40)
	a.Mention = "<@&456>"
	b.ReportAllocs()
	for b.Loop() {
		_ = discord.Message(a)
	}
}
