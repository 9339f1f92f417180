package bench_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/feeds/feedtest"
)

// sampleItems returns the entries of the real feeds as feedtest items, each
// with about 1 KB of text (title, summary and a little content), or
// synthetic entries of the same size when the real feeds are absent.
func sampleItems(tb testing.TB) []feedtest.Item {
	tb.Helper()
	var out []feedtest.Item
	if dir := realFeedsDir(tb); dir != "" {
		files, err := filepath.Glob(filepath.Join(dir, "*"))
		if err != nil {
			tb.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, ".md") {
				continue
			}
			data, err := os.ReadFile(name)
			if err != nil {
				tb.Fatal(err)
			}
			_, items, err := feeds.Parse(data, "https://example.org/feed.xml", time.Now())
			if err != nil {
				continue // a real feed the parser refuses is not this benchmark's concern
			}
			for _, it := range items {
				if it.Title == "" {
					continue
				}
				out = append(out, feedtest.Item{
					Title:       it.Title,
					Description: cut(it.Summary, 700),
					Content:     cut(it.Content, 300),
					Author:      it.Author,
					Categories:  it.Categories,
				})
			}
		}
	}
	if len(out) < 20 {
		tb.Logf("real feeds absent or short (%d items): using synthetic items", len(out))
		words := strings.Fields("the agency said on tuesday that new rules on open weight models and export " +
			"controls for advanced chips would follow a public comment period in which labs researchers and " +
			"civil society groups argued about misuse risks regulation and the future of open source software")
		for i := range 200 {
			var b strings.Builder
			for j := 0; b.Len() < 900; j++ {
				b.WriteString(words[(i*7+j)%len(words)])
				b.WriteByte(' ')
			}
			out = append(out, feedtest.Item{Title: fmt.Sprintf("Update %d on %s %s", i, words[i%len(words)], words[(i+3)%len(words)]),
				Description: b.String(), Categories: []string{"policy"}})
		}
	}
	return out
}

// cut shortens s to at most n bytes at a word boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	if i := strings.LastIndexByte(s, ' '); i > n/2 {
		s = s[:i]
	}
	return s
}

// feedBody builds feed number n: perFeed items taken in turn from sample,
// each with a link and GUID of its own, newest first.
func feedBody(sample []feedtest.Item, n, perFeed int, now time.Time) []byte {
	items := make([]feedtest.Item, perFeed)
	for i := range items {
		it := sample[(n*perFeed+i)%len(sample)]
		it.Link = fmt.Sprintf("https://news.example.org/feed%d/item%d", n, i)
		it.GUID = it.Link
		it.Published = now.Add(-time.Duration(i) * time.Hour)
		items[i] = it
	}
	return feedtest.RSS(fmt.Sprintf("Bench feed %d", n), items...)
}

// feedsParse parses a feed document as the poller does.
func feedsParse(doc []byte) (string, []alert.Item, error) {
	return feeds.Parse(doc, "https://news.example.org/feed.xml", time.Now())
}
