package feeds_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
)

// TestSetInterval: a changed interval reschedules a waiting feed at once,
// counted from its last success; a failing feed keeps its backoff.
func TestSetInterval(t *testing.T) {
	const url = "https://a.example/feed"
	tests := []struct {
		name     string
		own      time.Duration
		fail     bool
		before   time.Duration // SetInterval before Run (0: not called)
		set      []time.Duration
		wantNext func(last time.Time) (lo, hi time.Time)
		morePoll bool // another poll comes soon after the change
	}{
		{"shorter wakes a waiting feed", time.Hour, false, 0, []time.Duration{20 * time.Millisecond}, nil, true},
		{"longer holds the next poll back", time.Hour, false, 0, []time.Duration{10 * time.Hour},
			func(last time.Time) (time.Time, time.Time) { return last.Add(9 * time.Hour), last.Add(11 * time.Hour) }, false},
		{"zero restores the feed's own", time.Hour, false, 10 * time.Hour, []time.Duration{0},
			func(last time.Time) (time.Time, time.Time) {
				return last.Add(54 * time.Minute), last.Add(66 * time.Minute)
			}, false},
		{"set before run applies from the first poll", time.Hour, false, 5 * time.Hour, nil,
			func(last time.Time) (time.Time, time.Time) { return last.Add(4 * time.Hour), last.Add(6 * time.Hour) }, false},
		{"failing feed keeps its backoff", time.Hour, true, 0, []time.Duration{20 * time.Millisecond},
			func(last time.Time) (time.Time, time.Time) {
				return last.Add(55 * time.Second), last.Add(2 * time.Minute)
			}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			var polls atomic.Int32
			var last atomic.Int64
			polled := make(chan struct{}, 100)
			s := feeds.NewScheduler(feeds.SchedulerOptions{}, func(context.Context, alert.Feed) error {
				polls.Add(1)
				defer func() { last.Store(time.Now().UnixNano()); polled <- struct{}{} }()
				if tt.fail {
					return errors.New("connection refused")
				}
				return nil
			})
			if tt.before > 0 {
				s.SetInterval(url, tt.before)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- s.Run(ctx, []feeds.Scheduled{{Feed: alert.Feed{URL: url, Interval: tt.own}, NextPoll: time.Now()}})
			}()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			}()
			<-polled
			waitFor(t, func() bool { return s.NextPoll(url).After(time.Now().Add(30 * time.Second)) }, "the first poll to be scheduled")
			for _, d := range tt.set {
				s.SetInterval(url, d)
			}
			if tt.morePoll {
				for range 3 {
					select {
					case <-polled:
					case <-time.After(10 * time.Second):
						t.Fatalf("no poll after the interval was shortened (%d polls)", polls.Load())
					}
				}
				return
			}
			lastAt := time.Unix(0, last.Load())
			lo, hi := tt.wantNext(lastAt)
			waitFor(t, func() bool { n := s.NextPoll(url); return !n.Before(lo) && !n.After(hi) },
				"the next poll to move into place")
			time.Sleep(100 * time.Millisecond) // room for a wrong early poll
			if n := polls.Load(); n != 1 {
				t.Errorf("polled %d times, want 1", n)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
