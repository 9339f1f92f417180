package feeds_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/feeds"
)

// bigRSS is an RSS document of n items, oldest first, dated when dated is set.
func bigRSS(n int, dated bool) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>`)
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>item %d</title><link>https://big.example/%d</link><description>&lt;p&gt;text %d&lt;/p&gt;</description>`, i, i, i)
		if dated {
			fmt.Fprintf(&b, `<pubDate>%s</pubDate>`, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
		}
		b.WriteString(`</item>`)
	}
	b.WriteString(`</channel></rss>`)
	return []byte(b.String())
}

func TestParseKeepsAtMostMaxItems(t *testing.T) {
	n := feeds.MaxItems + 700
	cases := []struct {
		name        string
		dated       bool
		first, last string // titles of the first and last item kept
	}{
		// Dated: the newest by date, whatever their place in the document.
		{"dated, oldest first", true, "item 700", fmt.Sprintf("item %d", n-1)},
		// Undated: the document's own order, which lists the newest first.
		{"undated", false, "item 0", fmt.Sprintf("item %d", feeds.MaxItems-1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, items, err := feeds.Parse(bigRSS(n, tc.dated), "https://big.example/feed", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != feeds.MaxItems {
				t.Fatalf("%d items, want %d", len(items), feeds.MaxItems)
			}
			if items[0].Title != tc.first || items[len(items)-1].Title != tc.last {
				t.Errorf("kept %q … %q, want %q … %q", items[0].Title, items[len(items)-1].Title, tc.first, tc.last)
			}
		})
	}
}

// BenchmarkParseHugeFeed shows the cost of a runaway feed: 100,000 items.
func BenchmarkParseHugeFeed(b *testing.B) {
	doc := bigRSS(100_000, true)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := feeds.Parse(doc, "https://big.example/feed", time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
