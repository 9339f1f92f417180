#!/usr/bin/env bash
# Reruns every Policy Radar benchmark (docs/PERFORMANCE.md) and prints a
# summary. Everything runs against fake servers on 127.0.0.1.
#
#   scripts/bench.sh            # all of them, about 5 minutes on 2 cores
#   COUNT=5 scripts/bench.sh    # more runs of the Go micro-benchmarks
#
# Raw output is kept in $OUT (default: a new folder under /tmp).
set -euo pipefail

cd "$(dirname "$0")/.."
COUNT="${COUNT:-3}"
OUT="${OUT:-$(mktemp -d /tmp/policyradar-bench.XXXXXX)}"
mkdir -p "$OUT"

echo "Policy Radar benchmarks — $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(go version | cut -d' ' -f3)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw output: $OUT"
echo

echo "== 1. matching (rules) =="
go test ./rules -run '^$' -bench 'BenchmarkMatch$|BenchmarkDefaultTopics$' -benchmem -count "$COUNT" | tee "$OUT/rules.txt" |
	grep -E '^Benchmark' || true
echo
echo "median per case (cpu-ns/op and cpu-MB/s are CPU time per item, robust to a busy machine):"
awk '/^BenchmarkMatch/ {
		for (i = 3; i < NF; i++) { if ($(i+1) == "cpu-ns/op") ns[$1] = ns[$1] " " $i; if ($(i+1) == "cpu-MB/s") mbs[$1] = mbs[$1] " " $i }
	}
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)]
	}
	END {
		for (k in ns) printf "  %-45s %12.0f cpu-ns/item %10.2f cpu-MB/s\n", k, median(ns[k]), median(mbs[k])
		for (k in ns) if (k ~ /\/rules/) {
			b = k; sub(/\/rules/, "/baseline", b)
			if (b in ns) printf "  %-45s %12.0fx faster than the baseline\n", k, median(ns[b]) / median(ns[k])
		}
	}' "$OUT/rules.txt" | sort
echo

echo "== 2. polling in-process (allocations, 200 feeds) =="
go test ./bench -run '^$' -bench 'BenchmarkPollCycle' -benchmem -count 1 | tee "$OUT/pollcycle.txt" | grep -E '^Benchmark' || true
echo

echo "== 2-4. polling load, alert latency, footprint (real binary and real pipeline) =="
POLICYRADAR_BENCH=1 go test ./bench -run 'TestPollLoad|TestAlertLatency|TestFootprint' -count 1 -v -timeout 30m \
	>"$OUT/bench.txt" 2>&1 || { tail -40 "$OUT/bench.txt"; echo "benchmarks FAILED (see $OUT/bench.txt)"; exit 1; }
grep -oE 'RESULT .*' "$OUT/bench.txt" | sed 's/^RESULT /  /'
echo
echo "== 5. WebSub publish -> alert =="
go test . -run '^$' -bench 'BenchmarkWebSubPublishToAlert' -benchtime 500x -count 1 | tee "$OUT/websub.txt" | grep -E '^Benchmark' || true
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
