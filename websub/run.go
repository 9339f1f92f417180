package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/store"
)

// storeRetry is how soon a step that could not read the store is retried.
const storeRetry = time.Minute

// maxSleep bounds the wait between steps, so a clock jump is noticed;
// minSleep keeps a step that keeps failing from spinning.
const (
	maxSleep = time.Hour
	minSleep = 10 * time.Millisecond
)

// HubError is a hub's non-2xx answer to a subscribe or unsubscribe request.
type HubError struct {
	Status     int
	RetryAfter time.Duration // from Retry-After, else 0
	Message    string        // the start of the hub's answer
}

func (e *HubError) Error() string {
	msg := fmt.Sprintf("hub answered HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

func retryAfterOf(err error) time.Duration {
	var he *HubError
	if errors.As(err, &he) {
		return he.RetryAfter
	}
	return 0
}

// Run subscribes, renews and unsubscribes until ctx is done. At start it
// cancels the subscriptions of feeds no longer configured and slows the
// polling of feeds whose subscription is active. It returns nil after a
// normal stop.
func (s *Subscriber) Run(ctx context.Context) error {
	defer s.client.CloseIdleConnections()
	s.start(ctx)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		timer.Reset(s.step(ctx))
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// start marks the subscriptions of removed feeds for unsubscription and
// restores the slowed polling of active ones.
func (s *Subscriber) start(ctx context.Context) {
	subs, err := s.opts.Store.Subscriptions(ctx)
	if err != nil {
		s.log.Error("cannot read WebSub subscriptions", slog.String("error", err.Error()))
		return
	}
	now := s.now()
	for _, sub := range subs {
		if _, ok := s.feeds[sub.FeedURL]; ok {
			if sub.State == store.SubActive && sub.Expires.After(now) {
				s.setPushed(sub.FeedURL, true)
			}
			continue
		}
		if sub.State == store.SubUnsubscribing {
			continue
		}
		s.log.Info("feed left the config; unsubscribing from its WebSub hub",
			slog.String("feed", sub.FeedURL), slog.String("hub", sub.Hub))
		sub.State, sub.NextAction, sub.Failures, sub.LastError = store.SubUnsubscribing, now, 0, ""
		if err := s.opts.Store.SaveSubscription(ctx, sub); err != nil {
			s.log.Error("cannot record unsubscription", slog.String("feed", sub.FeedURL), slog.String("error", err.Error()))
		}
	}
}

// step takes in the hubs polls found, does every request that is due and
// returns how long to sleep until the next one.
func (s *Subscriber) step(ctx context.Context) time.Duration {
	s.adopt(ctx)
	subs, err := s.opts.Store.Subscriptions(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("cannot read WebSub subscriptions", slog.String("error", err.Error()))
		}
		return storeRetry
	}
	for _, sub := range subs {
		if ctx.Err() != nil {
			return 0
		}
		now := s.now()
		if sub.State == store.SubActive && !sub.Expires.After(now) {
			s.expire(ctx, sub.CallbackID)
			continue // acted on in the next step
		}
		if !sub.NextAction.After(now) {
			s.act(ctx, sub)
		}
	}
	// Sleep until the earliest due action, read afresh: requests just sent
	// and verifications that came meanwhile moved them.
	subs, err = s.opts.Store.Subscriptions(ctx)
	if err != nil {
		return storeRetry
	}
	now := s.now()
	wait := maxSleep
	for _, sub := range subs {
		due := sub.NextAction
		if sub.State == store.SubActive && sub.Expires.Before(due) {
			due = sub.Expires
		}
		wait = min(wait, due.Sub(now))
	}
	return max(wait, minSleep)
}

// adopt turns the hubs found by polls into subscriptions: a feed with no
// subscription to that hub and topic gets one, and its subscriptions
// elsewhere are cancelled.
func (s *Subscriber) adopt(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for feedURL, d := range s.found {
		if err := s.adoptOne(ctx, feedURL, d); err != nil {
			s.log.Error("cannot record WebSub subscription", slog.String("feed", feedURL), slog.String("error", err.Error()))
			return // keep the rest in found for the next step
		}
		delete(s.found, feedURL)
	}
}

func (s *Subscriber) adoptOne(ctx context.Context, feedURL string, d discovery) error {
	subs, err := s.opts.Store.Subscriptions(ctx)
	if err != nil {
		return err
	}
	var others []store.Subscription
	for _, sub := range subs {
		if sub.FeedURL != feedURL || sub.State == store.SubUnsubscribing {
			continue
		}
		if sub.Hub == d.hub && sub.Topic == d.topic {
			return nil // already subscribed or on the way
		}
		others = append(others, sub)
	}
	now := s.now()
	for _, o := range others {
		s.log.Info("feed moved to another WebSub hub or topic; unsubscribing from the old one",
			slog.String("feed", feedURL), slog.String("hub", o.Hub))
		o.State, o.NextAction, o.Failures, o.LastError = store.SubUnsubscribing, now, 0, ""
		if err := s.opts.Store.SaveSubscription(ctx, o); err != nil {
			return err
		}
	}
	sub := store.Subscription{CallbackID: randomHex(16), FeedURL: feedURL, Topic: d.topic, Hub: d.hub,
		Secret: randomHex(32), State: store.SubPending, NextAction: now}
	s.log.Info("feed advertises a WebSub hub; subscribing", slog.String("feed", feedURL),
		slog.String("hub", d.hub), slog.String("topic", d.topic))
	return s.opts.Store.SaveSubscription(ctx, sub)
}

// expire turns an active subscription whose lease ended into a pending one.
func (s *Subscriber) expire(ctx context.Context, id string) {
	s.mu.Lock()
	sub, ok, err := s.opts.Store.Subscription(ctx, id)
	if err != nil || !ok || sub.State != store.SubActive || sub.Expires.After(s.now()) {
		s.mu.Unlock()
		return
	}
	msg := "lease ended before it was renewed"
	if sub.LastError != "" {
		msg += ": " + sub.LastError
	}
	sub.State, sub.NextAction, sub.LastError = store.SubPending, s.now(), msg
	err = s.opts.Store.SaveSubscription(ctx, sub)
	s.mu.Unlock()
	if err != nil {
		s.log.Error("cannot record lease end", slog.String("feed", sub.FeedURL), slog.String("error", err.Error()))
		return
	}
	s.log.Warn("WebSub lease ended; subscribing again", slog.String("feed", sub.FeedURL), slog.String("hub", sub.Hub))
	s.refreshPushed(ctx, sub.FeedURL)
}

// act sends the request a subscription is due for and records the outcome.
func (s *Subscriber) act(ctx context.Context, sub store.Subscription) {
	log := s.log.With(slog.String("feed", sub.FeedURL), slog.String("hub", sub.Hub))
	mode := "subscribe"
	if sub.State == store.SubUnsubscribing {
		mode = "unsubscribe"
		if sub.Failures >= maxUnsubAttempts {
			// The hub never confirmed: forget it. Its next delivery gets
			// 410 Gone, which ends the subscription on its side.
			log.Warn("hub never confirmed the unsubscription; forgetting the subscription", slog.Int("attempts", sub.Failures))
			s.delete(ctx, sub)
			return
		}
	} else if sub.Failures > 0 && sub.LastError == "" {
		log.Warn("hub has not verified the subscription; asking again (is http.public_url reachable from the hub?)",
			slog.Int("requests", sub.Failures))
	}
	sent := time.Now() // compared with Updated, which the store sets from the wall clock
	err := s.request(ctx, sub, mode)
	if ctx.Err() != nil {
		return // shutting down: nothing learnt about the hub
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok, rerr := s.opts.Store.Subscription(ctx, sub.CallbackID)
	if rerr != nil || !ok || cur.Updated.After(sent) {
		return // gone, verified or denied while the request was in flight
	}
	cur.Failures++
	now := s.now()
	if err != nil {
		cur.LastError = err.Error()
		cur.NextAction = now.Add(feeds.Backoff(cur.Failures, retryAfterOf(err)))
		log.Warn("WebSub request failed", slog.String("mode", mode), slog.Int("failures", cur.Failures),
			slog.Time("retry", cur.NextAction), slog.String("error", err.Error()))
	} else {
		cur.LastError = ""
		cur.NextAction = now.Add(max(s.opts.VerifyWait, feeds.Backoff(cur.Failures, 0)))
		log.Debug("WebSub request accepted; waiting for verification of intent", slog.String("mode", mode))
	}
	if serr := s.opts.Store.SaveSubscription(ctx, cur); serr != nil {
		log.Error("cannot record WebSub request", slog.String("error", serr.Error()))
	}
}

// delete forgets a subscription and restores its feed's polling if that
// was its only active one.
func (s *Subscriber) delete(ctx context.Context, sub store.Subscription) {
	if err := s.opts.Store.DeleteSubscription(ctx, sub.CallbackID); err != nil {
		s.log.Error("cannot delete WebSub subscription", slog.String("feed", sub.FeedURL), slog.String("error", err.Error()))
		return
	}
	s.refreshPushed(ctx, sub.FeedURL)
}

// refreshPushed sets a feed's polling pace from its stored subscriptions.
// Refreshes run one at a time, each after its own change was stored, so the
// last one sees every change and the pace never sticks at a stale value.
func (s *Subscriber) refreshPushed(ctx context.Context, feedURL string) {
	s.paceMu.Lock()
	defer s.paceMu.Unlock()
	subs, err := s.opts.Store.Subscriptions(ctx)
	if err != nil {
		return
	}
	on := false
	for _, sub := range subs {
		on = on || sub.FeedURL == feedURL && sub.State == store.SubActive && sub.Expires.After(s.now())
	}
	s.setPushed(feedURL, on)
}

// request POSTs a subscribe or unsubscribe request to the hub. Hubs answer
// 202 Accepted and verify later; any 2xx is taken as accepted.
func (s *Subscriber) request(ctx context.Context, sub store.Subscription, mode string) error {
	form := url.Values{
		"hub.mode":     {mode},
		"hub.topic":    {sub.Topic},
		"hub.callback": {s.callback(sub.CallbackID)},
	}
	if mode == "subscribe" {
		form.Set("hub.secret", sub.Secret)
		form.Set("hub.lease_seconds", strconv.Itoa(int(s.opts.Lease/time.Second)))
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%s at %s: %w", mode, sub.Hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s.opts.UserAgent != "" {
		req.Header.Set("User-Agent", s.opts.UserAgent)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s at %s: %w", mode, sub.Hub, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return fmt.Errorf("%s at %s: %w", mode, sub.Hub, &HubError{Status: resp.StatusCode,
		RetryAfter: retryAfter(resp.Header.Get("Retry-After")), Message: strings.TrimSpace(strings.ToValidUTF8(string(msg), ""))})
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}
