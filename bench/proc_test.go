package bench_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// clockTick is USER_HZ, the unit of utime and stime in /proc/PID/stat; it
// is 100 on every Linux architecture Go supports.
const clockTick = 100

// proc is one run of the policyradar binary.
type proc struct {
	cmd     *exec.Cmd
	started time.Time
	dir     string
	done    chan struct{}
	err     error

	mu      sync.Mutex
	peakRSS int64 // latest VmHWM seen while running
}

// startProc runs bin with args in dir; standard output and the logs go to
// dir/stdout.log and dir/stderr.log. The process is killed when tb ends.
func startProc(tb testing.TB, bin, dir string, env []string, args ...string) *proc {
	tb.Helper()
	stdout, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		tb.Fatal(err)
	}
	stderr, err := os.Create(filepath.Join(dir, "stderr.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "POLICYRADAR_LOG=json"}, env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	p := &proc{cmd: cmd, dir: dir, done: make(chan struct{})}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	go p.watchPeak()
	go func() {
		p.err = cmd.Wait()
		stdout.Close()
		stderr.Close()
		close(p.done)
	}()
	tb.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
		if tb.Failed() {
			tb.Logf("stderr of pid %d:\n%s", cmd.Process.Pid, tail(p.logs(), 20))
		}
	})
	return p
}

func (p *proc) logs() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "stderr.log"))
	return string(b)
}

// wait waits up to timeout for the exit and returns the error of Wait.
func (p *proc) wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("pid %d still running after %s: killed", p.cmd.Process.Pid, timeout)
	}
}

// stop sends SIGTERM and waits for the exit.
func (p *proc) stop(tb testing.TB) {
	tb.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(15 * time.Second); err != nil {
		tb.Errorf("stop: %v", err)
	}
}

// watchPeak samples VmHWM every 5 ms until the exit. getrusage's ru_maxrss
// cannot serve: Go starts children with vfork, and Linux carries the
// parent's high-water mark across exec into the child's ru_maxrss.
func (p *proc) watchPeak() {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		if _, peak, err := p.memory(); err == nil && peak > 0 {
			p.mu.Lock()
			p.peakRSS = max(p.peakRSS, peak)
			p.mu.Unlock()
		}
		select {
		case <-p.done:
			return
		case <-t.C:
		}
	}
}

// usage is what an exited process used: CPU time from getrusage and the
// peak RSS (VmHWM) last sampled before the exit.
func (p *proc) usage() (cpu time.Duration, peakRSS int64) {
	p.mu.Lock()
	peakRSS = p.peakRSS
	p.mu.Unlock()
	if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return cpu, peakRSS
}

// memory reads VmRSS and VmHWM (the peak) of a running process.
func (p *proc) memory() (rss, peak int64, err error) {
	st, err := p.status()
	return st["VmRSS"], st["VmHWM"], err
}

// status reads the sizes in /proc/PID/status (VmRSS, RssAnon, RssFile, ...) in bytes.
func (p *proc) status() (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		f := strings.Fields(v)
		if !ok || len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err == nil {
			out[k] = n << 10
		}
	}
	return out, nil
}

// cpu reads the user+system CPU time of a running process from /proc/PID/stat.
func (p *proc) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields count from after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat %q", b)
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64) // field 14 of stat(5)
	st, _ := strconv.ParseInt(f[12], 10, 64) // field 15
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
