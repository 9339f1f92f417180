package bench_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
)

// BenchmarkPollCycle runs one poll cycle of the real pipeline in-process
// (scheduler, fetcher, default topics, SQLite) over 200 local feeds of 20
// items: "first" on an empty database (200 with bodies: parse, match,
// record), "not_modified" on a database that has seen them (304s). It
// complements TestPollLoad with allocations and a profile:
//
//	go test ./bench -run '^$' -bench PollCycle -benchmem -cpuprofile cpu.out
func BenchmarkPollCycle(b *testing.B) {
	const n = 200
	srv := newFeedServer(b)
	sample := sampleItems(b)
	now := time.Now()
	fs := make([]alert.Feed, n)
	for i := range fs {
		path := fmt.Sprintf("/f/%d.xml", i)
		srv.Set(path, "application/rss+xml; charset=utf-8", feedBody(sample, i, 20, now))
		fs[i] = alert.Feed{URL: srv.URL(path), Interval: 10 * time.Minute}
	}
	ctx := context.Background()
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			s := newStack(b, stackOptions{})
			b.StartTimer()
			if err := s.sched.Once(ctx, fs); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n*20), "ns/item")
	})
	b.Run("not_modified", func(b *testing.B) {
		s := newStack(b, stackOptions{})
		if err := s.sched.Once(ctx, fs); err != nil {
			b.Fatal(err)
		}
		srv.Reset()
		for b.Loop() {
			if err := s.sched.Once(ctx, fs); err != nil {
				b.Fatal(err)
			}
		}
		if st := srv.Stats(); st.OK != 0 {
			b.Errorf("%d feeds answered with a body, want only 304s", st.OK)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/feed")
	})
}
