package feeds_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		n          int
		retryAfter time.Duration
		want       time.Duration
	}{
		{"first failure", 1, 0, time.Minute},
		{"second", 2, 0, 2 * time.Minute},
		{"third", 3, 0, 4 * time.Minute},
		{"ninth", 9, 0, 256 * time.Minute},
		{"tenth capped", 10, 0, 6 * time.Hour},
		{"huge n capped", 1000, 0, 6 * time.Hour},
		{"zero n treated as first", 0, 0, time.Minute},
		{"retry-after longer", 1, 10 * time.Minute, 10 * time.Minute},
		{"retry-after shorter", 5, time.Minute, 16 * time.Minute},
		{"retry-after capped", 1, 48 * time.Hour, 6 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := feeds.Backoff(tt.n, tt.retryAfter); got != tt.want {
				t.Errorf("Backoff(%d, %s) = %s, want %s", tt.n, tt.retryAfter, got, tt.want)
			}
		})
	}
}

// gate makes polls block until released and counts how many run at once.
type gate struct {
	started chan string
	release chan struct{}
	cur     atomic.Int32
	max     atomic.Int32
}

func newGate() *gate {
	return &gate{started: make(chan string, 100), release: make(chan struct{})}
}

func (g *gate) poll(ctx context.Context, f alert.Feed) error {
	n := g.cur.Add(1)
	defer g.cur.Add(-1)
	for {
		m := g.max.Load()
		if n <= m || g.max.CompareAndSwap(m, n) {
			break
		}
	}
	g.started <- f.URL
	select {
	case <-g.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func feedList(n int, host func(i int) string) []alert.Feed {
	out := make([]alert.Feed, n)
	for i := range out {
		out[i] = alert.Feed{URL: fmt.Sprintf("https://%s/feed/%d", host(i), i), Interval: time.Hour}
	}
	return out
}

func TestOnceLimits(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		perHost     int
		host        func(i int) string
		want        int32
	}{
		{"global limit", 3, 2, func(i int) string { return fmt.Sprintf("h%d.example", i) }, 3},
		{"per-host limit", 8, 2, func(int) string { return "one.example" }, 2},
		{"per-host limit with two hosts", 8, 2, func(i int) string { return fmt.Sprintf("h%d.example", i%2) }, 4},
		{"defaults", 0, 0, func(i int) string { return fmt.Sprintf("h%d.example", i) }, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			s := feeds.NewScheduler(feeds.SchedulerOptions{Concurrency: tt.concurrency, PerHost: tt.perHost}, g.poll)
			list := feedList(20, tt.host)
			done := make(chan error, 1)
			go func() { done <- s.Once(context.Background(), list) }()
			// Wait until the limit is reached, then let the polls finish one by one.
			for range tt.want {
				<-g.started
			}
			for range list {
				g.release <- struct{}{}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if got := g.max.Load(); got != tt.want {
				t.Errorf("at most %d polls ran at once, want %d", got, tt.want)
			}
		})
	}
}

func TestOnceJoinsErrors(t *testing.T) {
	boom := errors.New("boom")
	s := feeds.NewScheduler(feeds.SchedulerOptions{}, func(_ context.Context, f alert.Feed) error {
		if f.URL == "https://b.example/feed" {
			return boom
		}
		if f.URL == "https://c.example/feed" {
			panic("bug")
		}
		return nil
	})
	err := s.Once(context.Background(), []alert.Feed{{URL: "https://a.example/feed"}, {URL: "https://b.example/feed"}, {URL: "https://c.example/feed"}})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if err == nil || !strings.Contains(err.Error(), "https://c.example/feed: poll panicked") {
		t.Errorf("panic not reported as the feed's error: %v", err)
	}
}

// TestRunHangingFeedBlocksNobody: one feed hangs until shutdown while its
// host neighbour and a feed elsewhere keep being polled.
func TestRunHangingFeedBlocksNobody(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	const hang = "https://slow.example/hang"
	var mu sync.Mutex
	counts := map[string]int{}
	enough := make(chan struct{})
	var once sync.Once
	s := feeds.NewScheduler(feeds.SchedulerOptions{Concurrency: 2, PerHost: 2}, func(ctx context.Context, f alert.Feed) error {
		if f.URL == hang {
			<-ctx.Done()
			return ctx.Err()
		}
		mu.Lock()
		counts[f.URL]++
		if counts["https://slow.example/other"] >= 3 && counts["https://fast.example/feed"] >= 3 {
			once.Do(func() { close(enough) })
		}
		mu.Unlock()
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, []feeds.Scheduled{
			{Feed: alert.Feed{URL: hang, Interval: time.Millisecond}},
			{Feed: alert.Feed{URL: "https://slow.example/other", Interval: time.Millisecond}},
			{Feed: alert.Feed{URL: "https://fast.example/feed", Interval: time.Millisecond}},
		})
	}()
	<-enough // a blocked scheduler never gets here and the test times out
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRunBacksOffAndReports(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	type sched struct {
		next     time.Time
		failures int
	}
	reports := make(chan sched, 10)
	results := []error{
		&feeds.HTTPError{URL: "u", Status: 429, RetryAfter: 2 * time.Hour},
		errors.New("connection refused"),
	}
	var calls atomic.Int32
	s := feeds.NewScheduler(feeds.SchedulerOptions{
		OnSchedule: func(url string, next time.Time, failures int) { reports <- sched{next, failures} },
	}, func(ctx context.Context, f alert.Feed) error {
		return results[calls.Add(1)-1]
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() {
		done <- s.Run(ctx, []feeds.Scheduled{{Feed: alert.Feed{URL: "https://a.example/feed", Interval: time.Minute},
			NextPoll: start.Add(-time.Second), Failures: 3}})
	}()
	r := <-reports
	if r.failures != 4 {
		t.Errorf("failures = %d, want 4", r.failures)
	}
	// The 4th failure waits 8 min, but Retry-After asked for 2 h; jitter only adds.
	if lo, hi := start.Add(2*time.Hour), time.Now().Add(2*time.Hour+12*time.Minute+time.Second); r.next.Before(lo) || r.next.After(hi) {
		t.Errorf("next poll %v, want between %v and %v", r.next, lo, hi)
	}
	if got := s.NextPoll("https://a.example/feed"); !got.Equal(r.next) {
		t.Errorf("NextPoll = %v, want %v", got, r.next)
	}
	if got := s.NextPoll("https://unknown.example/"); !got.IsZero() {
		t.Errorf("NextPoll of an unknown feed = %v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Errorf("polled %d times, want 1", calls.Load())
	}
}

// firstReport runs one feed due now (with the given failures so far) until
// its first poll is scheduled, and returns what OnSchedule reported.
func firstReport(t *testing.T, interval time.Duration, failures int, poll feeds.PollFunc) (next time.Time, failuresAfter int) {
	t.Helper()
	type sched struct {
		next     time.Time
		failures int
	}
	reports := make(chan sched, 10)
	s := feeds.NewScheduler(feeds.SchedulerOptions{
		OnSchedule: func(url string, next time.Time, failures int) { reports <- sched{next, failures} },
	}, poll)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, []feeds.Scheduled{{Feed: alert.Feed{URL: "https://a.example/feed", Interval: interval},
			NextPoll: time.Now().Add(-time.Minute), Failures: failures}})
	}()
	r := <-reports
	cancel()
	<-done
	return r.next, r.failures
}

func TestRunSuccessResetsFailures(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	next, failures := firstReport(t, time.Hour, 5, func(context.Context, alert.Feed) error { return nil })
	// Interval 1 h ± 10%.
	if now := time.Now(); failures != 0 || next.Before(now.Add(53*time.Minute)) || next.After(now.Add(67*time.Minute)) {
		t.Errorf("after success: next %v (in %s), failures %d", next, time.Until(next), failures)
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate()
	s := feeds.NewScheduler(feeds.SchedulerOptions{Concurrency: 2}, g.poll)
	list := make([]feeds.Scheduled, 0, 6)
	for _, f := range feedList(6, func(i int) string { return fmt.Sprintf("h%d.example", i) }) {
		f.Interval = 10 * time.Millisecond
		list = append(list, feeds.Scheduled{Feed: f})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, list) }()
	<-g.started
	<-g.started // two polls in flight, the rest waiting for a slot or their timer
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if g.cur.Load() != 0 {
		t.Errorf("%d polls still running after Run returned", g.cur.Load())
	}
}

// TestRunSpreadsFirstPolls: feeds with no schedule are not all polled at
// the same instant (TestFirstPoll checks the bound).
func TestRunSpreadsFirstPolls(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	g := newGate()
	s := feeds.NewScheduler(feeds.SchedulerOptions{Concurrency: 8, PerHost: 8}, g.poll)
	var list []feeds.Scheduled
	for _, f := range feedList(6, func(int) string { return "spread.example" }) {
		f.Interval = 500 * time.Millisecond
		list = append(list, feeds.Scheduled{Feed: f})
	}
	before := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, list) }()
	for range list {
		<-g.started // polls stay blocked, so NextPoll still shows the first schedule
	}
	after := time.Now()
	seen := map[time.Time]bool{}
	for _, sf := range list {
		next := s.NextPoll(sf.Feed.URL)
		if next.Before(before) || next.After(after) {
			t.Errorf("%s first poll at %v, want between %v and %v", sf.Feed.URL, next, before, after)
		}
		seen[next] = true
	}
	if len(seen) < 2 {
		t.Error("every first poll was scheduled at the same instant")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A poll that failed for a local reason (the database) is retried within
// 30 s and is not counted against the feed.
func TestRunLocalFailureIsNotTheFeeds(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	next, failures := firstReport(t, time.Hour, 2, func(context.Context, alert.Feed) error {
		return feeds.Local(fmt.Errorf("record items: %w", errors.New("disk full")))
	})
	if failures != 2 {
		t.Errorf("failures = %d, want 2: a local failure is not the feed's", failures)
	}
	if wait := time.Until(next); wait > 34*time.Second {
		t.Errorf("retried in %s, want within 30 s ± 10%%", wait)
	}
}
