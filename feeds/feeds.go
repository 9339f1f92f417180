// Package feeds fetches feeds over HTTP with conditional GET, parses them
// with gofeed, normalises their entries to alert.Item and schedules polls.
// It knows nothing of rules, SQLite or chat platforms.
package feeds

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/policyradar/policyradar/alert"
)

// ErrGone is returned (wrapped) when a feed answers 410 Gone.
var ErrGone = errors.New("feed is gone (410)")

// HTTPError is a non-2xx, non-304 answer.
type HTTPError struct {
	URL        string
	Status     int
	RetryAfter time.Duration // from Retry-After on 429/503, else 0
}

func (e *HTTPError) Error() string { panic("feeds: HTTPError.Error not implemented") }

// RetryAfter returns the wait a failed fetch asked for (429/503 Retry-After), or 0.
func RetryAfter(err error) time.Duration { panic("feeds: RetryAfter not implemented") }

// Options configure a Fetcher.
type Options struct {
	Client    *http.Client  // nil: a client with sane transport defaults
	UserAgent string        // "policyradar/VERSION (+https://github.com/policyradar/policyradar)"
	Timeout   time.Duration // per request, default 20s
	MaxBody   int64         // after decompression, default 10 MiB
	Logger    *slog.Logger
}

// Fetcher fetches and parses feeds. Safe for concurrent use.
type Fetcher struct{}

func NewFetcher(opts Options) *Fetcher { panic("feeds: NewFetcher not implemented") }

// Request names what to fetch and the validators from the previous fetch.
type Request struct {
	URL          string
	ETag         string
	LastModified string
}

// Result is a fetched feed.
type Result struct {
	NotModified  bool // 304: Items is empty and nothing was parsed
	ETag         string
	LastModified string
	Title        string       // the feed's own title
	Items        []alert.Item // normalised, in feed order
	Hub          string       // WebSub hub advertised by the feed (link rel=hub or Link header), if any
	Self         string       // the feed's self URL, if advertised
	FetchedAt    time.Time
}

// Fetch GETs the feed (conditional, gzip, User-Agent, timeout, body limit,
// at most 5 redirects, http/https only) and parses it.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Result, error) {
	panic("feeds: Fetch not implemented")
}

// Parse parses a feed document (RSS, Atom, RDF, JSON Feed; any encoding) and
// normalises its items. feedURL resolves relative links and becomes
// Item.FeedURL; now stands in for missing dates.
func Parse(data []byte, feedURL string, now time.Time) (title string, items []alert.Item, err error) {
	panic("feeds: Parse not implemented")
}

// NormalizeLink resolves raw against base and removes the fragment and the
// tracking parameters utm_*, fbclid, gclid, mc_cid, mc_eid, ref_src.
func NormalizeLink(raw, base string) string { panic("feeds: NormalizeLink not implemented") }
