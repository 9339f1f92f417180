package slack

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/policyradar/policyradar/alert"
)

// MaxReplyBytes bounds a rendered slash-command answer. Slack silently drops
// Socket Mode acks of 20 KB or more (slack-go refuses to send them); the
// envelope around the payload needs a few dozen bytes of that.
const MaxReplyBytes = 19 * 1024

// maxReplyBlocks is Slack's limit of blocks in one message.
const maxReplyBlocks = 50

// SlashResponse is the JSON answer to a slash command, as an HTTP response
// body or a Socket Mode ack payload.
type SlashResponse struct {
	ResponseType string          `json:"response_type"` // always "ephemeral": only the asker sees it
	Text         string          `json:"text"`
	Blocks       []slackgo.Block `json:"blocks,omitempty"`
}

// commandFrom turns Slack's slash command into the platform-neutral Command.
func commandFrom(sc slackgo.SlashCommand) alert.Command {
	text := strings.TrimSpace(sc.Text)
	cmd := alert.Command{Platform: "slack", Text: text, User: sc.UserID, Channel: sc.ChannelID}
	if f := strings.Fields(text); len(f) > 0 {
		cmd.Name, cmd.Args = f[0], f[1:]
	}
	return cmd
}

// RenderReply renders a Reply as an ephemeral Slack answer: the title, the
// text, one section per item and the lines, all escaped. When the answer
// would be larger than MaxReplyBytes or have more blocks than Slack takes,
// items and lines are dropped from the end and a note says how many; it
// never fails.
func RenderReply(r alert.Reply) SlashResponse {
	total := len(r.Items) + len(r.Lines)
	fits := func(keep int) (SlashResponse, bool) {
		resp := renderReply(r, keep)
		b, err := json.Marshal(resp)
		return resp, err == nil && len(b) <= MaxReplyBytes && len(resp.Blocks) <= maxReplyBlocks
	}
	if resp, ok := fits(total); ok {
		return resp
	}
	// The largest prefix of items and lines that fits.
	lo, hi := 0, total
	if len(r.Items) > maxReplyBlocks {
		hi = maxReplyBlocks // one block per item: more can never fit
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if _, ok := fits(mid); ok {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	resp, _ := fits(lo)
	return resp
}

// renderReply renders the reply with only the first keep items and lines.
func renderReply(r alert.Reply, keep int) SlashResponse {
	var blocks []slackgo.Block
	var fallback []string
	if title := strings.TrimSpace(EscapeCut(r.Title, MaxHeaderText)); title != "" {
		blocks = append(blocks, section("*"+title+"*"))
		fallback = append(fallback, title)
	}
	if text := strings.TrimSpace(EscapeCut(r.Text, MaxSectionText-len(":warning: "))); text != "" {
		if r.Error {
			text = ":warning: " + text
		}
		blocks = append(blocks, section(text))
		fallback = append(fallback, text)
	}
	items := r.Items[:min(keep, len(r.Items))]
	for _, it := range items {
		blocks = append(blocks, section(replyItem(it)))
	}
	lines := r.Lines[:min(keep-len(items), len(r.Lines))]
	if len(lines) > 0 {
		blocks = append(blocks, lineSections(lines)...)
	}
	if dropped := len(r.Items) + len(r.Lines) - len(items) - len(lines); dropped > 0 {
		blocks = append(blocks, slackgo.NewContextBlock("",
			slackgo.NewTextBlockObject(slackgo.MarkdownType, fmt.Sprintf("…and %d more not shown", dropped), false, true)))
	}
	if len(fallback) == 0 {
		switch {
		case len(r.Items) > 0:
			fallback = append(fallback, fmt.Sprintf("%d items", len(r.Items)))
		case len(r.Lines) > 0:
			fallback = append(fallback, fmt.Sprintf("%d lines", len(r.Lines)))
		default:
			fallback = append(fallback, "Nothing to show.")
		}
	}
	if len(blocks) == 0 {
		blocks = append(blocks, section("Nothing to show."))
	}
	return SlashResponse{ResponseType: "ephemeral", Text: strings.Join(fallback, "\n"), Blocks: blocks}
}

// replyItem is *<link|title>* and a line of source · date · topics.
func replyItem(it alert.ReplyItem) string {
	title := Escape(Snippet(it.Title, maxTitle))
	if strings.TrimSpace(title) == "" {
		title = "(untitled)"
	}
	if link := linkURL(it.Link); link != "" && utf8.RuneCountInString(link) <= maxLink {
		title = "<" + link + "|" + title + ">"
	}
	var meta []string
	if s := strings.TrimSpace(it.Source); s != "" {
		meta = append(meta, EscapeCut(s, maxSource))
	}
	if !it.Published.IsZero() {
		p := it.Published.UTC()
		meta = append(meta, fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", p.Unix(), p.Format("2006-01-02 15:04 UTC")))
	}
	if len(it.Topics) > 0 {
		meta = append(meta, EscapeCut(strings.Join(it.Topics, ", "), maxTopics/2))
	}
	if len(meta) == 0 {
		return "*" + title + "*"
	}
	return "*" + title + "*\n" + strings.Join(meta, " · ")
}

// lineSections packs lines into as few sections as Slack's text limit allows.
func lineSections(lines []string) []slackgo.Block {
	var blocks []slackgo.Block
	var cur strings.Builder
	n := 0
	for _, l := range lines {
		e := EscapeCut(strings.TrimSpace(l), MaxSectionText/2)
		if e == "" {
			continue
		}
		el := utf8.RuneCountInString(e)
		if n > 0 && n+1+el > MaxSectionText {
			blocks = append(blocks, section(cur.String()))
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte('\n')
			n++
		}
		cur.WriteString(e)
		n += el
	}
	if n > 0 {
		blocks = append(blocks, section(cur.String()))
	}
	return blocks
}
