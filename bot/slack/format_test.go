package slack_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/slack"
)

func sampleAlert() alert.Alert {
	return alert.Alert{
		ID:      7,
		Channel: "slack:C0123ABCD",
		Item: alert.Item{
			Link:      "https://example.org/news/open-weights?id=1&lang=en",
			Title:     "Lab releases open-weight model",
			Summary:   "The lab published the weights of its new model under a permissive licence.",
			Published: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC),
			Dated:     true,
		},
		Source:   "Example News",
		Topics:   []alert.Topic{{ID: "model-releases", Name: "Model releases"}, {ID: "regulation"}},
		Keywords: []string{"open-weight", "licence"},
	}
}

// rendered is what Blocks produced, decoded the way Slack would read it.
type rendered struct {
	text   string
	json   string   // the blocks as they are posted
	texts  []string // every text object in the blocks
	blocks []map[string]any
}

func render(t testing.TB, a alert.Alert) rendered {
	t.Helper()
	text, blocks := slack.Blocks(a)
	b, err := json.Marshal(blocks)
	if err != nil {
		t.Fatalf("marshal blocks: %v", err)
	}
	r := rendered{text: text, json: string(b)}
	if err := json.Unmarshal(b, &r.blocks); err != nil {
		t.Fatalf("unmarshal blocks: %v", err)
	}
	r.texts = textsOf(r.blocks)
	return r
}

func textsOf(v any) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "text" {
				out = append(out, s)
			} else {
				out = append(out, textsOf(x)...)
			}
		}
	case []map[string]any:
		for _, x := range t {
			out = append(out, textsOf(x)...)
		}
	case []any:
		for _, x := range t {
			out = append(out, textsOf(x)...)
		}
	}
	return out
}

func TestBlocksLayout(t *testing.T) {
	r := render(t, sampleAlert())
	if len(r.blocks) != 3 {
		t.Fatalf("got %d blocks, want section, section, context: %s", len(r.blocks), r.json)
	}
	for i, want := range []string{"section", "section", "context"} {
		if r.blocks[i]["type"] != want {
			t.Errorf("block %d is %v, want %s", i, r.blocks[i]["type"], want)
		}
	}
	checks := []struct {
		name, in, want string
	}{
		{"title link", r.texts[0], "*<https://example.org/news/open-weights?id=1&amp;lang=en|Lab releases open-weight model>*"},
		{"snippet", r.texts[1], "The lab published the weights of its new model under a permissive licence."},
		{"source", r.texts[2], "Example News · "},
		{"date token", r.texts[2], "<!date^1741064767^{date_short_pretty} {time}|2025-03-04 05:06 UTC>"},
		{"topic names, id when no name", r.texts[2], " · Model releases, regulation · "},
		{"keywords", r.texts[2], "matched: open-weight, licence"},
		{"fallback title", r.text, "<https://example.org/news/open-weights?id=1&amp;lang=en|Lab releases open-weight model> — Example News"},
		{"fallback snippet", r.text, "\nThe lab published"},
	}
	for _, c := range checks {
		if !strings.Contains(c.in, c.want) {
			t.Errorf("%s: %q does not contain %q", c.name, c.in, c.want)
		}
	}
	if strings.HasPrefix(r.text, "<!") {
		t.Errorf("fallback starts with a mention although the alert has none: %q", r.text)
	}
}

func TestBlocksMention(t *testing.T) {
	a := sampleAlert()
	a.Mention = "<!here>"
	r := render(t, a)
	if !strings.HasPrefix(r.texts[0], "<!here> *<https://") {
		t.Errorf("section does not start with the mention: %q", r.texts[0])
	}
	if !strings.HasPrefix(r.text, "<!here> ") {
		t.Errorf("fallback does not start with the mention: %q", r.text)
	}
}

