package bot_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/store"
)

// scriptedSink answers each send from a script, then succeeds.
type scriptedSink struct {
	mu     sync.Mutex
	script []error
	sent   []alert.Alert
	tries  int
}

func (s *scriptedSink) Send(_ context.Context, a alert.Alert) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries++
	if len(s.script) > 0 {
		err := s.script[0]
		s.script = s.script[1:]
		if err != nil {
			return "", err
		}
	}
	s.sent = append(s.sent, a)
	return fmt.Sprintf("m%d", len(s.sent)), nil
}

func (s *scriptedSink) titles() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, a := range s.sent {
		out = append(out, a.Item.Title)
	}
	return out
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "radar.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// queue records n items of one feed, each queued for channel "test:1".
func queue(t *testing.T, st *store.Store, titles ...string) {
	t.Helper()
	base := time.Now().Add(-time.Hour)
	var items []store.IngestItem
	for i, title := range titles {
		it := alert.Item{FeedURL: "http://127.0.0.1/feed", Key: title, Link: "http://127.0.0.1/" + title,
			Title: title, Published: base.Add(time.Duration(i) * time.Minute), Dated: true}
		items = append(items, store.IngestItem{Item: it, Topics: []string{"t"},
			Alerts: []store.QueuedAlert{{Channel: "test:1", Topics: []string{"t"}}}})
	}
	_, err := st.Ingest(context.Background(), store.Batch{State: store.FeedState{URL: "http://127.0.0.1/feed", LastSuccess: time.Now()}, Items: items, AlertLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, st *store.Store, sink bot.Sink) {
	t.Helper()
	d := bot.NewDeliverer(bot.DelivererOptions{Store: st,
		Outlets: []bot.Outlet{{ChannelInfo: bot.ChannelInfo{Key: "test:1", Platform: "test", Topics: []string{"t"}}, Sink: sink}},
		Topics:  []bot.TopicInfo{{Topic: alert.Topic{ID: "t", Name: "Topic T", Color: 0x123456}}}})
	d.Drain(context.Background(), 20*time.Second)
}

func TestDeliverInOrderWithRetries(t *testing.T) {
	cases := []struct {
		name   string
		script []error
		tries  int
	}{
		{"all accepted", nil, 3},
		{"server error retried", []error{errors.New("503 Service Unavailable")}, 4},
		{"rate limited waits", []error{&alert.RateLimitedError{RetryAfter: 300 * time.Millisecond}}, 4},
		{"two failures", []error{errors.New("connection refused"), errors.New("502 Bad Gateway")}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			queue(t, st, "first", "second", "third")
			sink := &scriptedSink{script: tc.script}
			drain(t, st, sink)
			if got := fmt.Sprint(sink.titles()); got != "[first second third]" {
				t.Fatalf("sent %s, want [first second third] in order", got)
			}
			if sink.tries != tc.tries {
				t.Errorf("tries = %d, want %d", sink.tries, tc.tries)
			}
			qs, err := st.QueueStats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if qs.Queued != 0 || qs.Sent != 3 {
				t.Errorf("queue stats %+v, want 3 sent and none queued", qs)
			}
			if got := sink.sent[0].Topics[0].Name; got != "Topic T" {
				t.Errorf("topic name = %q, want it filled in from the config", got)
			}
		})
	}
}

func TestPermanentFailureIsRecordedAndSkipped(t *testing.T) {
	st := openStore(t)
	queue(t, st, "doomed", "fine")
	sink := &scriptedSink{script: []error{alert.Permanent("channel_not_found", errors.New("channel_not_found"))}}
	drain(t, st, sink)
	if got := fmt.Sprint(sink.titles()); got != "[fine]" {
		t.Fatalf("sent %s, want [fine]", got)
	}
	failed, err := st.FailedAlerts(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Title != "doomed" {
		t.Fatalf("failed alerts = %+v, want the doomed one", failed)
	}
}

func TestShutdownKeepsTheRestQueued(t *testing.T) {
	st := openStore(t)
	queue(t, st, "a", "b", "c")
	block := make(chan struct{})
	sink := &blockingSink{release: block, started: make(chan struct{})}
	d := bot.NewDeliverer(bot.DelivererOptions{Store: st, Grace: 200 * time.Millisecond,
		Outlets: []bot.Outlet{{ChannelInfo: bot.ChannelInfo{Key: "test:1", Platform: "test"}, Sink: sink}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	<-sink.started
	cancel()
	<-done // the send in flight is cut after the grace period
	close(block)
	qs, err := st.QueueStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if qs.Queued != 3 || qs.Sent != 0 {
		t.Fatalf("after shutdown %+v, want all 3 still queued", qs)
	}
}

type blockingSink struct {
	once    sync.Once
	started chan struct{}
	release chan struct{}
}

func (s *blockingSink) Send(ctx context.Context, _ alert.Alert) (string, error) {
	s.once.Do(func() { close(s.started) })
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-s.release:
		return "x", nil
	}
}

// flakyStore fails MarkSent a number of times, as a full disk would.
type flakyStore struct {
	*store.Store
	mu       sync.Mutex
	failures int
}

func (f *flakyStore) MarkSent(ctx context.Context, id int64, msg string, at time.Time) error {
	f.mu.Lock()
	if f.failures > 0 {
		f.failures--
		f.mu.Unlock()
		return fmt.Errorf("mark sent: %w", store.ErrUnwritable)
	}
	f.mu.Unlock()
	return f.Store.MarkSent(ctx, id, msg, at)
}

func TestUnrecordedSendIsNotRepeated(t *testing.T) {
	st := openStore(t)
	queue(t, st, "one", "two")
	flaky := &flakyStore{Store: st, failures: 4}
	sink := &scriptedSink{}
	d := bot.NewDeliverer(bot.DelivererOptions{Store: flaky,
		Outlets: []bot.Outlet{{ChannelInfo: bot.ChannelInfo{Key: "test:1", Platform: "test"}, Sink: sink}}})
	d.Drain(context.Background(), 20*time.Second)
	if got := fmt.Sprint(sink.titles()); got != "[one two]" {
		t.Fatalf("sent %s, want each alert once: a send whose outcome could not be recorded must not be repeated", got)
	}
	if qs, _ := st.QueueStats(context.Background()); qs.Sent != 2 || qs.Queued != 0 {
		t.Fatalf("queue %+v, want both recorded as sent once the database is writable", qs)
	}
}
