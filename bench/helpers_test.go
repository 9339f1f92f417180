// Package bench_test holds Policy Radar's whole-program benchmarks: polling
// load, alert latency and footprint. They run the real binary or the real
// pipeline against fake feed and Slack servers on 127.0.0.1 and log their
// figures as "RESULT name=value" lines, which scripts/bench.sh collects.
//
// The heavy cases run only with POLICYRADAR_BENCH=1, so `go test ./...`
// stays fast:
//
//	POLICYRADAR_BENCH=1 go test ./bench -run . -v -timeout 20m
package bench_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/internal/proctest"

	"github.com/policyradar/policyradar/internal/realfeeds"
)

// heavy reports whether the full-size benchmarks were asked for.
func heavy() bool { return os.Getenv("POLICYRADAR_BENCH") == "1" }

// needHeavy skips tb unless POLICYRADAR_BENCH=1.
func needHeavy(tb testing.TB) {
	tb.Helper()
	if !heavy() {
		tb.Skip("set POLICYRADAR_BENCH=1 to run this benchmark (see docs/PERFORMANCE.md)")
	}
	if runtime.GOOS != "linux" {
		tb.Skip("reads /proc: Linux only")
	}
}

// moduleRoot is the folder holding go.mod.
func moduleRoot(tb testing.TB) string {
	tb.Helper()
	root, err := proctest.ModuleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// realFeedsDir is the real feed samples' folder, "" when absent.
func realFeedsDir(testing.TB) string {
	dir, err := realfeeds.Dir()
	if err != nil {
		return ""
	}
	return dir
}

// buildBinary builds policyradar the way the Dockerfile does (static,
// -trimpath, stripped) into a temporary folder and returns its path.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "policyradar")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = moduleRoot(tb)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// result logs one figure in the form scripts/bench.sh collects.
func result(tb testing.TB, name string, format string, args ...any) {
	tb.Helper()
	tb.Logf("RESULT %s=%s", name, fmt.Sprintf(format, args...))
}

// mib formats bytes as MiB with one decimal.
func mib(b int64) string { return fmt.Sprintf("%.1f", float64(b)/(1<<20)) }

// ms formats a duration in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

// percentile returns the p-th percentile (0 < p <= 100) by nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(p/100*float64(len(s))+0.999999) - 1
	return s[max(0, min(rank, len(s)-1))]
}

// loadAverage is the first line of /proc/loadavg, to note how busy the machine was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
