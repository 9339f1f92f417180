package feeds

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// leftoverEntity spots text that was escaped twice ("&amp;#39;"), which
// one round of decoding leaves as an entity.
var leftoverEntity = regexp.MustCompile(`&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});`)

// PlainText turns feed text or HTML into plain text: tags stripped (script,
// style and comments with their content), entities decoded, runs of white
// space folded to one space, and the result trimmed.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return foldSpace(s)
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside script, style and the like
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			out := foldSpace(b.String())
			if strings.Contains(out, "&") && leftoverEntity.MatchString(out) {
				out = foldSpace(html.UnescapeString(out))
			}
			return out
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if isRawTextTag(a) && tt != html.SelfClosingTagToken {
				if tt == html.StartTagToken {
					skip++
				} else if skip > 0 {
					skip--
				}
				continue
			}
			// Block boundaries and line breaks separate words.
			if a == 0 || isBreakTag(a) {
				b.WriteByte(' ')
			}
		}
	}
}

func isRawTextTag(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe:
		return true
	}
	return false
}

func isBreakTag(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Dd, atom.Dt, atom.Dl,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Tr, atom.Td, atom.Th,
		atom.Table, atom.Blockquote, atom.Pre, atom.Hr, atom.Img, atom.Figure, atom.Figcaption,
		atom.Section, atom.Article, atom.Header, atom.Footer, atom.Aside, atom.Nav, atom.Main:
		return true
	}
	return false
}

// foldSpace folds every run of Unicode white space to one space and trims.
func foldSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
