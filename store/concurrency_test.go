package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/store"
)

// TestConcurrentUse runs pollers, delivery workers and readers at once, as
// the daemon does; no call may fail with SQLITE_BUSY or anything else, and
// every queued alert is sent exactly once.
func TestConcurrentUse(t *testing.T) {
	const (
		feeds    = 4
		polls    = 5
		perPoll  = 10
		channels = 3
	)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, _ := openStore(t)
	chans := make([]string, channels)
	for i := range chans {
		chans[i] = fmt.Sprintf("slack:C%d", i)
	}

	errc := make(chan error, 64)
	report := func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	var pollers, others sync.WaitGroup
	for f := range feeds {
		pollers.Add(1)
		go func() {
			defer pollers.Done()
			feed := fmt.Sprintf("https://f%d.example/feed", f)
			for p := range polls {
				var items []store.IngestItem
				for i := range perPoll {
					// Every other poll repeats the previous one's items: they must queue nothing.
					n := (p/2)*perPoll + i
					key := fmt.Sprintf("%d-%d", f, n)
					items = append(items, matched(item(feed, key, "https://x.example/"+key, "item "+key, n), "misuse", chans...))
				}
				if _, err := s.Ingest(ctx, batch(feed, -1, items...)); err != nil {
					report(fmt.Errorf("Ingest: %w", err))
					return
				}
			}
		}()
	}
	pollDone := make(chan struct{})
	go func() { pollers.Wait(); close(pollDone) }()

	var mu sync.Mutex
	sent := map[int64]int{}
	for _, ch := range chans {
		others.Add(1)
		go func() {
			defer others.Done()
			for {
				finished := false
				select {
				case <-pollDone:
					finished = true
				default:
				}
				as, err := s.Pending(ctx, ch, time.Now(), 5)
				if err != nil {
					report(fmt.Errorf("Pending: %w", err))
					return
				}
				for _, a := range as {
					if err := s.MarkSent(ctx, a.ID, "m", time.Now()); err != nil {
						report(fmt.Errorf("MarkSent: %w", err))
						return
					}
					mu.Lock()
					sent[a.ID]++
					mu.Unlock()
				}
				if finished && len(as) == 0 {
					return
				}
			}
		}()
	}
	others.Add(1)
	go func() {
		defer others.Done()
		for {
			select {
			case <-pollDone:
				return
			default:
			}
			if _, err := s.Latest(ctx, "misuse", 5); err != nil {
				report(fmt.Errorf("Latest: %w", err))
			}
			if _, err := s.Search(ctx, "item", 5); err != nil {
				report(fmt.Errorf("Search: %w", err))
			}
			if err := s.Ping(ctx); err != nil {
				report(fmt.Errorf("Ping: %w", err))
			}
		}
	}()
	others.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}

	want := feeds * ((polls + 1) / 2) * perPoll * channels
	qs, err := s.QueueStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if qs != (store.QueueStats{Sent: want}) {
		t.Errorf("QueueStats = %+v, want %d sent and nothing else", qs, want)
	}
	if len(sent) != want {
		t.Errorf("%d distinct alerts sent, want %d", len(sent), want)
	}
	for id, n := range sent {
		if n != 1 {
			t.Errorf("alert %d sent %d times", id, n)
		}
	}
}
