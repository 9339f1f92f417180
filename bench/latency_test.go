package bench_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/bot/slack"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/feeds/feedtest"
)

// TestAlertLatency measures issue 6 part 3: from a changed feed being
// fetched (the fake feed server starting its 200) to the fake Slack
// accepting the alert's post, one new matching item at a time, through the
// real pipeline and deliverer with rate limits off. 1,000 items with
// POLICYRADAR_BENCH=1, 50 otherwise.
func TestAlertLatency(t *testing.T) {
	items := 50
	if heavy() {
		items = 1000
	}
	feedSrv := newFeedServer(t)
	slackSrv := slacktest.New()
	t.Cleanup(slackSrv.Close)
	const channel = "C0BENCH01"
	s := newStack(t, stackOptions{Outlets: []bot.Outlet{{
		ChannelInfo: bot.ChannelInfo{Key: "slack:" + channel, Platform: "slack"},
		Sink:        slack.NewSender("xoxb-bench", slackSrv.URL(), channel, nil),
		// Limiter nil: no rate limit, so the figure is the pipeline's own.
	}}})

	// The feed starts with 20 old items (recorded, not alerted: backfill 0),
	// then gains one new matching item per round.
	const path = "/feed.xml"
	feed := alert.Feed{URL: feedSrv.URL(path), Interval: time.Minute}
	base := time.Now().Add(-time.Hour)
	var window []feedtest.Item
	for i := range 20 {
		window = append(window, feedtest.Item{Title: fmt.Sprintf("Weekly roundup %d", i),
			Link: fmt.Sprintf("https://news.example.org/old/%d", i), Published: base.Add(-time.Duration(i) * time.Minute),
			Description: "Notes from the week in software, nothing of note."})
	}
	feedSrv.Set(path, "application/rss+xml; charset=utf-8", feedtest.RSS("Bench", window...))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	wg.Go(func() { _ = s.deliverer.Run(ctx) })
	if err := s.pipeline.Poll(ctx, feed); err != nil {
		t.Fatal(err)
	}

	newItem := func(i int) feedtest.Item {
		return feedtest.Item{
			Title:       fmt.Sprintf("Commerce tightens export controls on advanced AI chips and model weights (%d)", i),
			Link:        fmt.Sprintf("https://news.example.org/new/%d", i),
			Published:   time.Now(),
			Description: "The Bureau of Industry and Security added new entries to the Entity List and proposed rules on exporting frontier model weights.",
		}
	}
	set, _ := defaultTopics(t)
	probe, err := feedtestItemAsAlert(newItem(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Match(probe)) == 0 {
		t.Fatal("the benchmark item matches no default topic; pick one that does")
	}

	var total, polled []time.Duration
	wctx, wcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer wcancel()
	for i := range items {
		window = append([]feedtest.Item{newItem(i)}, window[:19]...)
		feedSrv.Set(path, "application/rss+xml; charset=utf-8", feedtest.RSS("Bench", window...))
		if err := s.pipeline.Poll(ctx, feed); err != nil {
			t.Fatal(err)
		}
		pollDone := time.Now()
		if _, err := slackSrv.WaitPosts(wctx, i+1); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		accepted := time.Now()
		fetched := feedSrv.Served(path)
		total = append(total, accepted.Sub(fetched))
		polled = append(polled, pollDone.Sub(fetched))
	}
	if n := len(slackSrv.Posts()); n != items {
		t.Errorf("%d posts for %d new items, want one each", n, items)
	}
	result(t, "latency.items", "%d", items)
	result(t, "latency.p50_ms", "%s", ms(percentile(total, 50)))
	result(t, "latency.p90_ms", "%s", ms(percentile(total, 90)))
	result(t, "latency.p99_ms", "%s", ms(percentile(total, 99)))
	result(t, "latency.max_ms", "%s", ms(percentile(total, 100)))
	result(t, "latency.fetch_to_recorded_p50_ms", "%s", ms(percentile(polled, 50)))
	result(t, "latency.fetch_to_recorded_p99_ms", "%s", ms(percentile(polled, 99)))
	t.Logf("machine load average: %s", loadAverage())
}

// feedtestItemAsAlert parses a one-item feed the way the poller would.
func feedtestItemAsAlert(it feedtest.Item) (alert.Item, error) {
	_, items, err := feedsParse(feedtest.RSS("probe", it))
	if err != nil || len(items) != 1 {
		return alert.Item{}, fmt.Errorf("parse probe item: %v (%d items)", err, len(items))
	}
	return items[0], nil
}
