package bench_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/config"
)

// defaultTopicsYAML is the topics section of the built-in default config,
// so the benchmarks match with the vocabulary users get.
func defaultTopicsYAML(tb testing.TB) string {
	tb.Helper()
	y := string(config.DefaultYAML())
	start := strings.Index(y, "\ntopics:\n")
	end := strings.Index(y, "\nchannels:")
	if start < 0 || end < start {
		tb.Fatal("default config has no topics section before its channels")
	}
	return y[start+1 : end+1]
}

// writeConfig writes yaml to dir/config.yaml after checking that it is a
// valid config whose every feed is on the local server (nothing here may
// reach another address).
func writeConfig(tb testing.TB, dir, yaml, localPrefix string) (string, *config.Config) {
	tb.Helper()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) string { return "" })
	if err != nil {
		tb.Fatalf("generated config is invalid: %v", err)
	}
	for _, f := range cfg.Feeds {
		if !strings.HasPrefix(f.URL, localPrefix) {
			tb.Fatalf("feed %s is not on the local server %s", f.URL, localPrefix)
		}
	}
	return path, cfg
}

// freeAddr returns a free 127.0.0.1 port for http.listen.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// metrics reads the samples of a Prometheus text page whose names start
// with prefix, keyed by name and labels as written.
func metrics(addr, prefix string) (map[string]float64, error) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			return nil, fmt.Errorf("metric line %q: %w", line, err)
		}
		out[line[:i]] = v
	}
	return out, nil
}

// waitFor polls cond every 20 ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
