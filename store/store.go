// Package store keeps Policy Radar's state in one SQLite file (modernc.org/sqlite,
// no cgo): feed state, seen items with a full-text index, and the durable
// alert queue. Migrations are embedded and run in transactions.
package store

import (
	"context"
	"log/slog"
	"time"

	"github.com/policyradar/policyradar/alert"
)

// Store is an open database. Safe for concurrent use.
type Store struct{}

// Open opens (creating with its folder, mode 0600) the database at path,
// sets WAL, busy timeout and foreign keys, and runs pending migrations.
// A file that is not a usable database gives an error naming the file and what to do.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	panic("store: Open not implemented")
}

func (s *Store) Close() error { panic("store: Close not implemented") }

// Ping checks that the database can be read and written (used by /healthz).
func (s *Store) Ping(ctx context.Context) error { panic("store: Ping not implemented") }

// FeedState is what is remembered of one feed between polls.
type FeedState struct {
	URL          string
	Title        string // the feed's own title, last seen
	ETag         string
	LastModified string
	LastPoll     time.Time
	LastSuccess  time.Time // zero: never polled successfully
	LastError    string    // "" when the latest poll succeeded
	FailingSince time.Time // zero when not failing
	Failures     int       // consecutive failures
	NextPoll     time.Time
	Gone         bool // 410 seen
	ItemsSeen    int  // items recorded for this feed (read-only, computed)
}

// FeedState returns the stored state of one feed; ok is false if it was never polled.
func (s *Store) FeedState(ctx context.Context, url string) (st FeedState, ok bool, err error) {
	panic("store: FeedState not implemented")
}

// FeedStates returns every stored feed state, ordered by URL.
func (s *Store) FeedStates(ctx context.Context) ([]FeedState, error) {
	panic("store: FeedStates not implemented")
}

// SaveFeedState upserts a feed state (ItemsSeen is ignored).
func (s *Store) SaveFeedState(ctx context.Context, st FeedState) error {
	panic("store: SaveFeedState not implemented")
}

// IngestItem is one fetched item, its matches and the alerts it should queue.
type IngestItem struct {
	Item     alert.Item
	Topics   []string // matched topic ids (may be empty: the item is still recorded)
	Keywords []string // matched keywords, all topics together
	Alerts   []QueuedAlert
}

// QueuedAlert is one alert to queue for a new item.
type QueuedAlert struct {
	Channel  string   // channel key
	Topics   []string // the topic ids that route the item to this channel
	Keywords []string
	Mention  string
}

// Batch is the result of one successful poll of one feed.
type Batch struct {
	State FeedState    // saved in the same transaction
	Items []IngestItem // in any order
	// AlertLimit caps how many new items get their alerts queued, newest
	// (by Published) first; -1 means no cap. Used for backfill on a first poll.
	AlertLimit int
}

// IngestResult says what Ingest did.
type IngestResult struct {
	New    int // items recorded for the first time
	Queued int // alert rows queued
}

// Ingest records the batch in ONE transaction: the feed state, every item
// not seen before (unique by feed+key, and by normalised link across all
// feeds), and the alerts of new items (subject to AlertLimit). An item seen
// before queues nothing.
func (s *Store) Ingest(ctx context.Context, b Batch) (IngestResult, error) {
	panic("store: Ingest not implemented")
}

// Pending returns up to limit queued alerts of one channel whose next attempt
// is due at now, oldest published first (then by id). Alert.Topics holds only
// IDs; Alert.Source is the feed's stored name or title; Alert.Attempt is the
// number of the attempt about to be made (attempts so far + 1).
func (s *Store) Pending(ctx context.Context, channel string, now time.Time, limit int) ([]alert.Alert, error) {
	panic("store: Pending not implemented")
}

// NextDue returns when the next queued alert of the channel is due; ok is false when none is queued.
func (s *Store) NextDue(ctx context.Context, channel string) (t time.Time, ok bool, err error) {
	panic("store: NextDue not implemented")
}

// MarkSent records that the platform accepted the alert.
func (s *Store) MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	panic("store: MarkSent not implemented")
}

// MarkRetry records a failed attempt and when to try again; the alert stays queued.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, lastErr string) error {
	panic("store: MarkRetry not implemented")
}

// MarkFailed records that the alert failed for good, with the reason.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error {
	panic("store: MarkFailed not implemented")
}

// QueueStats counts alerts by state.
type QueueStats struct {
	Queued int
	Sent   int
	Failed int
}

// QueueStats counts alert rows by state.
func (s *Store) QueueStats(ctx context.Context) (QueueStats, error) {
	panic("store: QueueStats not implemented")
}

// StoredItem is an item as kept in the store, with the topics it matched.
type StoredItem struct {
	alert.Item
	Source    string // feed title as last seen
	Topics    []string
	FirstSeen time.Time
}

// Latest returns the n newest items (by Published) that matched at least one
// topic, or the given topic when topic != "".
func (s *Store) Latest(ctx context.Context, topic string, n int) ([]StoredItem, error) {
	panic("store: Latest not implemented")
}

// Search returns the n newest items whose title or summary match all the
// words (FTS5). User input never reaches FTS syntax: every word is quoted.
func (s *Store) Search(ctx context.Context, words string, n int) ([]StoredItem, error) {
	panic("store: Search not implemented")
}

// TopicCounts returns, per topic id, how many items matched it since the given time.
func (s *Store) TopicCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	panic("store: TopicCounts not implemented")
}

// FailedAlert is an alert that failed for good.
type FailedAlert struct {
	ID      int64
	Channel string
	Title   string
	Reason  string
	At      time.Time
}

// FailedAlerts returns up to limit alerts that failed for good, newest first.
func (s *Store) FailedAlerts(ctx context.Context, limit int) ([]FailedAlert, error) {
	panic("store: FailedAlerts not implemented")
}
