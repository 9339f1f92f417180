// Package console prints alerts to a terminal or log stream, one readable
// block per alert.
package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/alert"
)

// Sender writes alerts to w. Safe for concurrent use.
type Sender struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns a Sender writing to w.
func New(w io.Writer) *Sender { return &Sender{w: w} }

// Send prints one alert block. The returned id is empty: a terminal has none.
func (s *Sender) Send(_ context.Context, a alert.Alert) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := io.WriteString(s.w, Format(a))
	if err != nil {
		return "", fmt.Errorf("write alert: %w", err)
	}
	return "", nil
}

// Format renders an alert as a block of plain text ending in a blank line.
// Control characters from feed text are dropped so a hostile title cannot
// drive the terminal.
func Format(a alert.Alert) string {
	var b strings.Builder
	names := make([]string, len(a.Topics))
	for i, t := range a.Topics {
		names[i] = t.Name
		if names[i] == "" {
			names[i] = t.ID
		}
	}
	fmt.Fprintf(&b, "■ [%s] %s\n", strings.Join(names, ", "), clean(a.Item.Title))
	if a.Item.Link != "" {
		fmt.Fprintf(&b, "  %s\n", clean(a.Item.Link))
	}
	when := "date unknown"
	if !a.Item.Published.IsZero() {
		when = a.Item.Published.UTC().Format(time.RFC1123)
	}
	fmt.Fprintf(&b, "  %s · %s", clean(a.Source), when)
	if len(a.Keywords) > 0 {
		fmt.Fprintf(&b, " · matched: %s", clean(strings.Join(a.Keywords, ", ")))
	}
	b.WriteString("\n")
	if s := Snippet(a.Item, 300); s != "" {
		fmt.Fprintf(&b, "  %s\n", s)
	}
	b.WriteString("\n")
	return b.String()
}

// Snippet returns at most n characters of the item's summary (else its
// content), cut at a word boundary.
func Snippet(it alert.Item, n int) string {
	s := it.Summary
	if s == "" {
		s = it.Content
	}
	s = clean(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n-1]
	if i := strings.LastIndexByte(string(r), ' '); i > len(string(r))/2 {
		return strings.TrimRight(string(r)[:i], " ,;:") + "…"
	}
	return string(r) + "…"
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
