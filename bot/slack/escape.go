package slack

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Slack reads &, < and > as markup in every text object: "<!channel>" is a
// broadcast, "<@U1>" a user mention, "<#C1>" a channel link. Escaping the
// three characters in everything that came from a feed (or from a user) is
// what keeps such text inert; slack-go escapes only the top-level text, so the
// blocks are escaped here.

// ellipsis ends text that was cut.
const ellipsis = "…"

// escapedLen is the number of runes r takes once escaped.
func escapedLen(r rune) int {
	switch r {
	case '&':
		return 5 // &amp;
	case '<', '>':
		return 4 // &lt; &gt;
	}
	return 1
}

// Escape returns s with &, < and > replaced by Slack's entities, and with
// control characters other than newline and tab dropped.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		writeEscaped(&b, r)
	}
	return b.String()
}

func writeEscaped(b *strings.Builder, r rune) {
	switch {
	case r == '&':
		b.WriteString("&amp;")
	case r == '<':
		b.WriteString("&lt;")
	case r == '>':
		b.WriteString("&gt;")
	case r == utf8.RuneError:
		b.WriteRune(r)
	case r == '\n' || r == '\t':
		b.WriteRune(r)
	case unicode.IsControl(r):
		// dropped: invisible, and Slack rejects some of them
	default:
		b.WriteRune(r)
	}
}

// EscapeCut escapes s and, when the result would be longer than max runes,
// cuts it on a word boundary (or mid-word when a single word is too long) and
// ends it with "…", so the result is at most max runes. It cuts the raw text
// before escaping it, so it never leaves a broken entity such as "&am".
func EscapeCut(s string, max int) string {
	if max <= 0 {
		return ""
	}
	total := 0
	for _, r := range s {
		total += escapedLen(r)
	}
	if total <= max {
		return Escape(s)
	}
	budget := max - 1 // room for the ellipsis
	if budget <= 0 {
		return ellipsis
	}
	n, lastSpace := 0, -1
	end := 0 // byte offset in s of the first rune that does not fit
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		w := escapedLen(r)
		if n+w > budget {
			break
		}
		if unicode.IsSpace(r) {
			lastSpace = i
		}
		n += w
		i += size
		end = i
	}
	cut := s[:end]
	// Prefer a word boundary unless it throws away most of the text.
	if lastSpace > 0 && lastSpace >= len(cut)/2 {
		cut = s[:lastSpace]
	}
	cut = strings.TrimRightFunc(cut, unicode.IsSpace)
	return Escape(cut) + ellipsis
}

// Snippet returns s with white space folded and cut to at most max runes of
// plain text on a word boundary, ending with "…" when it was cut. The result
// is not escaped.
func Snippet(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max <= 1 {
		return ellipsis
	}
	runes := []rune(s)[:max-1]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i >= len(cut)/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, unicode.IsSpace) + ellipsis
}

// linkURL makes an item link safe to put inside Slack's <URL|text> markup:
// only http and https links are linked; |, <, >, white space, control
// characters and anything outside printable ASCII are percent-encoded, and &
// becomes &amp; as Slack expects in every text. It returns "" for a link that
// must not be linked.
func linkURL(raw string) string {
	raw = strings.TrimSpace(raw)
	lower := strings.ToLower(raw)
	switch {
	case strings.HasPrefix(lower, "http://"):
		raw = "http://" + raw[len("http://"):] // "HTTP://x" too
	case strings.HasPrefix(lower, "https://"):
		raw = "https://" + raw[len("https://"):]
	default:
		return ""
	}
	if u, err := url.Parse(raw); err != nil || u.Host == "" {
		return "" // "http://" alone links nowhere
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c == '|' || c == '<' || c == '>' || c <= ' ' || c >= 0x7f || c == '"':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
