package feeds_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
)

// ownFeed reads one of our own small feeds in <module root>/testdata/feeds.
func ownFeed(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(moduleRoot(t), "testdata", "feeds", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseOwnFeeds(t *testing.T) {
	const feedURL = "https://feeds.example/dir/feed.xml"
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	date := func(s string) time.Time {
		d, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	hashKey := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	tests := []struct {
		file  string
		title string
		items []alert.Item
	}{
		{"rss-relative-xmlbase.xml", "Policy & Weights", []alert.Item{
			{Key: "https://policy.example/posts/eu-ai-act.html?lang=en", Link: "https://policy.example/posts/eu-ai-act.html?lang=en",
				Title: "EU AI Act: open-weight models exempt?", Summary: "The AI Act & open weights.",
				Content: "Full text. Second’s paragraph.", Categories: []string{"Regulation & law"},
				Published: date("2025-07-01T12:00:00Z"), Dated: true},
			{Key: "https://feeds.example/notes/export-controls", Link: "https://feeds.example/notes/export-controls",
				Title: "Relative to the feed", Published: now},
			{Key: hashKey("No link, no guid\x002025-07-02T06:30:00Z"), Title: "No link, no guid", Summary: "Only text.",
				Published: date("2025-07-02T08:30:00+02:00"), Dated: true},
			{Key: "https://policy.example/p/42", GUID: "https://policy.example/p/42", Link: "https://policy.example/p/42",
				Title: "Guid is the permalink", Published: now},
		}},
		{"atom-xmlbase-xhtml.xml", "Atom <Weights>", []alert.Item{
			{Key: "tag:atom.example,2025:1", GUID: "tag:atom.example,2025:1", Link: "https://atom.example/blog/2025/model-card",
				Title: "Model card published", Summary: "Short & sweet", Content: "Weights here.", Author: "Ada",
				Categories: []string{"Model releases"}, Published: date("2025-07-03T10:00:00+02:00"), Dated: true},
		}},
		{"rss-declared-utf8-has-cp1252.xml", "Café mixed", []alert.Item{
			{Key: "https://mixed.example/1", Link: "https://mixed.example/1", Title: "“Open” weights for cafés",
				Summary: "été in UTF-8", Published: now},
		}},
		{"jsonfeed-relative.json", "JSON Policy", []alert.Item{
			{Key: "1", GUID: "1", Link: "https://feeds.example/items/1?page=2", Title: "Open weights & export controls",
				Summary: "Sum <3", Content: "Body bold", Author: "Grace", Categories: []string{"policy"},
				Published: date("2025-07-04T09:00:00Z"), Dated: true},
			{Key: hashKey("Untitled link-less\x00"), Title: "Untitled link-less", Content: "plain", Published: now},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			title, items, err := feeds.Parse(ownFeed(t, tt.file), feedURL, now)
			if err != nil {
				t.Fatal(err)
			}
			if title != tt.title {
				t.Errorf("title = %q, want %q", title, tt.title)
			}
			if len(items) != len(tt.items) {
				t.Fatalf("%d items, want %d: %+v", len(items), len(tt.items), items)
			}
			for i, want := range tt.items {
				want.FeedURL = feedURL
				got := items[i]
				if !got.Published.Equal(want.Published) {
					t.Errorf("item %d Published = %v, want %v", i, got.Published, want.Published)
				}
				got.Published, want.Published = time.Time{}, time.Time{}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("item %d\n got %+v\nwant %+v", i, got, want)
				}
			}
		})
	}
}

func TestParseHTMLPage(t *testing.T) {
	_, _, err := feeds.Parse(ownFeed(t, "html-page.html"), "https://site.example/blog/", time.Now())
	if !errors.Is(err, feeds.ErrNotFeed) || !strings.Contains(err.Error(), "not a feed: looks like an HTML page (it links to a feed at https://site.example/blog/feed.atom)") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzParse: no input may panic the parser, and whatever comes out is
// valid UTF-8 plain text.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"rss-relative-xmlbase.xml", "atom-xmlbase-xhtml.xml", "rss-declared-utf8-has-cp1252.xml", "jsonfeed-relative.json", "html-page.html"} {
		f.Add(ownFeed(f, name))
	}
	f.Add([]byte("\xef\xbb\xbf<rss><channel><item><title>a&amp;b</title></item></channel></rss>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, items, err := feeds.Parse(data, "https://fuzz.example/feed", time.Unix(0, 0))
		if err != nil {
			return
		}
		for _, it := range items {
			for _, s := range []string{it.Title, it.Summary, it.Content, it.Author, it.Link, it.Key} {
				if !utf8Valid(s) {
					t.Fatalf("invalid UTF-8 in %q", s)
				}
			}
			if it.Key == "" {
				t.Fatal("empty key")
			}
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// TestParseFromFile: a feed read from a file resolves relative links
// against its own site link, not against the file.
func TestParseFromFile(t *testing.T) {
	_, items, err := feeds.Parse(ownFeed(t, "rss-relative-xmlbase.xml"), "file:///tmp/feed.xml", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := items[1].Link, "https://policy.example/notes/export-controls"; got != want {
		t.Errorf("link = %q, want %q", got, want)
	}
}
