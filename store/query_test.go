package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/policyradar/policyradar/store"
)

// seedItems records items of two topics, one unmatched, across two feeds.
func seedItems(t *testing.T, s *store.Store) {
	t.Helper()
	ingest(t, s, feedA, -1,
		matched(item(feedA, "1", "https://a.example/1", "Open weights model released", 1), "model-releases", "slack:C1"),
		matched(item(feedA, "2", "https://a.example/2", "BIS adds labs to the entity list", 2), "export-controls", "slack:C1"),
		store.IngestItem{Item: item(feedA, "3", "https://a.example/3", "Weather report: open skies", 3)},
	)
	ingest(t, s, feedB, -1,
		store.IngestItem{
			Item:   item(feedB, "4", "https://b.example/4", `New "export controls" on open weights`, 4),
			Topics: []string{"export-controls", "model-releases"},
			Alerts: []store.QueuedAlert{{Channel: "discord:1", Topics: []string{"export-controls", "model-releases"}}},
		},
	)
}

func TestLatest(t *testing.T) {
	s, _ := openStore(t)
	seedItems(t, s)
	cases := []struct {
		name  string
		topic string
		n     int
		want  []string
	}{
		{"any topic", "", 10, []string{`New "export controls" on open weights`, "BIS adds labs to the entity list", "Open weights model released"}},
		{"any topic, limited", "", 2, []string{`New "export controls" on open weights`, "BIS adds labs to the entity list"}},
		{"one topic", "export-controls", 10, []string{`New "export controls" on open weights`, "BIS adds labs to the entity list"}},
		{"unknown topic", "nope", 10, nil},
		{"zero count", "", 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Latest(context.Background(), tc.topic, tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if titles := storedTitles(got); !slices.Equal(titles, tc.want) {
				t.Errorf("Latest = %q, want %q", titles, tc.want)
			}
		})
	}
	// A matching item that queued no alert (backfill, max_item_age) is not "alerted".
	ingest(t, s, feedB, -1, matched(item(feedB, "5", "https://b.example/5", "Quiet open weights", 5), "model-releases"))
	if got, _ := s.Latest(context.Background(), "model-releases", 10); slices.Contains(storedTitles(got), "Quiet open weights") {
		t.Errorf("Latest lists an item that was never alerted: %q", storedTitles(got))
	}
	got, _ := s.Latest(context.Background(), "", 1)
	if len(got) != 1 {
		t.Fatal("no latest item")
	}
	x := got[0]
	if x.Source != "Title of "+feedB || !slices.Equal(x.Topics, []string{"export-controls", "model-releases"}) ||
		x.Link != "https://b.example/4" || !x.Published.Equal(t0.Add(4*time.Hour)) || x.FirstSeen.IsZero() {
		t.Errorf("latest item = %+v", x)
	}
}

func TestSearch(t *testing.T) {
	s, _ := openStore(t)
	seedItems(t, s)
	cases := []struct {
		name  string
		words string
		want  []string
	}{
		{"one word, any case", "WEIGHTS", []string{`New "export controls" on open weights`, "Open weights model released"}},
		{"all words must match", "open weights model", []string{"Open weights model released"}},
		{"summary is searched", "summary skies", []string{"Weather report: open skies"}},
		{"no match", "zebra", nil},
		{"empty", "", nil},
		{"only blanks", " \t\n ", nil},
		{"lone quote", `"`, nil},
		{"quoted phrase is plain words", `"export controls"`, []string{`New "export controls" on open weights`}},
		{"unbalanced quote", `"export`, []string{`New "export controls" on open weights`}},
		{"star", "*", nil},
		{"prefix star is not a prefix", "weigh*", nil},
		{"NEAR", "NEAR(a b)", nil},
		{"NEAR as a word", "NEAR", nil},
		{"minus", "-foo", nil},
		{"minus on a real word", "-entity", []string{"BIS adds labs to the entity list"}},
		{"column filter", "title:weights", nil},
		{"column filter of a real column", "summary:x", nil},
		{"AND alone", "AND", nil},
		{"OR between words is a word", "weights OR zebra", nil},
		{"NOT between words is a word", "open NOT weights", nil},
		{"unbalanced parens", "(open weights", []string{`New "export controls" on open weights`, "Open weights model released"}},
		{"closing paren", ")", nil},
		{"caret and plus", "^open + weights", []string{`New "export controls" on open weights`, "Open weights model released"}},
		{"braces and colon", "{title summary}: open", nil},
		{"sql quote", "' OR 1=1 --", nil},
		{"NUL byte", "open\x00weights", []string{`New "export controls" on open weights`, "Open weights model released"}},
		{"invalid UTF-8", "weights\xff", []string{`New "export controls" on open weights`, "Open weights model released"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Search(context.Background(), tc.words, 10)
			if err != nil {
				t.Fatalf("Search(%q): %v", tc.words, err)
			}
			if titles := storedTitles(got); !slices.Equal(titles, tc.want) {
				t.Errorf("Search(%q) = %q, want %q", tc.words, titles, tc.want)
			}
		})
	}
}

func FuzzSearch(f *testing.F) {
	for _, seed := range []string{`"`, `*`, `NEAR(a b)`, `-foo`, `title:x`, `AND`, `(a`, `a OR b`, `"a" "b`, "\x00", `^a`, `{a b}:c`} {
		f.Add(seed)
	}
	s, _ := openStore(f)
	ingest(f, s, feedA, -1, matched(item(feedA, "1", "https://a.example/1", "open weights", 1), "misuse"))
	f.Fuzz(func(t *testing.T, words string) {
		if _, err := s.Search(context.Background(), words, 5); err != nil {
			t.Fatalf("Search(%q): %v", words, err)
		}
	})
}

func TestTopicCounts(t *testing.T) {
	s, _ := openStore(t)
	seedItems(t, s)
	cases := []struct {
		name  string
		since time.Time
		want  map[string]int
	}{
		{"everything", time.Time{}, map[string]int{"model-releases": 2, "export-controls": 2}},
		{"since hour 2", t0.Add(2 * time.Hour), map[string]int{"model-releases": 1, "export-controls": 2}},
		{"since hour 4", t0.Add(4 * time.Hour), map[string]int{"model-releases": 1, "export-controls": 1}},
		{"future", t0.Add(5 * time.Hour), map[string]int{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.TopicCounts(context.Background(), tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("TopicCounts = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("TopicCounts[%s] = %d, want %d (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}
