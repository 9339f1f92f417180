package feeds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/policyradar/policyradar/alert"
)

// Scheduling defaults and bounds.
const (
	DefaultConcurrency = 8
	DefaultPerHost     = 2
	DefaultInterval    = 10 * time.Minute

	minBackoff  = time.Minute
	maxBackoff  = 6 * time.Hour
	startSpread = 5 * time.Second // first polls of feeds with no schedule are spread over this
)

// PollFunc polls one feed. Its error decides the backoff (see RetryAfter).
type PollFunc func(ctx context.Context, f alert.Feed) error

// Scheduled is a feed with its known schedule, e.g. restored from the store.
type Scheduled struct {
	Feed     alert.Feed
	NextPoll time.Time // zero: poll soon (spread with jitter over the first seconds)
	Failures int       // consecutive failures so far
}

// SchedulerOptions configure a Scheduler.
type SchedulerOptions struct {
	Concurrency int // feeds polled at once, default 8
	PerHost     int // feeds of one host polled at once, default 2
	Logger      *slog.Logger
	// OnSchedule, if set, is called after each poll with the feed's next poll
	// time and its consecutive failures (so the caller can persist them).
	OnSchedule func(url string, next time.Time, failures int)
}

// Scheduler polls each feed on its own interval with ±10% jitter; failures
// back off exponentially from 1 minute to 6 hours, honouring Retry-After.
//
// Every feed has its own goroutine and timer, so a slow or hanging feed
// delays nobody but itself. A poll first takes a slot of its host and only
// then one of the global slots, so a feed waiting for its busy host never
// holds a global slot that another host could use.
type Scheduler struct {
	poll       PollFunc
	log        *slog.Logger
	onSchedule func(url string, next time.Time, failures int)
	perHost    int
	slots      chan struct{}

	mu        sync.Mutex
	hosts     map[string]chan struct{}
	next      map[string]time.Time
	intervals map[string]time.Duration // set by SetInterval, override the feed's own
	kicks     map[string]chan struct{} // tell a feed's loop its interval changed
}

// NewScheduler returns a Scheduler that calls poll for each due feed.
func NewScheduler(opts SchedulerOptions, poll PollFunc) *Scheduler {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.PerHost <= 0 {
		opts.PerHost = DefaultPerHost
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{
		poll:       poll,
		log:        opts.Logger,
		onSchedule: opts.OnSchedule,
		perHost:    opts.PerHost,
		slots:      make(chan struct{}, opts.Concurrency),
		hosts:      make(map[string]chan struct{}),
		next:       make(map[string]time.Time),
		intervals:  make(map[string]time.Duration),
		kicks:      make(map[string]chan struct{}),
	}
}

// Run polls the feeds until ctx is done, then waits for in-flight polls to
// return. It returns nil after a normal stop.
func (s *Scheduler) Run(ctx context.Context, feeds []Scheduled) error {
	var wg sync.WaitGroup
	for _, sf := range feeds {
		wg.Go(func() { s.loop(ctx, sf) })
	}
	wg.Wait()
	return nil
}

// loop is one feed's life: wait until due, poll, schedule the next poll.
func (s *Scheduler) loop(ctx context.Context, sf Scheduled) {
	f := sf.Feed
	own := f.Interval
	if own <= 0 {
		own = DefaultInterval
	}
	next, failures := sf.NextPoll, sf.Failures
	if next.IsZero() {
		next = firstPoll(time.Now(), s.interval(f.URL, own), rand.Float64())
	}
	kick := s.kick(f.URL)
	var lastSuccess time.Time
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		s.setNext(f.URL, next)
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-kick:
			// The interval changed: count it from the last success. A
			// failing feed keeps its backoff; a new one its first poll.
			if failures == 0 && !lastSuccess.IsZero() {
				next = lastSuccess.Add(jitter(s.interval(f.URL, own), rand.Float64()))
			}
			continue
		case <-timer.C:
		}
		err := s.pollOnce(ctx, f)
		if ctx.Err() != nil {
			return // shutting down: the poll's outcome says nothing of the feed
		}
		switch {
		case err == nil:
			failures = 0
			lastSuccess = time.Now()
			next = lastSuccess.Add(jitter(s.interval(f.URL, own), rand.Float64()))
		case errors.Is(err, ErrLocal):
			// Not the feed's fault: try again soon, without a feed backoff,
			// so items are not left unseen long after the cause is gone.
			wait := min(s.interval(f.URL, own), localRetry)
			next = time.Now().Add(jitter(wait, rand.Float64()))
			s.log.Warn("feed poll could not be recorded; retrying soon",
				slog.String("feed", f.URL), slog.Time("next", next), slog.String("error", err.Error()))
		default:
			failures++
			wait := Backoff(failures, RetryAfter(err))
			// Jitter upwards only, so the wait never undercuts Retry-After.
			next = time.Now().Add(wait + time.Duration(rand.Float64()*0.1*float64(wait)))
			s.log.Warn("feed poll failed",
				slog.String("feed", f.URL), slog.Int("failures", failures),
				slog.Time("next", next), slog.String("error", err.Error()))
		}
		s.setNext(f.URL, next)
		if s.onSchedule != nil {
			s.onSchedule(f.URL, next, failures)
		}
	}
}

