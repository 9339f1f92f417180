package crash_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/policyradar/policyradar/internal/proctest"
)

// TestDiskFull takes the disk away from a running process (RLIMIT_FSIZE: every
// write fails with EFBIG, as on a full disk) while alerts are queued and new
// items arrive, then gives it back: /healthz answers 503 meanwhile, the log
// says the database cannot be written, the process keeps retrying without
// crashing, and once space returns every alert arrives exactly once.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 5*time.Millisecond)
	w.publish(2 * len(topics)) // two alerts per channel: the second waits for Slack's pace
	bin := proctest.Build(t)
	dir := t.TempDir()
	cfg := proctest.WriteConfig(t, dir, w.config(proctest.FreeAddr(t), 10000))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	p := proctest.Start(t, bin, dir, "run", "-config", cfg)
	if _, _, err := p.WaitHealth(ctx, func(code int, _ map[string]any) bool { return code == 200 }); err != nil {
		t.Fatal(err)
	}
	for len(w.slack.Posts()) == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("no alert delivered before the disk filled")
		case <-time.After(10 * time.Millisecond):
		}
	}
	// The disk fills while Slack alerts are still queued and in flight.
	if err := p.SetFileSizeLimit(1); err != nil {
		t.Fatal(err)
	}
	full := time.Now()
	w.publish(len(topics)) // new items arrive while nothing can be recorded
	code, body, err := p.WaitHealth(ctx, func(code int, _ map[string]any) bool { return code == 503 })
	if err != nil {
		t.Fatalf("/healthz while the disk is full: %v", err)
	}
	t.Logf("/healthz answered %d %v %s after the disk filled", code, body, time.Since(full).Round(time.Millisecond))

	// No crash: the process goes on answering (503) while the disk is full.
	time.Sleep(3 * time.Second)
	if p.Exited() {
		t.Fatalf("the process exited with code %d when the disk filled", p.ExitCode())
	}
	if code, _ := p.Health(ctx); code != 503 {
		t.Errorf("/healthz answered %d 3 s into the full disk, want 503", code)
	}
	checkStoreRetry(t, p.Logs())
	var storeLines []string
	for _, l := range p.Logs() {
		if l["level"] != "ERROR" && l["level"] != "WARN" {
			continue
		}
		line := strings.ToLower(l["msg"].(string) + " " + str(l["error"]))
		if strings.Contains(line, "database") || strings.Contains(line, "store") || strings.Contains(line, "disk") {
			storeLines = append(storeLines, l["msg"].(string))
		}
	}
	if len(storeLines) == 0 {
		t.Errorf("no warning or error in the log names the database while it cannot be written; logs:\n%s", p.Stderr())
	} else {
		t.Logf("log lines about the full disk: %q", uniq(storeLines))
	}

	// Space returns.
	if err := p.SetFileSizeLimit(proctest.Unlimited); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	if _, _, err := p.WaitHealth(ctx, func(code int, _ map[string]any) bool { return code == 200 }); err != nil {
		t.Fatalf("/healthz after space returned: %v", err)
	}
	total := w.published()
	w.waitDelivered(ctx, t, total)
	t.Logf("every alert delivered %s after space returned", time.Since(freed).Round(time.Millisecond))
	time.Sleep(1500 * time.Millisecond)
	if took, code, err := p.Term(); err != nil || code != 0 {
		t.Errorf("SIGTERM: exit %d after %s: %v", code, took, err)
	}
	w.tally().check(t, total, 0)
}

// checkStoreRetry fails t when a poll that failed only because the database
// could not be written is retried later than a poll interval or so: the feed
// is not at fault, and a feed backoff (1 minute, doubling to hours) would
// leave items unseen long after space returns, and those that scroll off a
// busy feed meanwhile are never alerted.
func checkStoreRetry(t *testing.T, logs []map[string]any) {
	t.Helper()
	const interval = time.Second // poll.interval of the world's config
	seen := 0
	defer func() {
		if seen == 0 && !t.Failed() {
			t.Error("no log line of a poll whose items could not be recorded while the disk was full")
		}
	}()
	for _, l := range logs {
		if !strings.Contains(str(l["error"]), "record items") && !strings.Contains(str(l["error"]), "record state") {
			continue
		}
		if l["msg"] != "feed poll failed" && l["msg"] != "feed poll could not be recorded; retrying soon" {
			continue
		}
		seen++
		at, err1 := time.Parse(time.RFC3339Nano, str(l["time"]))
		next, err2 := time.Parse(time.RFC3339Nano, str(l["next"]))
		if err1 != nil || err2 != nil {
			t.Errorf("feed poll failed line without time and next: %v", l)
			continue
		}
		if wait := next.Sub(at); wait > 30*interval {
			t.Errorf("a poll that failed because the database could not be written is retried only after %s (failures %v), as if the feed had failed: %v",
				wait.Round(time.Second), l["failures"], str(l["error"]))
			return
		}
	}
}

// TestCorruptDatabase starts `run` on a database file that is not usable:
// it exits 1 at once with an error that names the file and says what to do.
func TestCorruptDatabase(t *testing.T) {
	t.Parallel()
	bin := proctest.Build(t)
	tests := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"text instead of a database", func(t *testing.T, path string) {
			writeFile(t, path, []byte(strings.Repeat("this is not a database\n", 400)))
		}},
		{"damaged header", func(t *testing.T, path string) {
			db := sqliteFile(t, path, `CREATE TABLE items (id INTEGER PRIMARY KEY)`)
			b, err := os.ReadFile(db)
			if err != nil {
				t.Fatal(err)
			}
			copy(b, "garbage garbage garbage garbage!")
			writeFile(t, path, b)
		}},
		{"another program's database", func(t *testing.T, path string) {
			sqliteFile(t, path, `CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)`)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			db := filepath.Join(dir, "data", "radar.db")
			if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
				t.Fatal(err)
			}
			tc.write(t, db)
			cfg := proctest.WriteConfig(t, dir, `
storage: {path: data/radar.db}
http: {listen: ""}
feeds: [{url: "http://127.0.0.1:1/feed.xml"}]
topics: [{id: chips, any: ["export control*"]}]
channels: [{console: true}]
`)
			p := proctest.Start(t, bin, dir, "run", "-config", cfg)
			code, err := p.Wait(15 * time.Second)
			if err != nil {
				t.Fatalf("run on a corrupt database did not exit: %v", err)
			}
			out := p.Stderr()
			if code != 1 {
				t.Errorf("exit code %d, want 1; stderr:\n%s", code, out)
			}
			if !strings.Contains(out, "data/radar.db") {
				t.Errorf("the error does not name the file data/radar.db:\n%s", out)
			}
			if !strings.Contains(out, "move it aside") {
				t.Errorf("the error does not say what to do (move it aside):\n%s", out)
			}
		})
	}
}

// sqliteFile makes an SQLite database at path holding schema and returns path.
func sqliteFile(t *testing.T, path, schema string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`PRAGMA journal_mode=DELETE`); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func uniq(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
