package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/policyradar/policyradar/alert"
)

// Interaction response types and the ephemeral flag.
const (
	ResponsePong     = 1
	ResponseMessage  = 4 // channel message with source
	ResponseDeferred = 5 // deferred channel message with source
	FlagEphemeral    = 64
)

const (
	colorReply = 0x2563eb
	colorError = 0xdc2626
)

// ResponseData is the message part of an interaction answer.
type ResponseData struct {
	Content         string                    `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed `json:"embeds,omitempty"`
	AllowedMentions AllowedMentions           `json:"allowed_mentions"`
	Flags           int                       `json:"flags,omitempty"`
}

// Response is an interaction answer as sent to Discord.
type Response struct {
	Type int           `json:"type"`
	Data *ResponseData `json:"data,omitempty"`
}

// ReplyData renders a Reply as an ephemeral message that pings nobody.
func ReplyData(r alert.Reply) *ResponseData {
	return &ResponseData{
		Embeds:          []*discordgo.MessageEmbed{ReplyEmbed(r)},
		AllowedMentions: AllowedMentions{Parse: []string{}},
		Flags:           FlagEphemeral,
	}
}

// ReplyEmbed renders a Reply as one embed within Discord's limits: items as
// linked titles with their source, date and topics, then plain lines. What
// does not fit is counted in a last line rather than failing the answer.
func ReplyEmbed(r alert.Reply) *discordgo.MessageEmbed {
	e := &discordgo.MessageEmbed{
		Type:  discordgo.EmbedTypeRich,
		Title: truncate(BreakMentions(oneLine(r.Title)), MaxTitle),
		Color: colorReply,
	}
	if r.Error {
		e.Color = colorError
	}
	var blocks []block
	if t := strings.TrimSpace(r.Text); t != "" {
		blocks = append(blocks, block{"\n\n", escapeText(t)})
	}
	for _, it := range r.Items {
		blocks = append(blocks, block{"\n\n", replyItem(it)})
	}
	for i, l := range r.Lines {
		sep := "\n"
		if i == 0 {
			sep = "\n\n"
		}
		blocks = append(blocks, block{sep, escapeText(l)})
	}
	e.Description = fitBlocks(blocks, MaxDescription)
	if e.Title == "" && e.Description == "" {
		e.Description = "Nothing to show."
	}
	return e
}

func replyItem(it alert.ReplyItem) string {
	title := oneLine(it.Title)
	if title == "" {
		title = "(untitled)"
	}
	title = escapeText(truncate(title, 200))
	line := "**" + title + "**"
	if u := embedURL(it.Link); u != "" {
		line = "**[" + title + "](" + linkTarget(u) + ")**"
	}
	var meta []string
	if s := oneLine(it.Source); s != "" {
		meta = append(meta, escapeText(truncate(s, 100)))
	}
	if !it.Published.IsZero() {
		meta = append(meta, fmt.Sprintf("<t:%d:R>", it.Published.Unix()))
	}
	if len(it.Topics) > 0 {
		meta = append(meta, escapeText(truncate(strings.Join(it.Topics, ", "), 200)))
	}
	if len(meta) > 0 {
		line += "\n" + strings.Join(meta, " · ")
	}
	return line
}

// linkTarget percent-encodes what would end a Markdown link early.
func linkTarget(u string) string {
	return strings.NewReplacer("(", "%28", ")", "%29", " ", "%20", "<", "%3C", ">", "%3E").Replace(u)
}

func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return markdown.Replace(BreakMentions(s))
}

// block is a piece of a description and what separates it from the one before.
type block struct{ sep, text string }

// fitBlocks joins blocks, keeping whole blocks within n characters and
// saying how many were left out.
func fitBlocks(blocks []block, n int) string {
	var b strings.Builder
	used := 0
	for i, bl := range blocks {
		sep := bl.sep
		if i == 0 {
			sep = ""
		}
		size := utf8.RuneCountInString(sep) + utf8.RuneCountInString(bl.text)
		last := i == len(blocks)-1
		more := fmt.Sprintf("\n…and %d more", len(blocks)-i)
		if used+size > n || (!last && used+size+utf8.RuneCountInString(more) > n) {
			if i == 0 {
				return truncate(bl.text, n)
			}
			b.WriteString(more)
			return b.String()
		}
		b.WriteString(sep)
		b.WriteString(bl.text)
		used += size
	}
	return b.String()
}
