package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/console"
)

func TestFormat(t *testing.T) {
	a := alert.Alert{
		Item: alert.Item{Title: "BIS adds firms\nto the \x1b[31mEntity List\x07", Link: "https://www.federalregister.gov/d/1",
			Summary: strings.Repeat("word ", 200), Published: time.Date(2025, 3, 25, 14, 0, 0, 0, time.UTC)},
		Source: "Federal Register — BIS", Topics: []alert.Topic{{ID: "export-controls", Name: "Export controls"}},
		Keywords: []string{"Entity List", "BIS"},
	}
	var out bytes.Buffer
	if _, err := console.New(&out).Send(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"[Export controls] BIS adds firms to the [31mEntity List", "https://www.federalregister.gov/d/1",
		"Federal Register — BIS · Tue, 25 Mar 2025 14:00:00 UTC · matched: Entity List, BIS"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.ContainsAny(got, "\x1b\x07") {
		t.Errorf("control characters from the feed reached the terminal: %q", got)
	}
	if !strings.HasSuffix(got, "\n\n") {
		t.Errorf("block does not end with a blank line: %q", got)
	}
}

func TestSnippet(t *testing.T) {
	cases := []struct {
		name, summary, content string
		want                   string
	}{
		{"short summary", "Short.", "", "Short."},
		{"content when no summary", "", "From the content.", "From the content."},
		{"cut on a word", strings.Repeat("abcd ", 100), "", strings.TrimSpace(strings.Repeat("abcd ", 59)) + "…"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := console.Snippet(alert.Item{Summary: tc.summary, Content: tc.content}, 300)
			if got != tc.want {
				t.Errorf("Snippet = %q, want %q", got, tc.want)
			}
			if utf8.RuneCountInString(got) > 300 {
				t.Errorf("snippet of %d characters, want at most 300", utf8.RuneCountInString(got))
			}
		})
	}
}