func TestBlocksOptionalParts(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*alert.Alert)
		blocks int
		check  func(t *testing.T, r rendered)
	}{
		{"content when no summary", func(a *alert.Alert) { a.Item.Summary = " "; a.Item.Content = "From the content." }, 3,
			func(t *testing.T, r rendered) {
				if r.texts[1] != "From the content." {
					t.Errorf("snippet %q", r.texts[1])
				}
			}},
		{"no text at all", func(a *alert.Alert) { a.Item.Summary, a.Item.Content = "", "" }, 2, nil},
		{"no link", func(a *alert.Alert) { a.Item.Link = "" }, 3,
			func(t *testing.T, r rendered) {
				if r.texts[0] != "*Lab releases open-weight model*" {
					t.Errorf("title %q", r.texts[0])
				}
			}},
		{"javascript link not linked", func(a *alert.Alert) { a.Item.Link = "javascript:alert(1)" }, 3,
			func(t *testing.T, r rendered) {
				if strings.Contains(r.json, "javascript") {
					t.Errorf("javascript link kept: %s", r.json)
				}
			}},
		{"no title", func(a *alert.Alert) { a.Item.Title = "" }, 3,
			func(t *testing.T, r rendered) {
				if !strings.Contains(r.texts[0], "|(untitled)>") {
					t.Errorf("title %q", r.texts[0])
				}
			}},
		{"no date, topics or keywords", func(a *alert.Alert) {
			a.Item.Published, a.Topics, a.Keywords = time.Time{}, nil, nil
		}, 3, func(t *testing.T, r rendered) {
			if r.texts[2] != "Example News" {
				t.Errorf("context %q", r.texts[2])
			}
		}},
		{"no context at all", func(a *alert.Alert) {
			a.Source, a.Item.Published, a.Topics, a.Keywords = "", time.Time{}, nil, nil
		}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sampleAlert()
			tt.edit(&a)
			r := render(t, a)
			if len(r.blocks) != tt.blocks {
				t.Fatalf("got %d blocks, want %d: %s", len(r.blocks), tt.blocks, r.json)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
			checkSafe(t, r, a.Mention)
		})
	}
}

func TestBlocksSnippetCut(t *testing.T) {
	a := sampleAlert()
	a.Item.Summary = strings.Repeat("policy ", 100) // 700 characters
	r := render(t, a)
	snip := r.texts[1]
	if n := utf8.RuneCountInString(snip); n > slack.MaxSnippet {
		t.Errorf("snippet has %d characters, want ≤ %d", n, slack.MaxSnippet)
	}
	if !strings.HasSuffix(snip, "policy…") {
		t.Errorf("snippet not cut on a word boundary with an ellipsis: %q", snip[len(snip)-20:])
	}
}

var (
	linkMarkup = regexp.MustCompile(`^<https?://[^|<> ]+\|[^<>]*>`)
	dateMarkup = regexp.MustCompile(`^<!date\^-?\d+\^\{date_short_pretty\} \{time\}\|[0-9: -]+UTC>`)
)

// liveMarkup returns the Slack markup in s other than our own links, date
// tokens and the channel's configured mention: anything it returns could
// notify or link someone on a feed's say-so.
func liveMarkup(s, mention string) []string {
	var bad []string
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		rest := s[i:]
		switch {
		case mention != "" && strings.HasPrefix(rest, mention):
		case linkMarkup.MatchString(rest):
		case dateMarkup.MatchString(rest):
		default:
			end := min(len(rest), 40)
			bad = append(bad, rest[:end])
		}
	}
	return bad
}

// brokenEntity reports an & that does not start one of Slack's three entities.
func brokenEntity(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '&' && !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
			return true
		}
	}
	return false
}

// checkSafe asserts that no text can ping anyone and every limit holds.
func checkSafe(t testing.TB, r rendered, mention string) {
	t.Helper()
	all := append([]string{r.text}, r.texts...)
	for _, s := range all {
		if bad := liveMarkup(s, mention); len(bad) > 0 {
			t.Errorf("live markup %q in %q", bad, s)
		}
		if brokenEntity(s) {
			t.Errorf("broken entity in %q", s)
		}
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8 in %q", s)
		}
	}
	if n := utf8.RuneCountInString(r.text); n > slack.MaxFallback {
		t.Errorf("fallback text has %d characters, limit %d", n, slack.MaxFallback)
	}
	for _, s := range r.texts {
		if n := utf8.RuneCountInString(s); n > slack.MaxSectionText {
			t.Errorf("text object has %d characters, limit %d", n, slack.MaxSectionText)
		}
	}
	if len(r.blocks) > 1 && r.blocks[1]["type"] == "section" {
		plain := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(r.texts[1])
		if n := utf8.RuneCountInString(plain); n > slack.MaxSnippet {
			t.Errorf("snippet has %d characters, limit %d", n, slack.MaxSnippet)
		}
	}
}

var hostile = []string{
	"<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C1|x>", "<!subteam^S1|@team>",
	"@everyone", "@here", "@channel", "&lt;!channel&gt;", "&#60;!here&#62;", "&amp;lt;@U1&amp;gt;",
	"<https://evil.example|click>", "a|b>c<d", "&am", "<", ">", "&", "<<!channel>>", "\x00<\x01!here>",
}

