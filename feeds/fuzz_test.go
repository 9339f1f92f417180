package feeds_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/policyradar/policyradar/internal/realfeeds"

	"github.com/policyradar/policyradar/feeds"
)

// hostileFeed is a small feed whose text tries every kind of trouble the
// normaliser must turn into plain text.
const hostileFeed = `<?xml version="1.0"?><rss version="2.0"><channel><title>t &amp; &lt;b&gt;</title>
<item><title>A  &lt;!channel&gt; &amp;lt;@U1&amp;gt; @everyone
 <![CDATA[<b>x</b>]]></title><link>/rel?utm_source=x&amp;a=1#frag</link><guid>g</guid>
<description>&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;para&amp;nbsp;one&lt;/p&gt;&#0;&#xD800;</description></item>
<item><title>dup</title><guid>g</guid><link>javascript:alert(1)</link><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
</channel></rss>`

// FuzzNormalise feeds whole documents, seeded with the real feeds, through
// Parse: it must not panic, and every item it returns must be what the rest
// of the program relies on: valid UTF-8 plain text with white space folded,
// a key, the feed's URL, and a normalised link.
func FuzzNormalise(f *testing.F) {
	for _, seed := range realfeeds.Seeds(f) {
		f.Add(seed)
	}
	f.Add([]byte(hostileFeed))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[{"id":"1","url":"https://x.org/a#b","title":"<i>hi</i>","content_html":"<p>a&amp;b</p>"}]}`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">T</div></title><entry><id>e</id><title type="html">&lt;b&gt;E&lt;/b&gt;</title><link href="e?fbclid=1"/></entry></feed>`))
	const feedURL = "https://fuzz.example/dir/feed.xml"
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, items, err := feeds.Parse(data, feedURL, now)
		if err != nil {
			return
		}
		for i, it := range items {
			texts := append([]string{it.Title, it.Summary, it.Content, it.Author}, it.Categories...)
			for _, s := range texts {
				checkPlain(t, i, s)
			}
			if it.Key == "" || !utf8.ValidString(it.Key) {
				t.Fatalf("item %d: key %q", i, it.Key)
			}
			if it.FeedURL != feedURL {
				t.Fatalf("item %d: FeedURL %q", i, it.FeedURL)
			}
			if !it.Dated && !it.Published.Equal(now) {
				t.Fatalf("item %d: undated item published %v, want now", i, it.Published)
			}
			checkLink(t, i, it.Link)
		}
	})
}

// checkPlain: the normaliser's text is valid UTF-8 with runs of white space
// folded to one space and trimmed.
func checkPlain(t *testing.T, i int, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("item %d: invalid UTF-8 in %q", i, s)
	}
	if strings.TrimSpace(s) != s {
		t.Fatalf("item %d: untrimmed text %q", i, s)
	}
	prevSpace := false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if space && (r != ' ' || prevSpace) {
			t.Fatalf("item %d: white space not folded in %q", i, s)
		}
		prevSpace = space
	}
}

// checkLink: a link has no fragment and no tracking parameter, and
// normalising it again changes nothing.
func checkLink(t *testing.T, i int, link string) {
	t.Helper()
	if !utf8.ValidString(link) {
		t.Fatalf("item %d: invalid UTF-8 in link %q", i, link)
	}
	if again := feeds.NormalizeLink(link, ""); again != link {
		t.Fatalf("item %d: link %q normalises again to %q", i, link, again)
	}
	u, err := url.Parse(link)
	if err != nil {
		return
	}
	if u.Fragment != "" {
		t.Fatalf("item %d: link %q keeps its fragment", i, link)
	}
	for k := range u.Query() {
		if tracking(k) {
			t.Fatalf("item %d: link %q keeps tracking parameter %q", i, link, k)
		}
	}
}

func tracking(k string) bool {
	switch strings.ToLower(k) {
	case "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src":
		return true
	}
	return strings.HasPrefix(strings.ToLower(k), "utm_")
}

// FuzzNormalizeLink: any link, against any base, comes out without fragment
// or tracking parameters, and normalising is idempotent.
func FuzzNormalizeLink(f *testing.F) {
	f.Add("https://Example.ORG/a?utm_source=x&b=1&fbclid=2#frag", "")
	f.Add("/rel/../x?mc_cid=1&a=%20b", "https://feed.example/dir/feed.xml")
	f.Add("//cdn.example/x?ref_src=twsrc", "https://feed.example/")
	f.Add(" javascript:alert(1)#x ", "https://feed.example/")
	f.Add("https://[::1]:80/%zz?UTM_Medium=a", "")
	f.Fuzz(func(t *testing.T, raw, base string) {
		got := feeds.NormalizeLink(raw, base)
		if !utf8.ValidString(raw) || !utf8.ValidString(base) {
			return
		}
		checkLink(t, 0, got)
	})
}
