// Package websub owns Policy Radar's side of W3C WebSub: it subscribes to
// the hubs that feeds advertise, answers the hubs' verification of intent,
// takes content distributions signed with each subscription's own secret
// and hands their items to the pipeline, renews leases before they end,
// slows the polling of pushed feeds, and unsubscribes feeds that left the
// config. Subscriptions live in the store, so restarts keep them.
package websub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/store"
)

// Defaults of Options.
const (
	DefaultLease      = 10 * 24 * time.Hour
	DefaultVerifyWait = 10 * time.Minute
	DefaultTimeout    = 20 * time.Second
	// CallbackPath is where the callbacks live under the public URL.
	CallbackPath = "/websub/"

	minFallback      = time.Hour
	fallbackFactor   = 6
	maxUnsubAttempts = 3
	deniedRetry      = 6 * time.Hour
)

// Store keeps subscriptions (store.Store implements it).
type Store interface {
	Subscription(ctx context.Context, callbackID string) (store.Subscription, bool, error)
	Subscriptions(ctx context.Context) ([]store.Subscription, error)
	SaveSubscription(ctx context.Context, sub store.Subscription) error
	DeleteSubscription(ctx context.Context, callbackID string) error
}

// Pusher records pushed items (bot.Pipeline implements it).
type Pusher interface {
	Push(ctx context.Context, f alert.Feed, title string, items []alert.Item) error
}

// Intervals changes how often a feed is polled (feeds.Scheduler implements
// it); d <= 0 restores the feed's own interval.
type Intervals interface {
	SetInterval(url string, d time.Duration)
}

var (
	_ Store     = (*store.Store)(nil)
	_ Intervals = (*feeds.Scheduler)(nil)
)

// Options configure a Subscriber.
type Options struct {
	PublicURL string       // where hubs reach this server; callbacks are PublicURL + "/websub/" + id
	Store     Store        // required
	Pusher    Pusher       // required
	Intervals Intervals    // may be nil: polling then keeps its pace
	Feeds     []alert.Feed // the configured feeds; subscriptions of any other feed are cancelled
	Client    *http.Client // for requests to hubs; nil: a client with Timeout
	Timeout   time.Duration
	UserAgent string
	MaxBody   int64         // largest content distribution accepted, default feeds.DefaultMaxBody
	Lease     time.Duration // lease asked of hubs, default 10 days
	// VerifyWait is how long a sent request may wait for the hub's
	// verification of intent before it is sent again (default 10 min,
	// growing with each unanswered request).
	VerifyWait time.Duration
	// Fallback gives a pushed feed's poll interval from its own; default
	// max(6×interval, 1h).
	Fallback func(interval time.Duration) time.Duration
	Logger   *slog.Logger
	Now      func() time.Time
}

// Subscriber subscribes feeds to their hubs and serves the callbacks.
// Safe for concurrent use; Run drives the requests to hubs.
type Subscriber struct {
	opts     Options
	base     string // PublicURL without a trailing slash
	feeds    map[string]alert.Feed
	client   *http.Client
	log      *slog.Logger
	now      func() time.Time
	fallback func(time.Duration) time.Duration
	wake     chan struct{}

	// mu serialises every read-modify-write of a subscription, so a
	// verification arriving while a request is in flight is never lost.
	mu     sync.Mutex
	found  map[string]discovery // feed URL -> hub seen by the latest poll, not yet handled
	pushed map[string]bool      // feed URL -> slowed down (as last told to Intervals)

	paceMu sync.Mutex // serialises refreshPushed
}

type discovery struct{ hub, topic string }

// New returns a Subscriber.
func New(opts Options) *Subscriber {
	s := &Subscriber{opts: opts, base: strings.TrimRight(opts.PublicURL, "/"), feeds: map[string]alert.Feed{},
		client: opts.Client, log: opts.Logger, now: opts.Now, fallback: opts.Fallback,
		wake: make(chan struct{}, 1), found: map[string]discovery{}, pushed: map[string]bool{}}
	for _, f := range opts.Feeds {
		s.feeds[f.URL] = f
	}
	if s.opts.Timeout <= 0 {
		s.opts.Timeout = DefaultTimeout
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: s.opts.Timeout, Transport: feeds.NewTransport(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if s.opts.MaxBody <= 0 {
		s.opts.MaxBody = feeds.DefaultMaxBody
	}
	if s.opts.Lease <= 0 {
		s.opts.Lease = DefaultLease
	}
	if s.opts.VerifyWait <= 0 {
		s.opts.VerifyWait = DefaultVerifyWait
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.fallback == nil {
		s.fallback = func(d time.Duration) time.Duration { return max(fallbackFactor*d, minFallback) }
	}
	return s
}

// Discovered tells the subscriber that a poll of f found a hub (and the
// feed's self URL, "" if none). It only takes note; Run does the work. Safe
// on a nil Subscriber (WebSub off).
func (s *Subscriber) Discovered(f alert.Feed, hub, self string) {
	if s == nil {
		return
	}
	if _, ok := s.feeds[f.URL]; !ok {
		return
	}
	hub = absolute(hub, f.URL)
	topic := absolute(self, f.URL)
	if topic == "" {
		topic = f.URL
	}
	if hub == "" {
		return
	}
	s.mu.Lock()
	s.found[f.URL] = discovery{hub: hub, topic: topic}
	s.mu.Unlock()
	s.poke()
}

func (s *Subscriber) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// callback is the callback URL of a subscription.
func (s *Subscriber) callback(id string) string { return s.base + CallbackPath + id }

// absolute resolves ref against base; only http(s) URLs are kept.
func absolute(ref, base string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if b, err := url.Parse(base); err == nil {
		u = b.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// setPushed slows a feed's polling while its subscription is active and
// restores it when it is not, telling Intervals only about changes.
func (s *Subscriber) setPushed(feedURL string, on bool) {
	s.mu.Lock()
	changed := s.pushed[feedURL] != on
	s.pushed[feedURL] = on
	s.mu.Unlock()
	if !changed || s.opts.Intervals == nil {
		return
	}
	f, ok := s.feeds[feedURL]
	if !ok {
		return
	}
	if on {
		d := s.fallback(f.Interval)
		s.opts.Intervals.SetInterval(feedURL, d)
		s.log.Info("feed is pushed by its WebSub hub; polling slowed as a fallback",
			slog.String("feed", feedURL), slog.Duration("interval", d))
		return
	}
	s.opts.Intervals.SetInterval(feedURL, 0)
	s.log.Info("feed no longer pushed; polling at its own interval", slog.String("feed", feedURL))
}