func TestBlocksHostileText(t *testing.T) {
	fields := []struct {
		name string
		set  func(a *alert.Alert, s string)
	}{
		{"title", func(a *alert.Alert, s string) { a.Item.Title = "News " + s + " today" }},
		{"summary", func(a *alert.Alert, s string) { a.Item.Summary = s + " the summary " + s }},
		{"content", func(a *alert.Alert, s string) { a.Item.Summary = ""; a.Item.Content = s }},
		{"source", func(a *alert.Alert, s string) { a.Source = s }},
		{"topic name", func(a *alert.Alert, s string) { a.Topics = []alert.Topic{{ID: "x", Name: s}} }},
		{"keyword", func(a *alert.Alert, s string) { a.Keywords = []string{s, "BIS"} }},
		{"link", func(a *alert.Alert, s string) { a.Item.Link = "https://example.org/a" + s + "?q=" + s }},
	}
	for _, f := range fields {
		for _, h := range hostile {
			t.Run(f.name+"/"+h, func(t *testing.T) {
				a := sampleAlert()
				f.set(&a, h)
				checkSafe(t, render(t, a), "")
			})
		}
	}
}

func TestBlocksLinkEncoding(t *testing.T) {
	tests := []struct {
		name, link, want string
	}{
		{"pipe and angle brackets", "https://example.org/a|b>c<d", "<https://example.org/a%7Cb%3Ec%3Cd|"},
		{"space", "https://example.org/a b", "<https://example.org/a%20b|"},
		{"ampersand", "https://example.org/?a=1&b=2", "<https://example.org/?a=1&amp;b=2|"},
		{"non-ASCII", "https://example.org/é", "<https://example.org/%C3%A9|"},
		{"mention inside", "https://example.org/<!channel>", "<https://example.org/%3C!channel%3E|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sampleAlert()
			a.Item.Link = tt.link
			r := render(t, a)
			if !strings.Contains(r.texts[0], tt.want) {
				t.Errorf("title %q does not contain %q", r.texts[0], tt.want)
			}
			checkSafe(t, r, "")
		})
	}
}

func TestBlocksHugeInput(t *testing.T) {
	huge := strings.Repeat("<!channel> & more ", 5000)
	a := sampleAlert()
	a.Mention = "<!here>"
	a.Item.Title = huge
	a.Item.Summary = huge
	a.Item.Link = "https://example.org/" + strings.Repeat("a", 1900) // long but linkable
	a.Source = huge
	a.Keywords = strings.Fields(huge)
	for i := range 500 {
		a.Topics = append(a.Topics, alert.Topic{ID: "t", Name: huge[:i*7]})
	}
	r := render(t, a)
	checkSafe(t, r, a.Mention)
	if !strings.Contains(r.texts[0], "<https://example.org/aaaa") {
		t.Errorf("long link was dropped: %.80q", r.texts[0])
	}
	a.Item.Link = "https://example.org/" + strings.Repeat("&", 5000) // too long once escaped
	r = render(t, a)
	checkSafe(t, r, a.Mention)
}

func FuzzBlocks(f *testing.F) {
	f.Add("<!channel> title", "summary <@U1>", "https://example.org/a|b>", "Source &", "kw", "Topic", "<!here>")
	f.Add("&lt;!here&gt;", "", "http://x y", "", "", "", "")
	f.Add(strings.Repeat("é&<", 200), strings.Repeat("word ", 400), "", "\xff", "a", "b", "")
	f.Fuzz(func(t *testing.T, title, summary, link, source, keyword, topic, mention string) {
		a := alert.Alert{
			Item:     alert.Item{Title: title, Summary: summary, Link: link, Published: time.Unix(1700000000, 0)},
			Source:   source,
			Topics:   []alert.Topic{{ID: "id", Name: topic}},
			Keywords: []string{keyword},
		}
		if mention == "<!here>" || mention == "<!channel>" {
			a.Mention = mention
		}
		checkSafe(t, render(t, a), a.Mention)
	})
}

func BenchmarkBlocks(b *testing.B) {
	a := sampleAlert()
	a.Item.Summary = strings.Repeat("The lab published the weights & code <today>. ", 40)
	for b.Loop() {
		_, blocks := slack.Blocks(a)
		if len(blocks) == 0 {
			b.Fatal("no blocks")
		}
	}
}

var _ slackgo.Block = (*slackgo.SectionBlock)(nil)
