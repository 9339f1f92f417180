// Package alert holds the plain value types that every part of Policy Radar
// shares: feeds, items, matches, queued alerts, slash commands and their
// replies, and the errors a delivery can end in. It imports nothing of ours.
package alert

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Feed is one configured feed.
type Feed struct {
	URL      string
	Name     string        // configured name; empty means "use the feed's own title"
	Interval time.Duration // poll interval
	Topics   []string      // topic ids this feed may match; empty means every topic
}

// Item is one normalised feed entry.
type Item struct {
	FeedURL    string    // the configured URL of the feed it came from
	Key        string    // stable key within the feed: GUID, else normalised link, else hash of title+date
	GUID       string    // as the feed gave it, may be empty
	Link       string    // normalised absolute link (tracking parameters and fragment removed)
	Title      string    // plain text
	Summary    string    // plain text
	Content    string    // plain text
	Author     string    // plain text, may be empty
	Categories []string  // plain text
	Published  time.Time // the feed's date, else the first-seen time
	Dated      bool      // true when Published came from the feed
}

// Match is one topic that an item matched.
type Match struct {
	Topic    string   // topic id
	Keywords []string // the text that matched, as it stands in the item, deduplicated, in order of appearance
}

// Topic is what an alert needs to know of a topic to render it.
type Topic struct {
	ID    string
	Name  string
	Color int // 0xRRGGBB
}

// Alert is one item to deliver to one channel.
type Alert struct {
	ID       int64  // queue row id; stable across retries and restarts
	Channel  string // channel key, e.g. "slack:C0123ABCD"
	Item     Item
	Source   string // feed name shown to people
	Topics   []Topic
	Keywords []string
	Mention  string // the channel's mention, set only for high-priority alerts
	Attempt  int    // 1 for the first try
}

// ErrPermanent marks a delivery that must not be retried (a channel that does
// not exist, a revoked token, a 4xx other than 429). Test with errors.Is.
var ErrPermanent = errors.New("permanent delivery failure")

// PermanentError is a delivery failure that retrying cannot fix.
type PermanentError struct {
	Reason string // short platform reason, e.g. "channel_not_found" or "403 Forbidden"
	Err    error
}

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return e.Reason
	}
	if msg := e.Err.Error(); strings.Contains(msg, e.Reason) {
		return msg // the reason is already there: say it once
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}

func (e *PermanentError) Unwrap() []error { return []error{ErrPermanent, e.Err} }

// Permanent wraps err as a permanent failure with a short reason.
func Permanent(reason string, err error) error { return &PermanentError{Reason: reason, Err: err} }

// RateLimitedError says the platform asked us to wait before sending again.
type RateLimitedError struct {
	RetryAfter time.Duration
	Global     bool // the whole bot is limited, not one route or channel
	Err        error
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s", e.RetryAfter)
}

func (e *RateLimitedError) Unwrap() error { return e.Err }

// Command is a parsed /radar invocation, whatever the platform or transport.
type Command struct {
	Platform string   // "slack" or "discord"
	Name     string   // subcommand: latest, search, topics, feeds, help
	Args     []string // remaining words
	Text     string   // the raw text after /radar
	User     string
	Channel  string
}

// Reply is a platform-neutral answer to a Command; adapters render it.
type Reply struct {
	Title string      // heading, e.g. "Latest in export-controls"
	Text  string      // plain-text body or usage line; may be empty when Items/Lines carry it
	Items []ReplyItem // items, newest first
	Lines []string    // plain lines (topics, feeds, failures)
	Error bool        // the answer is a usage or input error
}

// ReplyItem is one item listed in a Reply.
type ReplyItem struct {
	Title     string
	Link      string
	Source    string
	Published time.Time
	Topics    []string
}
