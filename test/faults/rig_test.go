package faults_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policyradar/policyradar/internal/proctest"
)

// start runs `policyradar run` in a fresh folder with the config that
// yaml gives for a free http.listen address, and waits for /healthz. A port
// taken between choosing and binding it is retried with another.
func start(t *testing.T, yaml func(addr string) string) *proctest.Proc {
	t.Helper()
	bin := proctest.Build(t)
	for try := 1; ; try++ {
		dir := t.TempDir()
		addr := proctest.FreeAddr(t)
		cfg := proctest.WriteConfig(t, dir, yaml(addr))
		p := proctest.Start(t, bin, dir, "run", "-config", cfg)
		p.Addr = addr
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		_, _, err := p.WaitHealth(ctx, func(code int, _ map[string]any) bool { return code == http.StatusOK })
		cancel()
		if err == nil {
			return p
		}
		if try < 3 && strings.Contains(p.Stderr(), "address already in use") {
			continue
		}
		t.Fatalf("policyradar did not come up: %v\n%s", err, p.Stderr())
	}
}

// waitUntil polls cond every 20 ms until it holds or d passes.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// arrivals notes when a counter kept by a fake goes up, by polling it every
// 10 ms: the fakes count requests but do not time them. A time is at most
// 10 ms (plus scheduling) later than the request it stands for.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
}

func watch(t *testing.T, count func() int) *arrivals {
	a := &arrivals{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		seen := 0
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if n := count(); n > seen {
				now := time.Now()
				a.mu.Lock()
				for ; seen < n; seen++ {
					a.times = append(a.times, now)
				}
				a.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return a
}

func (a *arrivals) all() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.times...)
}

func (a *arrivals) n() int { return len(a.all()) }

// between counts arrivals in [from, to).
func (a *arrivals) between(from, to time.Time) int {
	n := 0
	for _, at := range a.all() {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// retryBound is the most attempts that alerts alerts may make in window
// under SPEC.md's backoff: the first retry after at least half of 1 s
// (jitter takes at most half of each wait), each next wait doubling, capped
// at 5 minutes. One extra attempt per alert covers a wait cut at the edges
// of the window. A busy loop makes hundreds.
func retryBound(window time.Duration, alerts int) int {
	n, spent, wait := 1, time.Duration(0), time.Second
	for {
		spent += wait / 2
		if spent > window {
			break
		}
		n++
		wait = min(2*wait, 5*time.Minute)
	}
	return alerts * (n + 1)
}

// exactlyOnce fails unless every title in want was delivered once.
func exactlyOnce(t *testing.T, where string, got, want []string) {
	t.Helper()
	for _, w := range want {
		n := 0
		for _, g := range got {
			if strings.Contains(g, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %q delivered %d times, want exactly once (got %q)", where, w, n, got)
		}
	}
}

// slashCommand POSTs a correctly signed Slack slash command to the
// process's /slack/commands and returns every text of the answer.
func slashCommand(t *testing.T, p *proctest.Proc, secret, text string) string {
	t.Helper()
	form := url.Values{"command": {"/radar"}, "text": {text}, "team_id": {"T1"}, "channel_id": {"C0123ABCD"},
		"user_id": {"U0TESTER"}, "response_url": {""}}
	body := form.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, err := http.NewRequest(http.MethodPost, "http://"+p.Addr+"/slack/commands", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("/slack/commands: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/slack/commands answered %d: %s", resp.StatusCode, raw)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("/slack/commands answer %q: %v", raw, err)
	}
	return strings.Join(texts(v), "\n")
}

func texts(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, y := range x {
			if s, ok := y.(string); ok && k == "text" {
				out = append(out, s)
			} else {
				out = append(out, texts(y)...)
			}
		}
	case []any:
		for _, y := range x {
			out = append(out, texts(y)...)
		}
	}
	return out
}

// logged reports whether a log line has msg containing msgPart and some
// attribute containing attrPart.
func logged(p *proctest.Proc, msgPart, attrPart string) bool {
	for _, l := range p.Logs() {
		m, _ := l["msg"].(string)
		if !strings.Contains(m, msgPart) {
			continue
		}
		for k, v := range l {
			if k != "msg" && strings.Contains(fmt.Sprint(v), attrPart) {
				return true
			}
		}
	}
	return false
}

// concurrently runs each named subtest in its own goroutine, at most limit
// at a time. Subtests that mostly wait on a separate process need no CPU,
// so they are not held to -parallel (the number of cores in CI).
func concurrently(t *testing.T, limit int, names []string, run func(t *testing.T, i int)) {
	t.Helper()
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(name, func(t *testing.T) { run(t, i) })
		}()
	}
	wg.Wait()
}

// watchRSS samples the process's resident set every 100 ms; the returned
// func describes its rises, for a report when the peak is too high.
func watchRSS(t *testing.T, p *proctest.Proc) func() string {
	var mu sync.Mutex
	var b strings.Builder
	began := time.Now()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var top int64
		for {
			select {
			case <-stop:
				return
			case <-p.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
			if r := p.RSS(); r > top+10<<20 {
				top = r
				mu.Lock()
				fmt.Fprintf(&b, "%s: %d MiB; ", time.Since(began).Round(100*time.Millisecond), r>>20)
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return b.String()
	}
}
