package faults_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/feeds/feedtest"
)

// TestFeedManyItems: a feed that suddenly serves 100,000 items is recorded
// without holding up the rest: /healthz keeps answering 200, the control
// feed's new item is alerted on time, and the process stays under 200 MB.
// (Only the newest feeds.MaxItems are read: gofeed's translation of every
// item would otherwise take the process past 200 MB.)
func TestFeedManyItems(t *testing.T) {
	t.Parallel()
	srv := feedtest.New()
	defer srv.Close()
	slackSrv := slacktest.New()
	defer slackSrv.Close()
	hour := time.Now().Add(-time.Hour)
	srv.SetItems("/control.xml", "Control", item("Export controls baseline", "c0", hour))
	srv.SetItems("/many.xml", "Many", item("Small at first", "m0", hour))
	p := start(t, func(addr string) string {
		return fmt.Sprintf(`
storage: {path: radar.db}
http: {listen: %q}
poll: {interval: 1s, timeout: 5s, backfill: 0, max_body: 20MiB}
topics: [{id: export-controls, name: Export controls, any: ["export control*"]}]
channels: [{slack: %s}]
slack: {token: xoxb-many-token, api_url: %q}
feeds:
  - {url: %q, name: control}
  - {url: %q, name: many}
`, addr, slackChannel, slackSrv.URL(), srv.URL("/control.xml"), srv.URL("/many.xml"))
	})
	waitUntil(t, 10*time.Second, "feeds not polled", func() bool { return srv.Count("/control.xml") > 1 && srv.Count("/many.xml") > 1 })

	// /healthz is watched all along.
	var mu sync.Mutex
	var unhealthy []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if code, h := p.Health(t.Context()); code != http.StatusOK {
				mu.Lock()
				unhealthy = append(unhealthy, fmt.Sprintf("%s: %d %v", time.Now().Format("15:04:05.000"), code, h))
				mu.Unlock()
			}
		}
	}()

	// A month old: recorded as seen but older than max_item_age, so they
	// queue no alerts. Alerting them would be right, and would put 2,000
	// older alerts ahead of the control item in the one channel, which is
	// ordering, not interference; this test is about the fetch, the parse
	// and the write lock.
	many := []feedtest.Item{item("Small at first", "m0", hour)}
	old := time.Now().Add(-30 * 24 * time.Hour)
	for i := range 100_000 {
		many = append(many, feedtest.Item{Title: fmt.Sprint("Export controls ", i), GUID: fmt.Sprint(i), Published: old.Add(time.Duration(i) * time.Second)})
	}
	srv.SetItems("/many.xml", "Many", many...)
	t.Logf("a feed of %d bytes", len(feedtest.RSS("Many", many...)))
	polled := srv.Count("/many.xml")
	waitUntil(t, 5*time.Second, "the big feed was not fetched", func() bool { return srv.Count("/many.xml") > polled })
	time.Sleep(500 * time.Millisecond) // it is being recorded now

	title := "Export controls while the big feed is recorded"
	srv.SetItems("/control.xml", "Control", item("Export controls baseline", "c0", hour), item(title, "c1", time.Now()))
	added := time.Now()
	waitUntil(t, 30*time.Second, "control item not alerted", func() bool {
		for _, post := range slackSrv.Posts() {
			if strings.Contains(post.Text, title) {
				return true
			}
		}
		return false
	})
	if took := time.Since(added); took > 6*time.Second {
		t.Errorf("the control feed's item took %s to be alerted while another feed was recorded, want within 6 s", took.Round(time.Millisecond))
	}
	// Whether it keeps every item or only the newest, the poll ends and is
	// counted a success.
	waitUntil(t, 40*time.Second, "the big feed was not recorded", func() bool {
		ans, err := p.Metrics(t.Context())
		return err == nil && ans["policyradar_items_total"] >= 1000 && srv.Count("/many.xml") > polled+1
	})
	if _, h := p.Health(t.Context()); h["feeds_failing"] != 0.0 {
		t.Errorf("/healthz %v, want no feed failing", h)
	}
	close(stop)
	wg.Wait()
	if len(unhealthy) > 0 {
		t.Errorf("/healthz failed %d times while a big feed was recorded, first: %s", len(unhealthy), unhealthy[0])
	}
	// The peak is read while the process runs (its VmHWM): after the exit
	// the rusage maximum can be the test process's own, inherited across
	// fork and exec.
	peak := p.PeakRSS()
	if peak > 200<<20 {
		t.Errorf("peak RSS %d MiB, want under 200 MiB", peak>>20)
	} else {
		t.Logf("peak RSS %d MiB", peak>>20)
	}
	if _, code, err := p.Term(); err != nil || code != 0 {
		t.Errorf("SIGTERM: exit %d, %v", code, err)
	}
}
