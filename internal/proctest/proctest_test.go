package proctest_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/feeds/feedtest"
	"github.com/policyradar/policyradar/internal/proctest"
)

func TestVersion(t *testing.T) {
	bin := proctest.Build(t)
	p := proctest.Start(t, bin, t.TempDir(), "version")
	code, err := p.Wait(30 * time.Second)
	if err != nil || code != 0 {
		t.Fatalf("version: code %d, err %v, stderr %q", code, err, p.Stderr())
	}
	if !strings.HasPrefix(p.Stdout(), "policyradar ") {
		t.Fatalf("version printed %q", p.Stdout())
	}
	if again := proctest.Build(t); again != bin {
		t.Errorf("second Build gave %s, want the same binary %s", again, bin)
	}
}

// TestRunHealthMetricsTerm drives a real `run`: start log, /healthz,
// /metrics, a file-size limit, SIGTERM and the output files.
func TestRunHealthMetricsTerm(t *testing.T) {
	feeds := feedtest.New()
	t.Cleanup(feeds.Close)
	feeds.SetItems("/f.xml", "F", feedtest.Item{Title: "Export controls widen", GUID: "1",
		Link: "https://f.example/1", Published: time.Now().Add(-time.Hour)})

	bin := proctest.Build(t)
	dir := t.TempDir()
	addr := proctest.FreeAddr(t)
	cfg := proctest.WriteConfig(t, dir, fmt.Sprintf(`
storage: {path: radar.db}
http: {listen: %q}
poll: {interval: 1s, backfill: 5}
feeds: [{url: %q}]
topics: [{id: chips, any: ["export control*"]}]
channels: [{console: true}]
`, addr, feeds.URL("/f.xml")))
	p := proctest.Start(t, bin, dir, "run", "-config", cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	if _, err := p.WaitLog(ctx, proctest.Msg("policyradar starting")); err != nil {
		t.Fatal(err)
	}
	_, body, err := p.WaitHealth(ctx, func(code int, _ map[string]any) bool { return code == 200 })
	if err != nil {
		t.Fatal(err)
	}
	if body["status"] != "ok" {
		t.Errorf("/healthz body %v, want status ok", body)
	}
	if g := p.Metric("go_goroutines"); math.IsNaN(g) || g < 1 {
		t.Errorf("go_goroutines = %v", g)
	}
	if v := p.Metric("no_such_metric_total"); !math.IsNaN(v) {
		t.Errorf("a missing metric reads %v, want NaN", v)
	}
	for !strings.Contains(p.Stdout(), "Export controls widen") {
		select {
		case <-ctx.Done():
			t.Fatalf("the backfilled alert never reached the console; stdout %q", p.Stdout())
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := p.SetFileSizeLimit(1 << 20); err != nil {
		t.Fatal(err)
	}
	if err := p.SetFileSizeLimit(proctest.Unlimited); err != nil {
		t.Fatal(err)
	}
	if rss := p.PeakRSS(); rss < 1<<20 {
		t.Errorf("peak RSS %d bytes while running, want a real figure", rss)
	}
	took, exit, err := p.Term()
	if err != nil || exit != 0 {
		t.Fatalf("SIGTERM: exit %d after %s, err %v", exit, took, err)
	}
	if _, err := p.WaitLog(ctx, proctest.Msg("stopped")); err != nil {
		t.Error(err)
	}
	if rss := p.PeakRSS(); rss < 1<<20 {
		t.Errorf("peak RSS %d bytes after exit, want the rusage figure", rss)
	}
	logged, err := os.ReadFile(filepath.Join(dir, "stderr.log"))
	if err != nil || !strings.Contains(string(logged), "policyradar starting") {
		t.Errorf("stderr.log lacks the start line (err %v)", err)
	}
}

func TestKill(t *testing.T) {
	bin := proctest.Build(t)
	dir := t.TempDir()
	cfg := proctest.WriteConfig(t, dir, `
storage: {path: radar.db}
http: {listen: ""}
feeds: [{url: "http://127.0.0.1:1/none.xml"}]
topics: [{id: chips, any: ["export control*"]}]
channels: [{console: true}]
`)
	p := proctest.Start(t, bin, dir, "run", "-config", cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.WaitLog(ctx, proctest.Msg("policyradar starting")); err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if !p.Exited() || p.ExitCode() != -1 {
		t.Fatalf("after Kill: exited %v, code %d", p.Exited(), p.ExitCode())
	}
}

func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }
