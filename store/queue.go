package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/policyradar/policyradar/alert"
)

// Pending returns up to limit queued alerts of one channel whose next attempt
// is due at now, oldest published first (then by id). Alert.Topics holds only
// IDs; Alert.Source is the feed's stored name or title; Alert.Attempt is the
// number of the attempt about to be made (attempts so far + 1).
func (s *Store) Pending(ctx context.Context, channel string, now time.Time, limit int) ([]alert.Alert, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT a.id, a.channel, a.topics, a.keywords, a.mention, a.attempts,
			i.feed_url, i.key, i.guid, i.link, i.title, i.summary, i.content, i.author,
			i.categories, i.published, i.dated, COALESCE(f.title, '')
		FROM alerts a
		JOIN items i ON i.id = a.item_id
		LEFT JOIN feeds f ON f.url = i.feed_url
		WHERE a.channel = ? AND a.state = 'queued' AND a.next_attempt <= ?
		ORDER BY i.published, a.id
		LIMIT ?`, channel, now.UnixNano(), limit)
	if err != nil {
		return nil, fmt.Errorf("pending alerts of %s: %w", channel, err)
	}
	out, err := collect(rows, scanPending)
	if err != nil {
		return nil, fmt.Errorf("pending alerts of %s: %w", channel, err)
	}
	return out, nil
}

func scanPending(row scanner) (alert.Alert, error) {
	var (
		a                            alert.Alert
		topics, keywords, categories string
		published                    int64
	)
	err := row.Scan(&a.ID, &a.Channel, &topics, &keywords, &a.Mention, &a.Attempt,
		&a.Item.FeedURL, &a.Item.Key, &a.Item.GUID, &a.Item.Link, &a.Item.Title,
		&a.Item.Summary, &a.Item.Content, &a.Item.Author, &categories, &published,
		&a.Item.Dated, &a.Source)
	if err != nil {
		return alert.Alert{}, err
	}
	a.Attempt++
	a.Item.Categories = parseList(categories)
	a.Item.Published = fromNS(published)
	a.Keywords = parseList(keywords)
	for _, id := range parseList(topics) {
		a.Topics = append(a.Topics, alert.Topic{ID: id})
	}
	return a, nil
}

// NextDue returns when the next queued alert of the channel is due; ok is false when none is queued.
func (s *Store) NextDue(ctx context.Context, channel string) (t time.Time, ok bool, err error) {
	var next sql.NullInt64
	err = s.db.QueryRowContext(ctx,
		`SELECT MIN(next_attempt) FROM alerts WHERE channel = ? AND state = 'queued'`, channel).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next due alert of %s: %w", channel, err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(0, next.Int64).UTC(), true, nil
}

// MarkSent records that the platform accepted the alert.
func (s *Store) MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	return s.updateAlert(ctx, "mark alert sent", id, `
		UPDATE alerts SET state = 'sent', attempts = attempts + 1, message_id = ?, sent_at = ?, last_error = ''
		WHERE id = ?`, messageID, toNS(at), id)
}

// MarkRetry records a failed attempt and when to try again; the alert stays queued.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, lastErr string) error {
	return s.updateAlert(ctx, "mark alert for retry", id, `
		UPDATE alerts SET attempts = attempts + 1, next_attempt = ?, last_error = ?
		WHERE id = ?`, toNS(next), lastErr, id)
}

// MarkFailed records that the alert failed for good, with the reason.
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string, at time.Time) error {
	return s.updateAlert(ctx, "mark alert failed", id, `
		UPDATE alerts SET state = 'failed', attempts = attempts + 1, last_error = ?, failed_at = ?
		WHERE id = ?`, reason, toNS(at), id)
}

func (s *Store) updateAlert(ctx context.Context, what string, id int64, query string, args ...any) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		r, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err := r.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s %d: %w", what, id, err)
	}
	return nil
}

// QueueStats counts alerts by state.
type QueueStats struct {
	Queued int
	Sent   int
	Failed int
}

// QueueStats counts alert rows by state.
func (s *Store) QueueStats(ctx context.Context) (QueueStats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM alerts GROUP BY state`)
	if err != nil {
		return QueueStats{}, fmt.Errorf("queue stats: %w", err)
	}
	defer rows.Close()
	var qs QueueStats
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return QueueStats{}, fmt.Errorf("queue stats: %w", err)
		}
		switch state {
		case "queued":
			qs.Queued = n
		case "sent":
			qs.Sent = n
		case "failed":
			qs.Failed = n
		}
	}
	if err := rows.Err(); err != nil {
		return QueueStats{}, fmt.Errorf("queue stats: %w", err)
	}
	return qs, nil
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
	if limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT a.id, a.channel, i.title, a.last_error, a.failed_at
		FROM alerts a JOIN items i ON i.id = a.item_id
		WHERE a.state = 'failed'
		ORDER BY a.failed_at DESC, a.id DESC
		LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("failed alerts: %w", err)
	}
	out, err := collect(rows, func(row scanner) (FailedAlert, error) {
		var (
			f  FailedAlert
			at int64
		)
		if err := row.Scan(&f.ID, &f.Channel, &f.Title, &f.Reason, &at); err != nil {
			return FailedAlert{}, err
		}
		f.At = fromNS(at)
		return f, nil
	})
	if err != nil {
		return nil, fmt.Errorf("failed alerts: %w", err)
	}
	return out, nil
}
