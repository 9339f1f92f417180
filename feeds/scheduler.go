package feeds

import (
	"context"
	"log/slog"
	"time"

	"github.com/policyradar/policyradar/alert"
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
type Scheduler struct{}

func NewScheduler(opts SchedulerOptions, poll PollFunc) *Scheduler {
	panic("feeds: NewScheduler not implemented")
}

// Run polls the feeds until ctx is done, then waits for in-flight polls to return.
func (s *Scheduler) Run(ctx context.Context, feeds []Scheduled) error {
	panic("feeds: Scheduler.Run not implemented")
}

// Once polls every feed once (same concurrency limits) and returns when all are done.
func (s *Scheduler) Once(ctx context.Context, feeds []alert.Feed) error {
	panic("feeds: Scheduler.Once not implemented")
}

// NextPoll returns when the feed will next be polled (zero if unknown).
func (s *Scheduler) NextPoll(url string) time.Time { panic("feeds: NextPoll not implemented") }

// Backoff is the wait after the n-th consecutive failure (n >= 1): 1 min
// doubling up to 6 h, at least retryAfter.
func Backoff(n int, retryAfter time.Duration) time.Duration { panic("feeds: Backoff not implemented") }
