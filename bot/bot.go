// Package bot is Policy Radar's pipeline: it polls feeds, matches their items
// against the topics, records new items and queues their alerts in one
// transaction, and delivers the queue to each channel in order of
// publication. It also answers the /radar slash command. It declares the
// small interfaces it consumes; main wires the real parts in.
//
// bot uses the value types of feeds and store (FeedState, Batch, Result)
// rather than copying them into alert: they are the pipeline's own
// vocabulary, and no adapter ever needs them.
package bot

import (
	"context"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/store"
)

// Fetcher fetches one feed.
type Fetcher interface {
	Fetch(ctx context.Context, req feeds.Request) (*feeds.Result, error)
}

// Matcher matches an item against the topics.
type Matcher interface {
	Match(it alert.Item, only ...string) []alert.Match
}

// Store is what the pipeline, the delivery workers and the commands need of
// the database.
type Store interface {
	Ping(ctx context.Context) error
	FeedState(ctx context.Context, url string) (store.FeedState, bool, error)
	FeedStates(ctx context.Context) ([]store.FeedState, error)
	SaveFeedState(ctx context.Context, st store.FeedState) error
	Ingest(ctx context.Context, b store.Batch) (store.IngestResult, error)
	Pending(ctx context.Context, channel string, now time.Time, limit int) ([]alert.Alert, error)
	NextDue(ctx context.Context, channel string) (time.Time, bool, error)
	MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error
	MarkRetry(ctx context.Context, id int64, next time.Time, lastErr string) error
	MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error
	QueueStats(ctx context.Context) (store.QueueStats, error)
	Latest(ctx context.Context, topic string, n int) ([]store.StoredItem, error)
	Search(ctx context.Context, words string, n int) ([]store.StoredItem, error)
	TopicCounts(ctx context.Context, since time.Time) (map[string]int, error)
	FailedAlerts(ctx context.Context, limit int) ([]store.FailedAlert, error)
}

var _ Store = (*store.Store)(nil)

// Sink delivers alerts to one channel. Errors are classified with
// alert.ErrPermanent and *alert.RateLimitedError; any other error is retried.
type Sink interface {
	Send(ctx context.Context, a alert.Alert) (messageID string, err error)
}

// TopicInfo is what the pipeline knows of a configured topic.
type TopicInfo struct {
	alert.Topic
	High     bool // priority high: alerts carry the channel's mention
	Keywords int  // number of keywords, for /radar topics
}

// ChannelInfo is a configured channel as the pipeline routes to it.
type ChannelInfo struct {
	Key      string   // store key, e.g. "slack:C0123"
	Platform string   // "slack", "discord", "console": labels metrics and shares global rate limits
	Topics   []string // topic ids routed to it
	Mention  string
}
