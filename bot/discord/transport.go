package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policyradar/policyradar/alert"
)

// defaultRetryAfter is waited when a 429 names no delay at all.
const defaultRetryAfter = 5 * time.Second

// transport sits under every discordgo session of ours. It does three things
// discordgo cannot be told to do without mutating its package globals:
//
//   - it sends requests for discordgo's built-in API base (EndpointAPI, e.g.
//     https://discord.com/api/v9/) to the configured discord.api_url;
//   - it turns a 429 into an *alert.RateLimitedError returned by Client.Do,
//     so discordgo's own unbounded, context-blind retry loop is never entered
//     (it only loops on a 429 *response*);
//   - it keeps the X-RateLimit-* headers from discordgo (which would
//     otherwise time.Sleep before the next request, deaf to any context) and
//     records them in a pacer that waits under the caller's context instead.
type transport struct {
	base  http.RoundTripper
	from  *url.URL // discordgo's API base
	to    *url.URL // the configured API base, without trailing slash
	pacer *pacer
}

func newTransport(apiURL string, p *pacer) (*transport, error) {
	from, err := url.Parse(discordgo.EndpointAPI)
	if err != nil {
		return nil, fmt.Errorf("discordgo api endpoint: %w", err)
	}
	t := &transport{base: http.DefaultTransport, from: from, pacer: p}
	if apiURL != "" {
		to, err := url.Parse(strings.TrimRight(apiURL, "/"))
		if err != nil || (to.Scheme != "http" && to.Scheme != "https") || to.Host == "" {
			return nil, fmt.Errorf("discord api_url %q: want an http(s) URL such as https://discord.com/api/v10", apiURL)
		}
		t.to = to
	}
	return t, nil
}

// rewrite maps a URL under discordgo's API base to the configured base.
func (t *transport) rewrite(u *url.URL) (*url.URL, bool) {
	if t.to == nil || u.Scheme != t.from.Scheme || u.Host != t.from.Host || !strings.HasPrefix(u.Path, t.from.Path) {
		return nil, false
	}
	n := *t.to
	n.Path = t.to.Path + "/" + strings.TrimPrefix(u.Path, t.from.Path)
	n.RawPath = ""
	n.RawQuery = u.RawQuery
	return &n, true
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if u, ok := t.rewrite(req.URL); ok {
		req = req.Clone(req.Context())
		req.URL = u
		req.Host = u.Host
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if t.pacer != nil {
		t.pacer.observe(resp.Header)
	}
	for k := range resp.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-ratelimit-") {
			delete(resp.Header, k)
		}
	}
	if resp.StatusCode != http.StatusTooManyRequests {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	rl := rateLimit(resp.Header, body)
	if t.pacer != nil {
		t.pacer.hold(rl.RetryAfter)
	}
	return nil, rl
}

// rateLimit reads a 429: the larger of Retry-After, X-RateLimit-Reset-After
// and the body's retry_after; global from the body or X-RateLimit-Global.
func rateLimit(h http.Header, body []byte) *alert.RateLimitedError {
	var b struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
	}
	_ = json.Unmarshal(body, &b) // Cloudflare's 429 pages are HTML: the headers still count
	wait := max(seconds(h.Get("Retry-After")), seconds(h.Get("X-RateLimit-Reset-After")), seconds(strconv.FormatFloat(b.RetryAfter, 'f', -1, 64)))
	if wait <= 0 {
		wait = defaultRetryAfter
	}
	global := b.Global || strings.EqualFold(h.Get("X-RateLimit-Global"), "true") || strings.EqualFold(h.Get("X-RateLimit-Scope"), "global")
	msg := b.Message
	if msg == "" {
		msg = "429 Too Many Requests"
	}
	return &alert.RateLimitedError{RetryAfter: wait, Global: global, Err: fmt.Errorf("discord: %s", msg)}
}

// seconds parses a delay in (possibly fractional) seconds; bad or negative
// values count as none. Absurd values are capped at a day.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f <= 0 || math.IsNaN(f) {
		return 0
	}
	return time.Duration(math.Min(f, 86400) * float64(time.Second))
}

// pacer remembers when Discord said a bucket is empty and makes the next
// send wait until then, under the sender's context.
type pacer struct {
	mu        sync.Mutex
	notBefore time.Time
}

func (p *pacer) observe(h http.Header) {
	if h.Get("X-RateLimit-Remaining") != "0" {
		return
	}
	p.hold(seconds(h.Get("X-RateLimit-Reset-After")))
}

func (p *pacer) hold(d time.Duration) {
	if d <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := time.Now().Add(d); t.After(p.notBefore) {
		p.notBefore = t
	}
}

// wait blocks until the bucket has room again or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	d := time.Until(p.notBefore)
	p.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
