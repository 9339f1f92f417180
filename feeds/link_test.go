package feeds_test

import (
	"testing"

	"github.com/policyradar/policyradar/feeds"
)

func TestNormalizeLink(t *testing.T) {
	tests := []struct {
		name, raw, base, want string
	}{
		{"absolute unchanged", "https://example.org/a/b?x=1", "", "https://example.org/a/b?x=1"},
		{"empty", "  ", "https://example.org/", ""},
		{"trimmed", "  https://example.org/a \n", "", "https://example.org/a"},
		{"fragment dropped", "https://example.org/a#section-2", "", "https://example.org/a"},
		{"utm dropped, order kept", "https://example.org/a?b=2&utm_source=rss&a=1&utm_medium=feed&UTM_Campaign=x", "", "https://example.org/a?b=2&a=1"},
		{"all tracking dropped", "https://example.org/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref_src=5", "", "https://example.org/a"},
		{"lookalike params kept", "https://example.org/a?ref=home&utm=1&src=x", "", "https://example.org/a?ref=home&utm=1&src=x"},
		{"encoding of kept params preserved", "https://example.org/s?q=open%20weights&utm_source=x&tag=a%2Bb", "", "https://example.org/s?q=open%20weights&tag=a%2Bb"},
		{"scheme and host lower-cased, path not", "HTTPS://Example.ORG/Path/Case", "", "https://example.org/Path/Case"},
		{"relative path", "post/1", "https://example.org/blog/feed.xml", "https://example.org/blog/post/1"},
		{"root relative", "/post/1?utm_source=x#c", "https://example.org/blog/feed.xml", "https://example.org/post/1"},
		{"protocol relative", "//cdn.example.org/x", "https://example.org/feed", "https://cdn.example.org/x"},
		{"dot segments", "../a/./b", "https://example.org/x/y/feed", "https://example.org/x/a/b"},
		{"relative without base stays", "/a#b", "", "/a"},
		{"lone question mark dropped", "https://example.org/a?utm_source=x", "", "https://example.org/a"},
		{"empty params dropped", "https://example.org/a?&x=1&&", "", "https://example.org/a?x=1"},
		{"unparseable left trimmed", " http://[::1 ", "", "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feeds.NormalizeLink(tt.raw, tt.base); got != tt.want {
				t.Errorf("NormalizeLink(%q, %q) = %q, want %q", tt.raw, tt.base, got, tt.want)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "  Open   weights\n\tmodel ", "Open weights model"},
		{"tags", "<p>The <b>AI</b> Act</p><p>passed</p>", "The AI Act passed"},
		{"entities", "AT&amp;T &lt;3 &eacute;t&#233; &#x2019;", "AT&T <3 été ’"},
		{"double escaped", "it&amp;#39;s", "it's"},
		{"script and style dropped", "a<script>alert('x')</script>b<style>p{}</style>c", "abc"},
		{"comments dropped", "<!-- SC_OFF --><div>text</div><!-- SC_ON -->", "text"},
		{"br separates words", "line<br>break<br/>here", "line break here"},
		{"inline tags join", "exact<em>ly</em>", "exactly"},
		{"bare less-than kept", "a < b and c > d", "a < b and c > d"},
		{"ampersand kept", "Q&A", "Q&A"},
		{"nbsp folded", "a\u00a0\u00a0b", "a b"},
		{"cdata-free empty", "<p> </p>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feeds.PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