// ErrLocal marks a poll that failed for a reason of our own, such as a
// database that cannot be written, rather than the feed's. The scheduler
// retries it within localRetry and does not count it as a feed failure.
var ErrLocal = errors.New("local failure, not the feed's")

// Local wraps err so that errors.Is(err, ErrLocal) holds; its message is err's.
func Local(err error) error { return localError{err} }

type localError struct{ err error }

func (e localError) Error() string   { return e.err.Error() }
func (e localError) Unwrap() []error { return []error{ErrLocal, e.err} }

// localRetry is the longest wait after a local failure.
const localRetry = 30 * time.Second

// Once polls every feed once (same concurrency limits) and returns when all
// are done, with the joined errors of the feeds that failed. It does not
// call OnSchedule.
func (s *Scheduler) Once(ctx context.Context, feeds []alert.Feed) error {
	errs := make([]error, len(feeds))
	var wg sync.WaitGroup
	for i, f := range feeds {
		wg.Go(func() {
			if err := s.pollOnce(ctx, f); err != nil {
				errs[i] = fmt.Errorf("poll %s: %w", f.URL, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pollOnce polls f holding a slot of its host and a global slot.
func (s *Scheduler) pollOnce(ctx context.Context, f alert.Feed) (err error) {
	host := s.hostSlots(f.URL)
	select {
	case host <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-host }()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.slots }()
	defer func() {
		// A bug in one poll must not take every other feed down with it.
		if r := recover(); r != nil {
			s.log.Error("feed poll panicked", slog.String("feed", f.URL), slog.Any("panic", r))
			err = fmt.Errorf("poll panicked: %v", r)
		}
	}()
	return s.poll(ctx, f)
}

func (s *Scheduler) hostSlots(rawURL string) chan struct{} {
	key := rawURL
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		key = strings.ToLower(u.Hostname())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.hosts[key]
	if !ok {
		c = make(chan struct{}, s.perHost)
		s.hosts[key] = c
	}
	return c
}

func (s *Scheduler) setNext(url string, t time.Time) {
	s.mu.Lock()
	s.next[url] = t
	s.mu.Unlock()
}

// SetInterval changes the poll interval of the feed with this URL from now
// on (d <= 0 restores the feed's own). A feed waiting for its next poll is
// rescheduled at once, counting from its last successful poll; a failing
// feed keeps its backoff. Feeds not (yet) running get it when they start.
func (s *Scheduler) SetInterval(url string, d time.Duration) {
	s.mu.Lock()
	if d <= 0 {
		delete(s.intervals, url)
	} else {
		s.intervals[url] = d
	}
	s.mu.Unlock()
	select {
	case s.kick(url) <- struct{}{}:
	default: // a kick is already pending
	}
}

// interval is the feed's current interval: set by SetInterval, else its own.
func (s *Scheduler) interval(url string, own time.Duration) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.intervals[url]; ok {
		return d
	}
	return own
}

func (s *Scheduler) kick(url string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.kicks[url]
	if !ok {
		c = make(chan struct{}, 1)
		s.kicks[url] = c
	}
	return c
}

// NextPoll returns when the feed will next be polled (zero if unknown).
func (s *Scheduler) NextPoll(url string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.next[url]
}

// Backoff is the wait after the n-th consecutive failure (n >= 1): 1 min
// doubling up to 6 h, at least retryAfter (itself capped at 6 h).
func Backoff(n int, retryAfter time.Duration) time.Duration {
	d := maxBackoff
	if n < 1 {
		n = 1
	}
	if n <= 20 { // 2^20 minutes is far past the cap; avoid overflow
		d = min(minBackoff<<(n-1), maxBackoff)
	}
	return max(d, min(retryAfter, maxBackoff))
}

// firstPoll spreads the first polls of feeds with no schedule over
// min(interval, 5s) from now; r is uniform in [0, 1).
func firstPoll(now time.Time, interval time.Duration, r float64) time.Time {
	return now.Add(time.Duration(r * float64(min(interval, startSpread))))
}

// jitter spreads d by ±10%; r is uniform in [0, 1).
func jitter(d time.Duration, r float64) time.Duration {
	return d + time.Duration((2*r-1)*0.1*float64(d))
}
