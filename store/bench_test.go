package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/policyradar/policyradar/store"
)

// BenchmarkIngest100 records a poll of 100 new matching items, each queued to two channels.
func BenchmarkIngest100(b *testing.B) {
	s, _ := openStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		items := make([]store.IngestItem, 100)
		for i := range items {
			n++
			key := fmt.Sprintf("k%d", n)
			items[i] = matched(item(feedA, key, "https://a.example/"+key, "item "+key, n), "misuse", "slack:C1", "discord:2")
		}
		if _, err := s.Ingest(ctx, batch(feedA, -1, items...)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkIngest100Seen re-records a poll whose 100 items are all known (the common case).
func BenchmarkIngest100Seen(b *testing.B) {
	s, _ := openStore(b)
	ctx := context.Background()
	items := make([]store.IngestItem, 100)
	for i := range items {
		key := fmt.Sprintf("k%d", i)
		items[i] = matched(item(feedA, key, "https://a.example/"+key, "item "+key, i), "misuse", "slack:C1")
	}
	if _, err := s.Ingest(ctx, batch(feedA, -1, items...)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Ingest(ctx, batch(feedA, -1, items...)); err != nil {
			b.Fatal(err)
		}
	}
}
