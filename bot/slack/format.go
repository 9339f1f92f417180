package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/policyradar/policyradar/alert"
)

// Slack's limits, in characters, and the ones Policy Radar sets itself.
const (
	MaxHeaderText  = 150  // header block text
	MaxSectionText = 3000 // section block text, and each context element
	MaxFallback    = 4000 // top-level text (Slack truncates longer text)
	MaxSnippet     = 300  // plain-text snippet of an alert (SPEC.md)

	maxTitle   = 150  // plain-text title shown as the link text
	maxLink    = 2000 // longer links are not linked (the title still shows)
	maxMention = 100
	maxSource  = 200  // escaped runes
	maxTopics  = 1000 // escaped runes
	maxMatched = 1000 // escaped runes
)

// Blocks renders an alert as the fallback text and the Block Kit blocks of a
// chat.postMessage call:
//
//	section: [mention] *<link|title>*
//	section: snippet (omitted when the item has no summary or content)
//	context: source · published time · topic names · matched keywords
//
// Every feed-derived string is escaped; the channel's mention comes from the
// config and is the only markup that can notify anyone. Every text respects
// Slack's limits however large the item is.
func Blocks(a alert.Alert) (text string, blocks []slackgo.Block) {
	mention := ""
	if m := strings.TrimSpace(a.Mention); m != "" && utf8.RuneCountInString(m) <= maxMention {
		mention = m + " "
	}

	title := titleMarkup(a.Item)
	head := mention + "*" + title + "*"
	blocks = append(blocks, section(head))

	raw := a.Item.Summary
	if strings.TrimSpace(raw) == "" {
		raw = a.Item.Content
	}
	snippet := Snippet(raw, MaxSnippet)
	if snippet != "" {
		blocks = append(blocks, section(EscapeCut(snippet, MaxSectionText)))
	}

	var ctx []string
	if src := strings.TrimSpace(a.Source); src != "" {
		ctx = append(ctx, EscapeCut(src, maxSource))
	}
	if !a.Item.Published.IsZero() {
		ctx = append(ctx, dateToken(a))
	}
	if names := topicNames(a.Topics); names != "" {
		ctx = append(ctx, EscapeCut(names, maxTopics))
	}
	if len(a.Keywords) > 0 {
		ctx = append(ctx, "matched: "+EscapeCut(strings.Join(a.Keywords, ", "), maxMatched))
	}
	if len(ctx) > 0 {
		line := strings.Join(ctx, " · ")
		blocks = append(blocks, slackgo.NewContextBlock("",
			slackgo.NewTextBlockObject(slackgo.MarkdownType, line, false, true)))
	}

	text = fallback(mention, title, a.Source, snippet)
	return text, blocks
}

// section is a mrkdwn section with verbatim on, so Slack does not turn
// bare URLs, #names or @names in the (already escaped) text into links.
func section(s string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, s, false, true), nil, nil)
}

// titleMarkup is <link|title>, or only the title when the link is unusable.
func titleMarkup(it alert.Item) string {
	// The title is cut as plain text first, so escaping cannot split an entity.
	t := Escape(Snippet(it.Title, maxTitle))
	if strings.TrimSpace(t) == "" {
		t = "(untitled)"
	}
	link := linkURL(it.Link)
	if link == "" || utf8.RuneCountInString(link) > maxLink {
		return t
	}
	return "<" + link + "|" + t + ">"
}

// dateToken renders the published time in each reader's own time zone, with
// plain UTC text for clients that cannot.
func dateToken(a alert.Alert) string {
	p := a.Item.Published.UTC()
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", p.Unix(), p.Format("2006-01-02 15:04 UTC"))
}

func topicNames(ts []alert.Topic) string {
	names := make([]string, 0, len(ts))
	for _, t := range ts {
		n := strings.TrimSpace(t.Name)
		if n == "" {
			n = t.ID
		}
		if n != "" {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// fallback is the top-level text: what notifications, screen readers and
// clients without Block Kit show. Parts are added whole while they fit.
func fallback(mention, title, source, snippet string) string {
	text := mention + title
	if s := strings.TrimSpace(source); s != "" {
		text += " — " + EscapeCut(s, maxSource)
	}
	if snippet != "" {
		rest := MaxFallback - utf8.RuneCountInString(text) - 1
		if rest > 20 {
			text += "\n" + EscapeCut(snippet, rest)
		}
	}
	return text
}
