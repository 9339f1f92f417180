package discord

import (
	"crypto/sha256"
	"encoding/base32"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/policyradar/policyradar/alert"
)

// Discord's documented limits, counted in characters.
const (
	MaxTitle       = 256
	MaxDescription = 4096
	MaxFooter      = 2048
	MaxEmbedTotal  = 6000
	MaxContent     = 2000
	MaxNonce       = 25
	MaxSnippet     = 300 // ours: the plain-text snippet of an alert
	maxURL         = 2048
)

// Payload is the JSON body of a message post. discordgo.MessageSend has no
// nonce, so Policy Radar sends its own.
type Payload struct {
	Content         string                    `json:"content,omitempty"`
	Embeds          []*discordgo.MessageEmbed `json:"embeds"`
	AllowedMentions AllowedMentions           `json:"allowed_mentions"`
	Nonce           string                    `json:"nonce,omitempty"`
	EnforceNonce    bool                      `json:"enforce_nonce,omitempty"`
	Flags           int                       `json:"flags,omitempty"`
}

// AllowedMentions says whom a message may ping. Parse is never nil, so it is
// always sent, as [] when nothing may be parsed.
type AllowedMentions struct {
	Parse []string `json:"parse"`
	Users []string `json:"users,omitempty"`
	Roles []string `json:"roles,omitempty"`
}

var (
	mentionEveryone = regexp.MustCompile(`@(everyone|here)\b`)
	mentionUser     = regexp.MustCompile(`<@!?([0-9]+)>`)
	mentionRole     = regexp.MustCompile(`<@&([0-9]+)>`)
	pingable        = regexp.MustCompile(`(?i)@(everyone|here)`)
	markdown        = strings.NewReplacer(
		`\`, `\\`, `*`, `\*`, `_`, `\_`, "~", `\~`, "`", "\\`", `|`, `\|`,
		`[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`, `#`, `\#`,
	)
)

// Message renders an alert as the message posted to a channel: one embed,
// the channel's own mention (config, trusted) as content, allowed_mentions
// allowing exactly that mention and nothing else, and a nonce with
// enforce_nonce so that a retried post cannot create a second message.
func Message(a alert.Alert) Payload {
	p := Payload{
		Embeds:          []*discordgo.MessageEmbed{Embed(a)},
		AllowedMentions: Mentions(a.Mention),
		Nonce:           Nonce(a),
		EnforceNonce:    true,
	}
	if m := strings.TrimSpace(a.Mention); m != "" {
		p.Content = truncate(m, MaxContent)
	}
	return p
}

// Embed renders an alert as one embed within Discord's limits. Feed text is
// escaped for Markdown and cannot ping: embeds never ping, and @everyone and
// @here are broken with a zero-width space all the same.
func Embed(a alert.Alert) *discordgo.MessageEmbed {
	title := oneLine(a.Item.Title)
	if title == "" {
		title = "(untitled)"
	}
	e := &discordgo.MessageEmbed{
		Type:        discordgo.EmbedTypeRich,
		Title:       truncate(BreakMentions(title), MaxTitle),
		URL:         embedURL(a.Item.Link),
		Description: truncate(markdown.Replace(BreakMentions(Snippet(a.Item))), MaxDescription),
	}
	if len(a.Topics) > 0 {
		e.Color = a.Topics[0].Color & 0xFFFFFF
	}
	if t := a.Item.Published; !t.IsZero() && t.Year() >= 1 && t.Year() <= 9999 {
		e.Timestamp = t.UTC().Format(time.RFC3339)
	}
	if f := footer(a); f != "" {
		e.Footer = &discordgo.MessageEmbedFooter{Text: f}
	}
	// Title, description and footer are capped well under the total; this
	// only guards against a future field pushing it over.
	if over := EmbedLength(e) - MaxEmbedTotal; over > 0 && e.Footer != nil {
		e.Footer.Text = truncate(e.Footer.Text, max(0, utf8.RuneCountInString(e.Footer.Text)-over))
	}
	return e
}

// EmbedLength counts the characters Discord adds up against MaxEmbedTotal.
func EmbedLength(e *discordgo.MessageEmbed) int {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description)
	if e.Footer != nil {
		n += utf8.RuneCountInString(e.Footer.Text)
	}
	if e.Author != nil {
		n += utf8.RuneCountInString(e.Author.Name)
	}
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	return n
}

// footer is "source · topic names · keywords".
func footer(a alert.Alert) string {
	var parts []string
	if s := oneLine(a.Source); s != "" {
		parts = append(parts, s)
	}
	var names []string
	for _, t := range a.Topics {
		n := t.Name
		if n == "" {
			n = t.ID
		}
		if n = oneLine(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) > 0 {
		parts = append(parts, strings.Join(names, ", "))
	}
	var kws []string
	for _, k := range a.Keywords {
		if k = oneLine(k); k != "" {
			kws = append(kws, k)
		}
	}
	if len(kws) > 0 {
		parts = append(parts, strings.Join(kws, ", "))
	}
	return truncate(BreakMentions(strings.Join(parts, " · ")), MaxFooter)
}

// Snippet is at most MaxSnippet characters of plain text from the item's
// summary, else its content, cut on a word boundary with "…".
func Snippet(it alert.Item) string {
	s := oneLine(it.Summary)
	if s == "" {
		s = oneLine(it.Content)
	}
	return cutWords(s, MaxSnippet)
}

// Mentions returns allowed_mentions for a channel mention such as "@here",
// "<@123>" or "<@&456>": parse [] plus exactly what the mention names.
func Mentions(mention string) AllowedMentions {
	am := AllowedMentions{Parse: []string{}}
	if mentionEveryone.MatchString(mention) {
		am.Parse = append(am.Parse, "everyone")
	}
	for _, m := range mentionUser.FindAllStringSubmatch(mention, 100) {
		am.Users = appendNew(am.Users, m[1])
	}
	for _, m := range mentionRole.FindAllStringSubmatch(mention, 100) {
		am.Roles = appendNew(am.Roles, m[1])
	}
	return am
}

// BreakMentions puts a zero-width space after the @ of @everyone and @here,
// so text from a feed can never ping, whatever allowed_mentions says.
func BreakMentions(s string) string {
	return pingable.ReplaceAllString(s, "@\u200b$1")
}

// Nonce identifies one item posted to one channel: the same on every retry
// and after a restart, and at most MaxNonce characters.
func Nonce(a alert.Alert) string {
	sum := sha256.Sum256([]byte(a.Item.FeedURL + "\x00" + a.Item.Key + "\x00" + a.Channel))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	return strings.ToLower(enc[:MaxNonce])
}

func embedURL(link string) string {
	if len(link) > maxURL {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return link
}

// oneLine folds white space and control characters into single spaces and
// repairs invalid UTF-8.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// truncate cuts s to at most n characters, ending in "…" when cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

// cutWords cuts s to at most n characters on a word boundary, ending in "…".
func cutWords(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := n - 1 // keep r[:cut] and add "…"; a clean cut has a space at r[cut]
	if !unicode.IsSpace(r[cut]) {
		for i := cut - 1; i > n/2; i-- {
			if unicode.IsSpace(r[i]) {
				cut = i
				break
			}
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c)
	}) + "…"
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
