package feeds_test

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/internal/proctest"

	"github.com/policyradar/policyradar/internal/realfeeds"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
)

var (
	tagRemnant    = regexp.MustCompile(`<[a-zA-Z/!?][^>]*>`)
	entityRemnant = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);`)
)

func moduleRoot(tb testing.TB) string {
	tb.Helper()
	root, err := proctest.ModuleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

func parseRealFeed(t *testing.T, dir, name string, now time.Time) (string, []alert.Item) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	title, items, err := feeds.Parse(data, "https://realfeeds.test/"+name, now)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return title, items
}

func TestParseRealFeeds(t *testing.T) {
	dir, names := realfeeds.Require(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			title, items := parseRealFeed(t, dir, name, now)
			raw := readRaw(t, dir, name)
			if title == "" {
				t.Error("feed title is empty")
			}
			checkText(t, raw, "feed title", title)
			if len(items) == 0 {
				t.Fatal("no items")
			}
			keys := map[string]bool{}
			for i, it := range items {
				if it.Title == "" {
					t.Errorf("item %d has no title", i)
				}
				u, err := url.Parse(it.Link)
				if err != nil || !u.IsAbs() || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
					t.Errorf("item %d link %q is not an absolute http(s) URL", i, it.Link)
				}
				if u != nil && (u.Fragment != "" || strings.Contains(u.RawQuery, "utm_")) {
					t.Errorf("item %d link %q keeps a fragment or tracking parameter", i, it.Link)
				}
				if it.Key == "" || keys[it.Key] {
					t.Errorf("item %d key %q is empty or repeated", i, it.Key)
				}
				keys[it.Key] = true
				if it.FeedURL != "https://realfeeds.test/"+name {
					t.Errorf("item %d FeedURL = %q", i, it.FeedURL)
				}
				if !it.Dated && !it.Published.Equal(now) {
					t.Errorf("item %d is undated but Published = %v, want the parse time", i, it.Published)
				}
				for field, s := range map[string]string{"title": it.Title, "summary": it.Summary, "content": it.Content, "author": it.Author} {
					checkText(t, raw, field, s)
				}
				for _, c := range it.Categories {
					checkText(t, raw, "category", c)
				}
			}
		})
	}
}

func readRaw(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkText fails on text that still carries markup or entities, or is not
// valid UTF-8. Markup the document itself escaped as text (articles about
// HTML write "&lt;i&gt;") is text, not a remnant.
func checkText(t *testing.T, raw, field, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s is not valid UTF-8: %q", field, s)
	}
	if strings.ContainsRune(s, utf8.RuneError) {
		t.Errorf("%s holds U+FFFD: %q", field, clip(s))
	}
	for _, m := range tagRemnant.FindAllString(s, -1) {
		if !escapedInSource(raw, m) {
			t.Errorf("%s keeps a tag %q: %q", field, m, clip(s))
		}
	}
	for _, m := range entityRemnant.FindAllString(s, -1) {
		if !strings.Contains(raw, "&amp;"+m[1:]) && !strings.Contains(raw, "&amp;amp;"+m[1:]) {
			t.Errorf("%s keeps an entity %q: %q", field, m, clip(s))
		}
	}
	if s != strings.TrimSpace(s) || strings.Contains(s, "  ") || strings.ContainsAny(s, "\n\t\r") {
		t.Errorf("%s white space is not folded: %q", field, clip(s))
	}
}

// escapedInSource reports whether the document wrote tag as escaped text,
// e.g. "&lt;img" or, in code samples marked up per token, "&lt;<kbd>img".
func escapedInSource(raw, tag string) bool {
	name := strings.TrimLeft(tag[1:], "/!")
	if i := strings.IndexAny(name, " \t\n>"); i >= 0 {
		name = name[:i]
	}
	re := regexp.MustCompile(`&(amp;)?lt;(<[^>]+>)*/?!?` + regexp.QuoteMeta(name))
	return re.MatchString(raw)
}

func clip(s string) string {
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
}

// TestParseRealFeedsSpecific checks what each troublesome sample is there for.
func TestParseRealFeedsSpecific(t *testing.T) {
	dir, _ := realfeeds.Require(t)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		file  string
		check func(t *testing.T, title string, items []alert.Item)
	}{
		{"ISO-8859-1 declared: umlauts", "golem-iso88591.xml", func(t *testing.T, _ string, items []alert.Item) {
			wantText(t, items, "wünschen")
			wantText(t, items, "für")
		}},
		{"Latin-1 undeclared: accents", "uol-noticias-latin1-noprolog.xml", func(t *testing.T, _ string, items []alert.Item) {
			wantText(t, items, "simulações de 2º turno")
			wantText(t, items, "inquérito")
		}},
		{"Portuguese dates", "uol-noticias-latin1-noprolog.xml", func(t *testing.T, _ string, items []alert.Item) {
			want := time.Date(2018, 9, 24, 22, 42, 40, 0, time.UTC)
			if !items[0].Dated || !items[0].Published.Equal(want) {
				t.Errorf("first item Published = %v (dated %v), want %v", items[0].Published, items[0].Dated, want)
			}
		}},
		{"GB2312 declared: Chinese", "kc0011-gb2312-baddates.xml", func(t *testing.T, title string, items []alert.Item) {
			if title != "投资资讯网交易在线--流通纪念币最新20篇论坛主题-全文" {
				t.Errorf("title = %q", title)
			}
			wantText(t, items, "建国35周年纪念，华表，和平鸽")
		}},
		{"RDF without dates is undated", "heise-rss090-rdf-nodates.xml", func(t *testing.T, _ string, items []alert.Item) {
			for i, it := range items {
				if it.Dated || !it.Published.Equal(now) {
					t.Errorf("item %d: Dated=%v Published=%v, want undated at %v", i, it.Dated, it.Published, now)
				}
			}
			wantText(t, items, "Vorsichtsmaßnahmen")
		}},
		{"xml:base and raw markup in description", "insanity-xmlbase-rawhtml.xml", func(t *testing.T, _ string, items []alert.Item) {
			if got, want := items[0].Link, "https://insanity.industries/post/pareto-optimal-compression/"; got != want {
				t.Errorf("link = %q, want %q", got, want)
			}
			if got, want := items[0].Summary, "Everyone wants good compression. But what exactly is good compression? Time for a closer look."; got != want {
				t.Errorf("summary = %q, want %q", got, want)
			}
			if got := items[0].Author; got != "Jonas Große Sundrup" {
				t.Errorf("author = %q", got)
			}
		}},
		{"UTF-8 BOM", "donthitsave-utf8bom.xml", func(t *testing.T, title string, _ []alert.Item) {
			if title != "Don't Hit Save" {
				t.Errorf("title = %q", title)
			}
		}},
		{"tracking fragment dropped", "macworld-leading-whitespace.xml", func(t *testing.T, _ string, items []alert.Item) {
			if got, want := items[0].Link, "https://www.techhive.com/article/3212828/connected-home/best-smart-lock.html"; got != want {
				t.Errorf("link = %q, want %q", got, want)
			}
		}},
		{"structured author reduced to the name", "googleai-blog.xml", func(t *testing.T, _ string, items []alert.Item) {
			if got := items[0].Author; got != "Austin Wu" {
				t.Errorf("author = %q", got)
			}
		}},
		{"every OpenAI item kept", "openai-news.xml", func(t *testing.T, _ string, items []alert.Item) {
			if len(items) != 599 {
				t.Errorf("%d items, want 599", len(items))
			}
		}},
		{"JSON Feed 1.1 summary and tags", "3960-jsonfeed11.json", func(t *testing.T, _ string, items []alert.Item) {
			if items[0].Summary == "" || len(items[0].Categories) == 0 || items[0].Author != "Frank Boës" {
				t.Errorf("first item = %+v", items[0])
			}
		}},
		{"Reddit comments stripped", "reddit-homelab-atom.xml", func(t *testing.T, _ string, items []alert.Item) {
			for _, it := range items {
				if strings.Contains(it.Content, "SC_OFF") {
					t.Fatalf("comment left in content: %q", clip(it.Content))
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, items := parseRealFeed(t, dir, tt.file, now)
			if len(items) == 0 {
				t.Fatal("no items")
			}
			tt.check(t, title, items)
		})
	}
}

// wantText fails unless some item's title, summary or content contains s.
func wantText(t *testing.T, items []alert.Item, s string) {
	t.Helper()
	for _, it := range items {
		if strings.Contains(it.Title, s) || strings.Contains(it.Summary, s) || strings.Contains(it.Content, s) {
			return
		}
	}
	t.Errorf("no item contains %q", s)
}

func BenchmarkParse(b *testing.B) {
	dir, names := realfeeds.Require(b)
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			now := time.Now()
			for b.Loop() {
				if _, _, err := feeds.Parse(data, "https://realfeeds.test/"+name, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
