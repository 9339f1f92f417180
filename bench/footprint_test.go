package bench_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/config"
)

var feedURLLine = regexp.MustCompile(`(?m)^(  - url: )(\S+)$`)

// TestFootprint measures issue 6 part 4 with the built-in default config,
// its feeds served locally from the real feeds: binary size (built as the
// Dockerfile builds it), start-up to the first poll, and resident memory
// once the first cycle is done and the process is idle.
func TestFootprint(t *testing.T) {
	needHeavy(t)
	bin := buildBinary(t)
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	result(t, "footprint.binary_mib", "%s", mib(fi.Size()))

	bodies := realFeedBodies(t)
	srv := newFeedServer(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	yaml := string(config.DefaultYAML())
	n := 0
	yaml = feedURLLine.ReplaceAllStringFunc(yaml, func(line string) string {
		path := fmt.Sprintf("/d/%d", n)
		b := bodies[n%len(bodies)]
		srv.Set(path, b.contentType, b.body)
		n++
		return "  - url: " + srv.URL(path)
	})
	yaml = replaceOnce(t, yaml, "  path: data/policyradar.db\n", "  path: "+filepath.Join(dir, "policyradar.db")+"\n")
	yaml = replaceOnce(t, yaml, "  listen: 127.0.0.1:8080\n", "  listen: "+addr+"\n")
	cfgPath, cfg := writeConfig(t, dir, yaml, srv.URL("/"))
	if len(cfg.Feeds) != n || n == 0 {
		t.Fatalf("rewrote %d feed URLs, config has %d feeds", n, len(cfg.Feeds))
	}
	result(t, "footprint.feeds", "%d", n)

	changed := srv.Changed()
	p := startProc(t, bin, dir, nil, "run", "-config", cfgPath)
	select {
	case <-changed:
	case <-time.After(30 * time.Second):
		t.Fatal("no feed was polled within 30 s of start")
	}
	result(t, "footprint.start_to_first_poll_ms", "%s", ms(srv.Stats().First.Sub(p.started)))
	if !waitFor(30*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}) {
		t.Fatal("/healthz never answered 200")
	}

	// One full cycle: every feed answered and counted as polled.
	if !waitFor(time.Minute, func() bool {
		m, err := metrics(addr, "policyradar_polls_total")
		return err == nil && m[`policyradar_polls_total{result="ok"}`]+m[`policyradar_polls_total{result="error"}`]+
			m[`policyradar_polls_total{result="not_modified"}`] >= float64(n)
	}) {
		t.Fatalf("the first cycle did not finish: %d of %d feeds answered", srv.Stats().requests(), n)
	}
	cycleDone := time.Now()
	result(t, "footprint.first_cycle_s", "%.2f", cycleDone.Sub(p.started).Seconds())
	m, _ := metrics(addr, "policyradar_")
	result(t, "footprint.polls", "ok:%.0f error:%.0f items:%.0f", m[`policyradar_polls_total{result="ok"}`],
		m[`policyradar_polls_total{result="error"}`], m["policyradar_items_total"])
	// The 70 s sample comes after the daemon's first once-a-minute return of freed memory.
	for _, after := range []time.Duration{5 * time.Second, 30 * time.Second, 70 * time.Second} {
		time.Sleep(time.Until(cycleDone.Add(after)))
		rss, peak, err := p.memory()
		if err != nil {
			t.Fatal(err)
		}
		result(t, fmt.Sprintf("footprint.idle_rss_%ds_mib", int(after.Seconds())), "%s", mib(rss))
		result(t, "footprint.peak_rss_mib", "%s", mib(peak))
	}
	if st, err := p.status(); err == nil {
		result(t, "footprint.rss_parts_mib", "anon:%s file:%s", mib(st["RssAnon"]), mib(st["RssFile"]))
	}
	if m, err := metrics(addr, "go_"); err == nil {
		result(t, "footprint.go_mib", "heap_inuse:%s heap_idle:%s heap_released:%s stacks:%s sys:%s goroutines:%.0f",
			mib(int64(m["go_memstats_heap_inuse_bytes"])), mib(int64(m["go_memstats_heap_idle_bytes"])),
			mib(int64(m["go_memstats_heap_released_bytes"])), mib(int64(m["go_memstats_stack_inuse_bytes"])),
			mib(int64(m["go_memstats_sys_bytes"])), m["go_goroutines"])
	}
	cpu, _ := p.cpu()
	result(t, "footprint.cpu_s", "%.2f", cpu.Seconds())
	if st := srv.Stats(); st.requests() > n {
		t.Logf("note: %d requests for %d feeds during the idle wait", st.requests(), n)
	}
	p.stop(t)
	t.Logf("machine load average: %s", loadAverage())
}

type feedFile struct {
	contentType string
	body        []byte
}

// realFeedBodies returns the real feeds' documents as served bodies, or one
// generated feed when they are absent.
func realFeedBodies(tb testing.TB) []feedFile {
	tb.Helper()
	var out []feedFile
	if dir := realFeedsDir(tb); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range files {
			ct := "application/xml"
			switch {
			case strings.HasSuffix(name, ".json"):
				ct = "application/feed+json"
			case !strings.HasSuffix(name, ".xml"):
				continue
			}
			b, err := os.ReadFile(name)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, feedFile{ct, b})
		}
	}
	if len(out) == 0 {
		tb.Log("real feeds absent: serving generated feeds")
		out = append(out, feedFile{"application/rss+xml", feedBody(sampleItems(tb), 0, 20, time.Now())})
	}
	return out
}

func replaceOnce(tb testing.TB, s, old, new string) string {
	tb.Helper()
	if strings.Count(s, old) != 1 {
		tb.Fatalf("default config: expected one %q", old)
	}
	return strings.Replace(s, old, new, 1)
}
