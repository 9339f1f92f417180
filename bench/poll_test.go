package bench_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/feeds/feedtest"
)

// TestPollLoad is the polling load benchmark (issue 6 part 2): the real
// binary polls N local feeds of 20 items each. It measures
//
//   - cycle 1 (`policyradar once` on an empty database: every feed 200 with a body),
//   - cycle 2 (`once` again: every feed should answer 304 and nothing be parsed),
//   - a `run` process on the same database: its cycle is again all 304s, and
//     /metrics shows polls by result and that no items were parsed.
//
// Figures: cycle time (first request to last answer at the fake server),
// process wall time, CPU seconds (getrusage of the child) and peak RSS.
func TestPollLoad(t *testing.T) {
	needHeavy(t)
	bin := buildBinary(t)
	sample := sampleItems(t)
	t.Logf("machine load average before: %s", loadAverage())
	for _, n := range []int{500, 2000} {
		t.Run(fmt.Sprintf("feeds=%d", n), func(t *testing.T) { pollLoad(t, bin, sample, n) })
	}
}

func pollLoad(t *testing.T, bin string, sample []feedtest.Item, n int) {
	srv := newFeedServer(t)
	now := time.Now()
	var body int64
	var y strings.Builder
	dir := t.TempDir()
	addr := freeAddr(t)
	fmt.Fprintf(&y, "storage:\n  path: %s/policyradar.db\nhttp:\n  listen: %s\n", dir, addr)
	y.WriteString("poll:\n  interval: 10m\n  timeout: 20s\n  backfill: 0\nfeeds:\n")
	for i := range n {
		path := fmt.Sprintf("/f/%d.xml", i)
		b := feedBody(sample, i, 20, now)
		body += int64(len(b))
		srv.Set(path, "application/rss+xml; charset=utf-8", b)
		fmt.Fprintf(&y, "  - url: %s\n", srv.URL(path))
	}
	y.WriteString(defaultTopicsYAML(t))
	y.WriteString("channels:\n  - console: true\n")
	cfgPath, _ := writeConfig(t, dir, y.String(), srv.URL("/"))
	result(t, fmt.Sprintf("poll.n%d.avg_body_kib", n), "%.1f", float64(body)/float64(n)/1024)

	for cycle := 1; cycle <= 2; cycle++ {
		srv.Reset()
		p := startProc(t, bin, dir, nil, "once", "-config", cfgPath)
		if err := p.wait(10 * time.Minute); err != nil {
			t.Fatalf("once (cycle %d): %v\n%s", cycle, err, tail(p.logs(), 20))
		}
		wall := time.Since(p.started)
		st := srv.Reset()
		cpu, peak := p.usage()
		key := fmt.Sprintf("poll.n%d.cycle%d", n, cycle)
		result(t, key+".cycle_s", "%.2f", st.Last.Sub(st.First).Seconds())
		result(t, key+".process_wall_s", "%.2f", wall.Seconds())
		result(t, key+".cpu_s", "%.2f", cpu.Seconds())
		result(t, key+".peak_rss_mib", "%s", mib(peak))
		result(t, key+".responses", "200:%d 304:%d other:%d", st.OK, st.NotModified, st.Other)
		if st.requests() != n || st.Other != 0 {
			t.Errorf("cycle %d: %d requests (%d other), want %d", cycle, st.requests(), st.Other, n)
		}
		if cycle == 1 && st.OK != n {
			t.Errorf("cycle 1: %d answers with a body, want %d", st.OK, n)
		}
		if cycle == 2 && float64(st.NotModified) < 0.95*float64(n) {
			t.Errorf("cycle 2: %d of %d answers were 304, want at least 95%%", st.NotModified, n)
		}
	}

	// A long-running process on the same database: its first cycle is 304s.
	srv.Reset()
	p := startProc(t, bin, dir, nil, "run", "-config", cfgPath)
	if !waitFor(2*time.Minute, func() bool { return srv.Stats().requests() >= n }) {
		t.Fatalf("run: %d of %d feeds polled", srv.Stats().requests(), n)
	}
	var m map[string]float64
	if !waitFor(30*time.Second, func() bool {
		var err error
		m, err = metrics(addr, "policyradar_")
		return err == nil && m[`policyradar_polls_total{result="not_modified"}`]+
			m[`policyradar_polls_total{result="ok"}`]+m[`policyradar_polls_total{result="error"}`] >= float64(n)
	}) {
		t.Fatalf("run: /metrics never counted %d polls: %v", n, m)
	}
	time.Sleep(time.Second) // let the last poll's state be written
	st := srv.Stats()
	cpu, _ := p.cpu()
	_, peak, _ := p.memory()
	key := fmt.Sprintf("poll.n%d.run", n)
	result(t, key+".cycle_s", "%.2f", st.Last.Sub(st.First).Seconds())
	result(t, key+".cpu_s", "%.2f", cpu.Seconds())
	result(t, key+".peak_rss_mib", "%s", mib(peak))
	result(t, key+".responses", "200:%d 304:%d other:%d", st.OK, st.NotModified, st.Other)
	notModified := m[`policyradar_polls_total{result="not_modified"}`]
	result(t, key+".metrics", "polls_not_modified:%.0f polls_ok:%.0f polls_error:%.0f items_total:%.0f",
		notModified, m[`policyradar_polls_total{result="ok"}`], m[`policyradar_polls_total{result="error"}`],
		m["policyradar_items_total"])
	if g, err := metrics(addr, "go_"); err == nil {
		result(t, key+".go_mib", "heap_inuse:%s stacks:%s sys:%s goroutines:%.0f",
			mib(int64(g["go_memstats_heap_inuse_bytes"])), mib(int64(g["go_memstats_stack_inuse_bytes"])),
			mib(int64(g["go_memstats_sys_bytes"])), g["go_goroutines"])
	}
	if notModified < 0.95*float64(n) || m[`policyradar_polls_total{result="ok"}`] != 0 {
		t.Errorf("run: polls by result %v, want all %d not_modified", m, n)
	}
	p.stop(t)
	t.Logf("machine load average after: %s", loadAverage())
}
