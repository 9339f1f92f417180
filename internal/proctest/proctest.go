// Package proctest runs the real policyradar binary as a separate process in
// tests: it builds the binary once per test process, starts it in a working
// directory with a clean environment and JSON logs, captures its output,
// signals it (SIGKILL, SIGTERM), limits the size of the files it may write,
// samples its memory, and reads its /healthz and /metrics.
//
// It owns nothing of the product: crash, fault and security tests use it to
// prove the promises of SPEC.md from the outside, the way an operator sees
// the program.
//
// Example:
//
//	func TestRestart(t *testing.T) {
//		bin := proctest.Build(t)
//		dir := t.TempDir()
//		addr := proctest.FreeAddr(t)
//		cfg := proctest.WriteConfig(t, dir, fmt.Sprintf(`
//	storage: {path: radar.db}
//	http: {listen: %q}
//	feeds: [{url: %q}]
//	topics: [{id: chips, any: ["export control*"]}]
//	channels: [{console: true}]
//	`, addr, feedURL))
//		p := proctest.Start(t, bin, dir, "run", "-config", cfg)
//		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
//		defer cancel()
//		if _, err := p.WaitLog(ctx, proctest.Msg("policyradar starting")); err != nil {
//			t.Fatal(err)
//		}
//		code, health := p.Health(ctx)
//		...
//		took, exit, err := p.Term()
//	}
//
// Set POLICYRADAR_BIN to test an already built binary instead of building one.
// A package that builds should remove the binary when its tests end:
//
//	func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }
package proctest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// build is the one binary of this test process: building takes seconds,
// every test shares the result.
var build struct {
	once sync.Once
	path string
	dir  string // the temporary folder of a binary built here
	err  error
}

// Main runs the tests of m and then removes the binary Build made, if any.
// Use it from TestMain; it returns the exit code for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	if build.dir != "" {
		_ = os.RemoveAll(build.dir)
	}
	return code
}

// Build compiles the policyradar binary once per test process (or takes
// $POLICYRADAR_BIN) and returns its path. It fails t if the build fails.
// The binary is built without -race: it is a separate process, and speed
// matters more there than in the test itself.
func Build(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		if p := os.Getenv("POLICYRADAR_BIN"); p != "" {
			build.path, build.err = filepath.Abs(p)
			return
		}
		build.path, build.dir, build.err = compile()
	})
	if build.err != nil {
		t.Fatalf("build policyradar: %v", build.err)
	}
	return build.path
}

func compile() (bin, dir string, err error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", "", err
	}
	dir, err = os.MkdirTemp("", "policyradar-proctest-")
	if err != nil {
		return "", "", fmt.Errorf("temp dir: %w", err)
	}
	bin = filepath.Join(dir, "policyradar")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			return "", dir, fmt.Errorf("find the go command: %w", err)
		}
	}
	cmd := exec.Command(goBin, "build", "-o", bin, ".")
	cmd.Dir = root
	// CGO off: the product is a static binary; a test run under -race
	// sets CGO_ENABLED=1 only for itself.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", dir, fmt.Errorf("go build in %s: %w\n%s", root, err, out)
	}
	return bin, dir, nil
}

// ModuleRoot is the folder of policyradar's go.mod, found from this source
// file's location.
func ModuleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", fmt.Errorf("cannot locate the proctest source file")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("no go.mod at %s: %w", root, err)
	}
	return filepath.Clean(root), nil
}

// WriteConfig writes yaml to dir/config.yaml and returns its path.
func WriteConfig(t testing.TB, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(strings.TrimLeft(yaml, "\n")), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return path
}
