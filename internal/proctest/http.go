package proctest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ListenHost is the loopback address FreeAddr hands out. The fakes
// (httptest) all bind 127.0.0.1 and come and go by the dozen in parallel
// tests; on 127.0.0.2 none of them can take a port between FreeAddr and the
// process binding it, or between a kill and the restart on the same port.
const ListenHost = "127.0.0.2"

// FreeAddr returns a ListenHost:port that was free a moment ago, for http.listen.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", ListenHost+":0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// addr is the HTTP address: Addr, else the "http" attribute of the start log.
func (p *Proc) addr() string {
	if p.Addr != "" {
		return p.Addr
	}
	for _, l := range p.Logs() {
		if a, ok := l["http"].(string); ok && a != "" && l["msg"] == "policyradar starting" {
			return a
		}
	}
	return ""
}

var client = &http.Client{Timeout: 5 * time.Second}

// Get fetches http://ADDR/path of the process. It returns the status and body.
func (p *Proc) Get(ctx context.Context, path string) (int, []byte, error) {
	addr := p.addr()
	if addr == "" {
		return 0, nil, fmt.Errorf("pid %d has no known HTTP address: set Proc.Addr or http.listen", p.Pid)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, body, err
}

// Health is GET /healthz: the status code (0 when unreachable) and the JSON body.
func (p *Proc) Health(ctx context.Context) (int, map[string]any) {
	code, body, err := p.Get(ctx, "/healthz")
	if err != nil {
		return 0, nil
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return code, m
}

// WaitHealth polls /healthz until want accepts the answer or ctx ends.
func (p *Proc) WaitHealth(ctx context.Context, want func(code int, body map[string]any) bool) (int, map[string]any, error) {
	// Another test's process may hold the port this one was given (FreeAddr
	// cannot reserve it): only its own "listening" line proves the answers
	// will come from this process.
	if _, err := p.WaitLog(ctx, Msg("http server listening")); err != nil {
		return 0, nil, fmt.Errorf("pid %d is not listening: %w", p.Pid, err)
	}
	for {
		code, body := p.Health(ctx)
		if want(code, body) {
			return code, body, nil
		}
		if p.Exited() {
			return code, body, fmt.Errorf("pid %d exited (code %d) before /healthz answered as wanted", p.Pid, p.ExitCode())
		}
		select {
		case <-ctx.Done():
			return code, body, fmt.Errorf("waiting for /healthz of pid %d (last %d %v): %w", p.Pid, code, body, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Metrics reads /metrics: each series ("name" or `name{labels}`) and its value.
func (p *Proc) Metrics(ctx context.Context) (map[string]float64, error) {
	code, body, err := p.Get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: status %d", code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		out[line[:i]] = v
	}
	return out, sc.Err()
}

// Metric is one value of /metrics: a series given in full
// (`policyradar_alerts_total{platform="slack",result="ok"}`) or, for a bare
// name, the sum over all its label sets. It is NaN (and t gets an error)
// when /metrics cannot be read, and NaN when no such series exists.
func (p *Proc) Metric(name string) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ms, err := p.Metrics(ctx)
	if err != nil {
		p.t.Errorf("read /metrics of pid %d: %v", p.Pid, err)
		return math.NaN()
	}
	if v, ok := ms[name]; ok {
		return v
	}
	sum, found := 0.0, false
	for series, v := range ms {
		if strings.HasPrefix(series, name+"{") {
			sum += v
			found = true
		}
	}
	if !found {
		return math.NaN()
	}
	return sum
}
