package bot

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/policyradar/policyradar/alert"
)

// Outlet is one channel with the sink that posts to it and its rate limit.
type Outlet struct {
	ChannelInfo
	Sink    Sink
	Limiter *rate.Limiter // nil: unlimited
}

// DelivererOptions configure a Deliverer.
type DelivererOptions struct {
	Store     Store
	Outlets   []Outlet
	Topics    []TopicInfo
	FeedNames map[string]string // feed URL -> configured name
	Metrics   *Metrics
	Logger    *slog.Logger
	// Grace is how long in-flight sends may go on after shutdown starts (default 10s).
	Grace time.Duration
	// SendTimeout bounds one send (default 30s).
	SendTimeout time.Duration
	// MaxBackoff caps the wait between retries of a failing alert (default 5m).
	MaxBackoff time.Duration
}

// Deliverer runs one worker per channel, sending queued alerts oldest
// published first, within the channel's rate limit and the platform's answers.
type Deliverer struct {
	opts   DelivererOptions
	log    *slog.Logger
	topics map[string]alert.Topic
	wake   map[string]chan struct{}

	mu    sync.Mutex
	gates map[string]time.Time // platform -> paused until (global rate limits)
}

// NewDeliverer returns a Deliverer.
func NewDeliverer(opts DelivererOptions) *Deliverer {
	if opts.Grace <= 0 {
		opts.Grace = 10 * time.Second
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 30 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	d := &Deliverer{opts: opts, log: opts.Logger, topics: map[string]alert.Topic{}, wake: map[string]chan struct{}{}, gates: map[string]time.Time{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	for _, t := range opts.Topics {
		d.topics[t.ID] = t.Topic
	}
	for _, o := range opts.Outlets {
		d.wake[o.Key] = make(chan struct{}, 1)
	}
	return d
}

// Wake tells every worker to look at the queue now.
func (d *Deliverer) Wake() {
	for _, c := range d.wake {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Run delivers until ctx is done. Then sends in flight get up to Grace to
// finish; everything else stays queued. Run returns when every worker has.
func (d *Deliverer) Run(ctx context.Context) error {
	hard, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	done := make(chan struct{})
	go func() { d.workers(ctx, hard, false); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-done:
	case <-time.After(d.opts.Grace):
		cancel()
		<-done
	}
	return nil
}

// Drain sends every alert that is due, retrying those that fail for as long
// as their next attempt falls within horizon, then returns. Used by `once`.
func (d *Deliverer) Drain(ctx context.Context, horizon time.Duration) {
	dctx, cancel := context.WithTimeout(ctx, horizon)
	defer cancel()
	d.workers(dctx, ctx, true)
}

// workers runs one worker per channel and returns when all have.
func (d *Deliverer) workers(ctx, hard context.Context, drain bool) {
	var wg sync.WaitGroup
	for _, o := range d.opts.Outlets {
		wg.Go(func() { d.worker(ctx, hard, o, drain) })
	}
	wg.Wait()
}

// worker sends one channel's queue. Shutdown is seen on ctx; sends run under
// hard, which outlives ctx by the grace period. With drain set it returns
// once nothing is due before ctx's deadline.
func (d *Deliverer) worker(ctx, hard context.Context, o Outlet, drain bool) {
	log := d.log.With(slog.String("channel", o.Key))
	var pausedUntil time.Time
	storeFailures := 0
	for ctx.Err() == nil {
		if wait := time.Until(pausedUntil); wait > 0 {
			if !sleep(ctx, wait, nil) {
				return
			}
		}
		if g := d.gate(o.Platform); time.Until(g) > 0 {
			if !sleep(ctx, time.Until(g), nil) {
				return
			}
		}
		batch, err := d.opts.Store.Pending(ctx, o.Key, time.Now(), 16)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			storeFailures++
			log.Error("cannot read the alert queue", slog.String("error", err.Error()))
			pausedUntil = time.Now().Add(backoff(storeFailures, time.Second, time.Minute))
			continue
		}
		storeFailures = 0
		if len(batch) == 0 {
			next, ok, err := d.opts.Store.NextDue(ctx, o.Key)
			if err != nil {
				pausedUntil = time.Now().Add(time.Second)
				continue
			}
			if drain {
				if dl, has := ctx.Deadline(); !ok || (has && next.After(dl)) {
					return
				}
			}
			wait := time.Hour
			if ok {
				wait = time.Until(next)
			}
			if !sleep(ctx, wait, d.wake[o.Key]) {
				return
			}
			continue
		}
		for _, a := range batch {
			if ctx.Err() != nil {
				return
			}
			if time.Until(d.gate(o.Platform)) > 0 {
				break // a global rate limit began mid-batch: wait it out above
			}
			if o.Limiter != nil && o.Limiter.Wait(ctx) != nil {
				return
			}
			if pause := d.deliver(hard, o, a, log); pause > 0 {
				pausedUntil = time.Now().Add(pause)
				break
			}
		}
	}
}

// deliver makes one attempt and records its outcome. It returns how long the
// channel must pause before its next send (0: go on).
func (d *Deliverer) deliver(hard context.Context, o Outlet, a alert.Alert, log *slog.Logger) time.Duration {
	d.enrich(&a)
	sctx, cancel := context.WithTimeout(hard, d.opts.SendTimeout)
	id, err := o.Sink.Send(sctx, a)
	cancel()
	now := time.Now()
	var rl *alert.RateLimitedError
	switch {
	case err == nil:
		d.opts.Metrics.alert(o.Platform, "sent")
		d.record(hard, log, a.ID, func(ctx context.Context) error { return d.opts.Store.MarkSent(ctx, a.ID, id, now) })
		return 0
	case errors.As(err, &rl):
		wait := max(rl.RetryAfter, 100*time.Millisecond)
		d.opts.Metrics.alert(o.Platform, "rate_limited")
		if rl.Global {
			d.setGate(o.Platform, now.Add(wait))
		}
		log.Info("rate limited by the platform", slog.Duration("retry_after", wait), slog.Bool("global", rl.Global))
		d.record(hard, log, a.ID, func(ctx context.Context) error { return d.opts.Store.MarkRetry(ctx, a.ID, now.Add(wait), err.Error()) })
		return wait
	case errors.Is(err, alert.ErrPermanent):
		d.opts.Metrics.alert(o.Platform, "failed")
		log.Error("alert failed for good and will not be retried; check the channel ID and the token's access to it",
			slog.Int64("alert", a.ID), slog.String("title", a.Item.Title), slog.String("error", err.Error()))
		d.record(hard, log, a.ID, func(ctx context.Context) error { return d.opts.Store.MarkFailed(ctx, a.ID, err.Error(), now) })
		return 0
	default:
		wait := backoff(a.Attempt, time.Second, d.opts.MaxBackoff)
		if hard.Err() != nil {
			wait = 0 // shutting down: the send was cut short, try again at next start
		}
		d.opts.Metrics.alert(o.Platform, "retry")
		if a.Attempt == 1 || a.Attempt%10 == 0 {
			log.Warn("send failed, will retry", slog.Int64("alert", a.ID), slog.Int("attempt", a.Attempt),
				slog.Duration("retry_in", wait), slog.String("error", err.Error()))
		}
		d.record(hard, log, a.ID, func(ctx context.Context) error { return d.opts.Store.MarkRetry(ctx, a.ID, now.Add(wait), err.Error()) })
		return max(wait, time.Millisecond)
	}
}

// record writes an outcome, retrying until it is written or shutdown's
// grace period ends; the channel waits meanwhile. Losing a MarkSent would
// send the alert again, so a database that cannot be written (a full disk)
// holds the channel rather than repeating its posts.
func (d *Deliverer) record(hard context.Context, log *slog.Logger, id int64, write func(context.Context) error) {
	for i := 1; ; i++ {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(hard), 10*time.Second)
		err := write(ctx)
		cancel()
		if err == nil {
			if i > 1 {
				log.Info("delivery outcome recorded after retrying", slog.Int64("alert", id), slog.Int("tries", i))
			}
			return
		}
		if i == 1 || i%20 == 0 {
			log.Error("cannot record delivery outcome; the channel waits until it can", slog.Int64("alert", id),
				slog.Int("tries", i), slog.String("error", err.Error()))
		}
		if !sleep(hard, backoff(i, 100*time.Millisecond, 5*time.Second), nil) {
			log.Error("shutting down before the delivery outcome could be recorded; the alert stays queued",
				slog.Int64("alert", id))
			return
		}
	}
}

func (d *Deliverer) enrich(a *alert.Alert) {
	for i, t := range a.Topics {
		if full, ok := d.topics[t.ID]; ok {
			a.Topics[i] = full
		}
	}
	if name := d.opts.FeedNames[a.Item.FeedURL]; name != "" {
		a.Source = name
	}
	if a.Source == "" {
		a.Source = a.Item.FeedURL
	}
}

func (d *Deliverer) gate(platform string) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gates[platform]
}

func (d *Deliverer) setGate(platform string, until time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if until.After(d.gates[platform]) {
		d.gates[platform] = until
	}
}

// backoff is the n-th (n >= 1) exponential wait from base, capped at most,
// with jitter in [half, full] so that retries spread out.
func backoff(n int, base, most time.Duration) time.Duration {
	w := base
	for i := 1; i < n && w < most; i++ {
		w *= 2
	}
	w = min(w, most)
	return w/2 + rand.N(w/2+1)
}

// sleep waits for d, a wake-up, or ctx; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}
