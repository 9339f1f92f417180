package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

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

const feedColumns = `f.url, f.title, f.etag, f.last_modified, f.last_poll, f.last_success,
	f.last_error, f.failing_since, f.failures, f.next_poll, f.gone,
	(SELECT COUNT(*) FROM items i WHERE i.feed_url = f.url)`

func scanFeed(row scanner) (FeedState, error) {
	var (
		st                                            FeedState
		lastPoll, lastSuccess, failingSince, nextPoll int64
	)
	err := row.Scan(&st.URL, &st.Title, &st.ETag, &st.LastModified, &lastPoll, &lastSuccess,
		&st.LastError, &failingSince, &st.Failures, &nextPoll, &st.Gone, &st.ItemsSeen)
	if err != nil {
		return FeedState{}, err
	}
	st.LastPoll = fromNS(lastPoll)
	st.LastSuccess = fromNS(lastSuccess)
	st.FailingSince = fromNS(failingSince)
	st.NextPoll = fromNS(nextPoll)
	return st, nil
}

// FeedState returns the stored state of one feed; ok is false if it was never polled.
func (s *Store) FeedState(ctx context.Context, url string) (st FeedState, ok bool, err error) {
	st, err = scanFeed(s.db.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds f WHERE f.url = ?`, url))
	if errors.Is(err, sql.ErrNoRows) {
		return FeedState{}, false, nil
	}
	if err != nil {
		return FeedState{}, false, fmt.Errorf("feed state %s: %w", url, err)
	}
	return st, true, nil
}

// FeedStates returns every stored feed state, ordered by URL.
func (s *Store) FeedStates(ctx context.Context) ([]FeedState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+feedColumns+` FROM feeds f ORDER BY f.url`)
	if err != nil {
		return nil, fmt.Errorf("feed states: %w", err)
	}
	out, err := collect(rows, scanFeed)
	if err != nil {
		return nil, fmt.Errorf("feed states: %w", err)
	}
	return out, nil
}

// SaveFeedState upserts a feed state (ItemsSeen is ignored).
func (s *Store) SaveFeedState(ctx context.Context, st FeedState) error {
	err := s.write(ctx, func(tx *sql.Tx) error { return saveFeed(ctx, tx, st) })
	if err != nil {
		return fmt.Errorf("save feed state %s: %w", st.URL, err)
	}
	return nil
}

func saveFeed(ctx context.Context, tx *sql.Tx, st FeedState) error {
	if st.URL == "" {
		return errors.New("feed state without URL")
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO feeds (url, title, etag, last_modified, last_poll, last_success,
			last_error, failing_since, failures, next_poll, gone)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (url) DO UPDATE SET
			title = excluded.title, etag = excluded.etag, last_modified = excluded.last_modified,
			last_poll = excluded.last_poll, last_success = excluded.last_success,
			last_error = excluded.last_error, failing_since = excluded.failing_since,
			failures = excluded.failures, next_poll = excluded.next_poll, gone = excluded.gone`,
		st.URL, st.Title, st.ETag, st.LastModified, toNS(st.LastPoll), toNS(st.LastSuccess),
		st.LastError, toNS(st.FailingSince), st.Failures, toNS(st.NextPoll), st.Gone)
	return err
}
