// Package feeds owns getting news items out of feeds: the conditional-GET
// fetcher (its own HTTP, with gzip, a body limit, a redirect limit and a
// User-Agent), the parser (gofeed, plus charset repair), the normaliser that
// turns entries into alert.Item (plain text, normalised links, stable keys)
// and the scheduler that polls each feed on its own interval with jitter and
// backoff. It knows nothing of rules, SQLite or chat platforms.
package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/policyradar/policyradar/alert"
)

// ErrGone is returned (wrapped) when a feed answers 410 Gone.
var ErrGone = errors.New("feed is gone (410)")

// ErrNotFeed is returned (wrapped) when a document is neither RSS, Atom nor
// JSON Feed, e.g. an HTML page.
var ErrNotFeed = errors.New("not a feed")

// ErrTooLarge is returned (wrapped) when a feed body exceeds Options.MaxBody
// after decompression.
var ErrTooLarge = errors.New("feed body too large")

// ErrRedirect is returned (wrapped) when a feed redirects too often or to a
// URL that is not http or https.
var ErrRedirect = errors.New("bad redirect")

// HTTPError is a non-2xx, non-304 answer.
type HTTPError struct {
	URL        string
	Status     int
	RetryAfter time.Duration // from Retry-After on 429/503, else 0
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("fetch %s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrGone) true for a 410.
func (e *HTTPError) Unwrap() error {
	if e.Status == http.StatusGone {
		return ErrGone
	}
	return nil
}

// RetryAfter returns the wait a failed fetch asked for (429/503 Retry-After), or 0.
func RetryAfter(err error) time.Duration {
	var he *HTTPError
	if errors.As(err, &he) && he.RetryAfter > 0 {
		return he.RetryAfter
	}
	return 0
}

// Options configure a Fetcher.
type Options struct {
	Client    *http.Client  // nil: a client with sane transport defaults
	UserAgent string        // "policyradar/VERSION (+https://github.com/policyradar/policyradar)"
	Timeout   time.Duration // per request, default 20s
	MaxBody   int64         // after decompression, default 10 MiB
	Logger    *slog.Logger
}

// Defaults of Options.
const (
	DefaultUserAgent = "policyradar/dev (+https://github.com/policyradar/policyradar)"
	DefaultTimeout   = 20 * time.Second
	DefaultMaxBody   = 10 << 20
	MaxRedirects     = 5
)

// Fetcher fetches and parses feeds. Safe for concurrent use.
type Fetcher struct {
	client  *http.Client
	ua      string
	timeout time.Duration
	maxBody int64
	log     *slog.Logger
}

// NewFetcher returns a Fetcher. A given Client is copied and its redirect
// policy replaced by the fetcher's own (at most 5, http and https only).
func NewFetcher(opts Options) *Fetcher {
	f := &Fetcher{ua: opts.UserAgent, timeout: opts.Timeout, maxBody: opts.MaxBody, log: opts.Logger}
	if f.ua == "" {
		f.ua = DefaultUserAgent
	}
	if f.timeout <= 0 {
		f.timeout = DefaultTimeout
	}
	if f.maxBody <= 0 {
		f.maxBody = DefaultMaxBody
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	var c http.Client
	if opts.Client != nil {
		c = *opts.Client
	} else {
		c = http.Client{Transport: NewTransport()}
	}
	c.CheckRedirect = checkRedirect
	f.client = &c
	return f
}

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
	return f.fetch(ctx, req)
}

// Parse parses a feed document (RSS, Atom, RDF, JSON Feed; any encoding) and
// normalises its items. feedURL resolves relative links and becomes
// Item.FeedURL; now stands in for missing dates.
func Parse(data []byte, feedURL string, now time.Time) (title string, items []alert.Item, err error) {
	doc, err := parseDocument(data, "", feedURL, now)
	if err != nil {
		return "", nil, err
	}
	return doc.title, doc.items, nil
}
