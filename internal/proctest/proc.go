package proctest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Options start a process with more control than Start.
type Options struct {
	Bin  string   // the binary (from Build)
	Dir  string   // working directory; output is also appended to Dir/stdout.log and Dir/stderr.log
	Args []string // arguments, e.g. "run", "-config", path
	// Env is added to the clean environment (PATH, HOME, POLICYRADAR_LOG=json)
	// as KEY=VALUE; a later key wins.
	Env []string
	// FileSizeLimit, when > 0, is the largest file the process may write, in
	// bytes (RLIMIT_FSIZE): a write beyond it fails with EFBIG, the way a
	// full disk fails it. Change it later with SetFileSizeLimit.
	FileSizeLimit int64
}

// Proc is one running (or exited) policyradar process.
type Proc struct {
	t    testing.TB
	cmd  *exec.Cmd
	Pid  int
	Addr string // host:port of http.listen; found from the start log when empty

	stdout, stderr *Buffer
	files          []*os.File

	done    chan struct{} // closed once the process has exited and its output is read
	waitErr error

	rssMu   sync.Mutex
	peakRSS int64 // bytes, the max sampled VmRSS/VmHWM
	stopRSS context.CancelFunc
	rssDone chan struct{}
}

// Start runs bin with args in dir under a clean environment with JSON logs.
// The process is killed (SIGKILL) at the end of the test if still running.
func Start(t testing.TB, bin, dir string, args ...string) *Proc {
	t.Helper()
	return StartWith(t, Options{Bin: bin, Dir: dir, Args: args})
}

// StartWith is Start with Options.
func StartWith(t testing.TB, o Options) *Proc {
	t.Helper()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "POLICYRADAR_LOG=json"}
	env = append(env, o.Env...)
	p := &Proc{t: t, stdout: &Buffer{}, stderr: &Buffer{}, done: make(chan struct{}), rssDone: make(chan struct{})}
	cmd := exec.Command(o.Bin, o.Args...)
	cmd.Dir = o.Dir
	cmd.Env = env
	stdout, stderr := io.Writer(p.stdout), io.Writer(p.stderr)
	for name, w := range map[string]*io.Writer{"stdout.log": &stdout, "stderr.log": &stderr} {
		f, err := os.OpenFile(filepath.Join(o.Dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		fmt.Fprintf(f, "=== %s %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(o.Args, " "))
		p.files = append(p.files, f)
		*w = io.MultiWriter(*w, f)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		p.closeFiles()
		t.Fatalf("start %s: %v", o.Bin, err)
	}
	p.cmd, p.Pid = cmd, cmd.Process.Pid
	if o.FileSizeLimit > 0 {
		if err := p.SetFileSizeLimit(o.FileSizeLimit); err != nil {
			_ = cmd.Process.Kill()
			t.Fatalf("limit file size: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.stopRSS = cancel
	go p.sampleRSS(ctx)
	go func() {
		p.waitErr = cmd.Wait()
		cancel()
		<-p.rssDone
		p.closeFiles()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
		}
		<-p.done
		if t.Failed() {
			t.Logf("pid %d %s: last stderr lines:\n%s", p.Pid, strings.Join(o.Args, " "), tail(p.stderr.String(), 30))
		}
	})
	return p
}

func (p *Proc) closeFiles() {
	for _, f := range p.files {
		_ = f.Close()
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Kill sends SIGKILL and waits for the process to be gone.
func (p *Proc) Kill() {
	if !p.Exited() {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// Signal sends sig without waiting.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Term sends SIGTERM and waits up to 15 s for the exit. It returns how long
// the exit took and the exit code; on timeout it kills the process and
// returns an error.
func (p *Proc) Term() (exitAfter time.Duration, code int, err error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !p.Exited() {
		return 0, -1, fmt.Errorf("send SIGTERM: %w", err)
	}
	code, err = p.Wait(15 * time.Second)
	return time.Since(start), code, err
}

// ErrTimeout is returned by Wait when the process is still running.
var ErrTimeout = errors.New("process still running")

// Wait waits up to timeout for the exit and returns the exit code (-1 when
// killed by a signal). On timeout the process is killed and ErrTimeout
// returned.
func (p *Proc) Wait(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		p.Kill()
		return -1, fmt.Errorf("pid %d after %s: %w", p.Pid, timeout, ErrTimeout)
	}
	return p.ExitCode(), nil
}

// ExitCode is the exit code once exited (-1 when killed by a signal or still running).
func (p *Proc) ExitCode() int {
	if !p.Exited() {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// Stdout is everything written to standard output so far.
func (p *Proc) Stdout() string { return p.stdout.String() }

// Stderr is everything written to standard error so far (the logs).
func (p *Proc) Stderr() string { return p.stderr.String() }

// Logs parses each JSON line of standard error; other lines are skipped.
func (p *Proc) Logs() []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(p.stderr.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var m map[string]any
		if json.Unmarshal(line, &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// WaitLog waits for a log line that match accepts and returns it. It fails
// when ctx ends or when the process exits without such a line.
func (p *Proc) WaitLog(ctx context.Context, match func(map[string]any) bool) (map[string]any, error) {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		exited := p.Exited() // read before the logs: an exit has flushed them
		for _, l := range p.Logs() {
			if match(l) {
				return l, nil
			}
		}
		if exited {
			return nil, fmt.Errorf("pid %d exited (code %d) without the awaited log line", p.Pid, p.ExitCode())
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for a log line of pid %d: %w", p.Pid, ctx.Err())
		case <-tick.C:
		}
	}
}

// Msg matches log lines whose msg is msg.
func Msg(msg string) func(map[string]any) bool {
	return func(l map[string]any) bool { return l["msg"] == msg }
}

// MsgContains matches log lines whose msg contains s.
func MsgContains(s string) func(map[string]any) bool {
	return func(l map[string]any) bool {
		m, _ := l["msg"].(string)
		return strings.Contains(m, s)
	}
}

// Buffer is a bytes.Buffer safe for one writer and many readers.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
