package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Subscription states.
const (
	SubPending       = "pending"       // asked for, not yet verified (or its lease ran out)
	SubActive        = "active"        // verified by the hub; content arrives by push
	SubUnsubscribing = "unsubscribing" // its feed left the config or changed hub: being cancelled
)

// Subscription is one WebSub subscription at a hub.
type Subscription struct {
	CallbackID   string // opaque, random: the last segment of the callback URL
	FeedURL      string // the configured feed pushed content belongs to
	Topic        string // the topic URL at the hub (the feed's self link)
	Hub          string
	Secret       string // HMAC key for content distribution; never logged
	State        string // SubPending, SubActive or SubUnsubscribing
	LeaseSeconds int    // as granted at the latest verification
	Verified     time.Time
	Expires      time.Time // end of the granted lease; zero when never verified
	NextAction   time.Time // when to (re)send the request to the hub
	Failures     int
	LastError    string
	Created      time.Time
	Updated      time.Time
}

const subColumns = `callback_id, feed_url, topic, hub, secret, state, lease_seconds,
	verified, expires, next_action, failures, last_error, created, updated`

func scanSubscription(row scanner) (Subscription, error) {
	var (
		s                                         Subscription
		verified, expires, next, created, updated int64
	)
	err := row.Scan(&s.CallbackID, &s.FeedURL, &s.Topic, &s.Hub, &s.Secret, &s.State, &s.LeaseSeconds,
		&verified, &expires, &next, &s.Failures, &s.LastError, &created, &updated)
	if err != nil {
		return Subscription{}, err
	}
	s.Verified, s.Expires, s.NextAction = fromNS(verified), fromNS(expires), fromNS(next)
	s.Created, s.Updated = fromNS(created), fromNS(updated)
	return s, nil
}

// Subscription returns the subscription with the given callback id; ok is
// false if there is none.
func (s *Store) Subscription(ctx context.Context, callbackID string) (sub Subscription, ok bool, err error) {
	sub, err = scanSubscription(s.db.QueryRowContext(ctx,
		`SELECT `+subColumns+` FROM websub_subscriptions WHERE callback_id = ?`, callbackID))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, false, nil
	}
	if err != nil {
		return Subscription{}, false, fmt.Errorf("websub subscription: %w", err)
	}
	return sub, true, nil
}

// Subscriptions returns every stored subscription, ordered by feed URL and creation.
func (s *Store) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT `+subColumns+` FROM websub_subscriptions ORDER BY feed_url, created, callback_id`)
	if err != nil {
		return nil, fmt.Errorf("websub subscriptions: %w", err)
	}
	out, err := collect(rows, scanSubscription)
	if err != nil {
		return nil, fmt.Errorf("websub subscriptions: %w", err)
	}
	return out, nil
}

// SaveSubscription upserts a subscription by its callback id. A zero
// Created becomes now on insert; Updated is always set to now.
func (s *Store) SaveSubscription(ctx context.Context, sub Subscription) error {
	if sub.CallbackID == "" || sub.FeedURL == "" || sub.Topic == "" || sub.Hub == "" {
		return errors.New("save websub subscription: callback id, feed, topic and hub are required")
	}
	now := time.Now()
	if sub.Created.IsZero() {
		sub.Created = now
	}
	if sub.State == "" {
		sub.State = SubPending
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO websub_subscriptions (`+subColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (callback_id) DO UPDATE SET
				feed_url = excluded.feed_url, topic = excluded.topic, hub = excluded.hub,
				secret = excluded.secret, state = excluded.state, lease_seconds = excluded.lease_seconds,
				verified = excluded.verified, expires = excluded.expires, next_action = excluded.next_action,
				failures = excluded.failures, last_error = excluded.last_error, updated = excluded.updated`,
			sub.CallbackID, sub.FeedURL, sub.Topic, sub.Hub, sub.Secret, sub.State, sub.LeaseSeconds,
			toNS(sub.Verified), toNS(sub.Expires), toNS(sub.NextAction), sub.Failures, sub.LastError,
			toNS(sub.Created), now.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("save websub subscription for %s: %w", sub.FeedURL, err)
	}
	return nil
}

// DeleteSubscription removes a subscription; removing one that is not
// there is not an error.
func (s *Store) DeleteSubscription(ctx context.Context, callbackID string) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE callback_id = ?`, callbackID)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete websub subscription: %w", err)
	}
	return nil
}
