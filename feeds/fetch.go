package feeds

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// acceptFeeds prefers the feed formats we parse but takes anything, since
// many servers label feeds text/xml or text/html.
const acceptFeeds = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// NewTransport returns the transport a Fetcher uses when given no client:
// bounded dial, TLS and idle times and a few connections per host. Feeds
// are polled at most twice at once per host, so more would only idle.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   2,
		MaxConnsPerHost:       4,
		IdleConnTimeout:       90 * time.Second,
		// Accept-Encoding is set and the body decompressed by the fetcher,
		// so the body limit counts decompressed bytes.
		DisableCompression: true,
	}
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w: more than %d redirects", ErrRedirect, MaxRedirects)
	}
	if s := req.URL.Scheme; s != "http" && s != "https" {
		return fmt.Errorf("%w: redirected to a %q URL, only http and https are followed", ErrRedirect, s)
	}
	return nil
}

func (f *Fetcher) fetch(ctx context.Context, req Request) (*Result, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("fetch %s: only http and https URLs can be fetched", req.URL)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()

	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	hr.Header.Set("User-Agent", f.ua)
	hr.Header.Set("Accept", acceptFeeds)
	hr.Header.Set("Accept-Encoding", "gzip")
	if req.ETag != "" {
		hr.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hr.Header.Set("If-Modified-Since", req.LastModified)
	}

	resp, err := f.client.Do(hr)
	if err != nil {
		return nil, f.transportError(ctx, req.URL, err)
	}
	defer resp.Body.Close()
	now := time.Now()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		f.log.Debug("feed not modified", slog.String("feed", req.URL))
		return &Result{
			NotModified:  true,
			ETag:         firstNonEmpty(resp.Header.Get("ETag"), req.ETag),
			LastModified: firstNonEmpty(resp.Header.Get("Last-Modified"), req.LastModified),
			FetchedAt:    now,
		}, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// A little of the body is drained so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		he := &HTTPError{URL: req.URL, Status: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			he.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), now)
		}
		return nil, he
	}

	data, err := f.readBody(resp)
	if err != nil {
		if ctx.Err() != nil {
			return nil, f.transportError(ctx, req.URL, err)
		}
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	doc, err := parseDocument(data, resp.Header.Get("Content-Type"), req.URL, now)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", req.URL, err)
	}
	res := &Result{
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Title:        doc.title,
		Items:        doc.items,
		Hub:          doc.hub,
		Self:         doc.self,
		FetchedAt:    now,
	}
	// Link headers speak for the server and win over the document.
	hub, self := linkHeader(resp.Header.Values("Link"))
	if hub != "" {
		res.Hub = NormalizeLink(hub, resp.Request.URL.String())
	}
	if self != "" {
		res.Self = NormalizeLink(self, resp.Request.URL.String())
	}
	return res, nil
}

// transportError turns a failed request into a sentence a user can act on.
func (f *Fetcher) transportError(ctx context.Context, rawURL string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("fetch %s: no complete answer within %s: %w", rawURL, f.timeout, err)
	}
	return fmt.Errorf("fetch %s: %w", rawURL, err)
}

// readBody reads the whole body, decompressing it first, and fails once
// more than maxBody decompressed bytes arrive: a gzip bomb stops there.
func (f *Fetcher) readBody(resp *http.Response) ([]byte, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("read gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported Content-Encoding %q", enc)
	}
	if resp.ContentLength > f.maxBody && r == resp.Body {
		return nil, fmt.Errorf("%w: %d bytes announced, the limit is %d (poll.max_body)", ErrTooLarge, resp.ContentLength, f.maxBody)
	}
	data, err := io.ReadAll(io.LimitReader(r, f.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(data)) > f.maxBody {
		return nil, fmt.Errorf("%w: more than %d bytes after decompression (poll.max_body)", ErrTooLarge, f.maxBody)
	}
	return data, nil
}

// parseRetryAfter reads delay-seconds or an HTTP-date; anything else is 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxBackoff/time.Second) {
			n = int64(maxBackoff / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d.Round(time.Second), maxBackoff)
		}
	}
	return 0
}

// linkHeader finds rel=hub and rel=self in RFC 8288 Link header values.
func linkHeader(values []string) (hub, self string) {
	for _, v := range values {
		for v != "" {
			start := strings.IndexByte(v, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(v[start:], '>')
			if end < 0 {
				break
			}
			target := strings.TrimSpace(v[start+1 : start+end])
			rest := v[start+end+1:]
			params := rest
			if next := strings.IndexByte(rest, '<'); next >= 0 {
				params, rest = rest[:next], rest[next:]
			} else {
				rest = ""
			}
			for _, p := range strings.Split(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.ToLower(strings.Trim(strings.TrimSpace(strings.TrimRight(val, ", ")), `"`))) {
					switch {
					case rel == "hub" && hub == "":
						hub = target
					case rel == "self" && self == "":
						self = target
					}
				}
			}
			v = rest
		}
	}
	return hub, self
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
