package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/policyradar/policyradar/alert"
)

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
	items := slices.Clone(b.Items)
	// Newest first, so that AlertLimit keeps the newest; stable keeps the
	// feed's own order among items of the same time.
	sort.SliceStable(items, func(i, j int) bool {
		return items[i].Item.Published.After(items[j].Item.Published)
	})

	var res IngestResult
	err := s.write(ctx, func(tx *sql.Tx) error {
		res = IngestResult{}
		if b.State.URL != "" {
			if err := saveFeed(ctx, tx, b.State); err != nil {
				return fmt.Errorf("save feed state: %w", err)
			}
		}
		in, err := prepareIngest(ctx, tx)
		if err != nil {
			return err
		}
		defer in.close()

		now := time.Now().UnixNano()
		alerted := 0
		for _, it := range items {
			if it.Item.FeedURL == "" {
				it.Item.FeedURL = b.State.URL
			}
			id, isNew, err := in.item(ctx, it, now)
			if err != nil {
				return err
			}
			if !isNew {
				continue
			}
			res.New++
			if len(it.Alerts) == 0 || (b.AlertLimit >= 0 && alerted >= b.AlertLimit) {
				continue
			}
			alerted++
			for _, a := range it.Alerts {
				n, err := in.alert(ctx, id, a, now)
				if err != nil {
					return err
				}
				res.Queued += n
			}
		}
		return nil
	})
	if err != nil {
		return IngestResult{}, fmt.Errorf("ingest %s: %w", b.State.URL, err)
	}
	return res, nil
}

// ingester holds the statements one Ingest runs for each item.
type ingester struct {
	linkSeen, insertItem, insertTopic, insertAlert *sql.Stmt
}

func prepareIngest(ctx context.Context, tx *sql.Tx) (*ingester, error) {
	in := &ingester{}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&in.linkSeen, `SELECT EXISTS (SELECT 1 FROM items WHERE link = ? AND link <> '')`},
		{&in.insertItem, `
			INSERT INTO items (feed_url, key, guid, link, title, summary, content, author,
				categories, published, dated, first_seen, keywords)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (feed_url, key) DO NOTHING
			RETURNING id`},
		{&in.insertTopic, `INSERT OR IGNORE INTO item_topics (item_id, topic, published) VALUES (?, ?, ?)`},
		{&in.insertAlert, `
			INSERT INTO alerts (item_id, channel, topics, keywords, mention, state, next_attempt, created)
			VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)
			ON CONFLICT (item_id, channel) DO NOTHING`},
	}
	for _, st := range stmts {
		p, err := tx.PrepareContext(ctx, st.sql)
		if err != nil {
			in.close()
			return nil, fmt.Errorf("prepare: %w", err)
		}
		*st.dst = p
	}
	return in, nil
}

func (in *ingester) close() {
	for _, st := range []*sql.Stmt{in.linkSeen, in.insertItem, in.insertTopic, in.insertAlert} {
		if st != nil {
			st.Close()
		}
	}
}

// item records one item unless it was seen before, in this feed by key or
// in any feed by link.
func (in *ingester) item(ctx context.Context, it IngestItem, now int64) (id int64, isNew bool, err error) {
	item := it.Item
	if item.Link != "" {
		var seen bool
		if err := in.linkSeen.QueryRowContext(ctx, item.Link).Scan(&seen); err != nil {
			return 0, false, fmt.Errorf("check link %s: %w", item.Link, err)
		}
		if seen {
			return 0, false, nil
		}
	}
	published := item.Published
	if published.IsZero() {
		published = time.Unix(0, now)
	}
	err = in.insertItem.QueryRowContext(ctx,
		item.FeedURL, item.Key, item.GUID, item.Link, item.Title, item.Summary, item.Content,
		item.Author, jsonList(item.Categories), published.UnixNano(), item.Dated, now,
		jsonList(it.Keywords)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil // same feed and key: seen before
	}
	if err != nil {
		return 0, false, fmt.Errorf("insert item %q: %w", item.Key, err)
	}
	for _, topic := range it.Topics {
		if _, err := in.insertTopic.ExecContext(ctx, id, topic, published.UnixNano()); err != nil {
			return 0, false, fmt.Errorf("insert topic %s of item %q: %w", topic, item.Key, err)
		}
	}
	return id, true, nil
}

// alert queues one alert of a new item; it returns the rows added (0 when the
// batch named the same channel twice).
func (in *ingester) alert(ctx context.Context, itemID int64, a QueuedAlert, now int64) (int, error) {
	r, err := in.insertAlert.ExecContext(ctx, itemID, a.Channel, jsonList(a.Topics), jsonList(a.Keywords), a.Mention, now, now)
	if err != nil {
		return 0, fmt.Errorf("queue alert to %s: %w", a.Channel, err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("queue alert to %s: %w", a.Channel, err)
	}
	return int(n), nil
}

// jsonList encodes a string list as a JSON array, never null.
func jsonList(xs []string) string {
	if len(xs) == 0 {
		return "[]"
	}
	b, err := json.Marshal(xs)
	if err != nil { // cannot happen for []string
		return "[]"
	}
	return string(b)
}

// parseList decodes what jsonList wrote; anything unreadable is empty.
func parseList(s string) []string {
	var xs []string
	if s == "" || json.Unmarshal([]byte(s), &xs) != nil {
		return nil
	}
	return xs
}
