package proctest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// PeakRSS is the largest resident set of the process in bytes: the kernel's
// high-water mark (VmHWM) while it runs, the sampled maximum of VmRSS, and
// after the exit the rusage maximum.
func (p *Proc) PeakRSS() int64 {
	p.rssMu.Lock()
	peak := p.peakRSS
	p.rssMu.Unlock()
	if p.Exited() {
		if ru, ok := p.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			peak = max(peak, ru.Maxrss*1024) // Linux reports kilobytes
		}
		return peak
	}
	if hwm, err := procStatus(p.Pid, "VmHWM"); err == nil {
		peak = max(peak, hwm)
	}
	return peak
}

// RSS is the current resident set in bytes (0 once exited).
func (p *Proc) RSS() int64 {
	n, _ := procStatus(p.Pid, "VmRSS")
	return n
}

func (p *Proc) sampleRSS(ctx context.Context) {
	defer close(p.rssDone)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, key := range []string{"VmRSS", "VmHWM"} {
			if n, err := procStatus(p.Pid, key); err == nil {
				p.rssMu.Lock()
				p.peakRSS = max(p.peakRSS, n)
				p.rssMu.Unlock()
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// procStatus reads a "kB" line of /proc/PID/status, in bytes.
func procStatus(pid int, key string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parse %s %q: %w", key, v, err)
		}
		return n * 1024, nil
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// Unlimited lifts a file size limit.
const Unlimited int64 = -1

// SetFileSizeLimit sets the soft RLIMIT_FSIZE of the running process: a
// write that would grow a file beyond limit bytes fails with EFBIG (Go
// ignores the SIGXFSZ that comes with it), the way writes fail on a full
// disk. Unlimited lifts it: space has returned.
func (p *Proc) SetFileSizeLimit(limit int64) error {
	var old syscall.Rlimit
	if err := prlimit(p.Pid, syscall.RLIMIT_FSIZE, nil, &old); err != nil {
		return fmt.Errorf("read the file size limit of pid %d: %w", p.Pid, err)
	}
	lim := old
	lim.Cur = uint64(limit)
	if limit == Unlimited {
		lim.Cur = old.Max
	}
	if err := prlimit(p.Pid, syscall.RLIMIT_FSIZE, &lim, nil); err != nil {
		return fmt.Errorf("set the file size limit of pid %d: %w", p.Pid, err)
	}
	return nil
}

func prlimit(pid, resource int, newLimit, old *syscall.Rlimit) error {
	_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(resource),
		uintptr(unsafe.Pointer(newLimit)), uintptr(unsafe.Pointer(old)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
