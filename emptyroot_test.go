//go:build linux

package main

// Our CI has no Docker engine, so these tests stand in for the image: they
// build the binary with the Dockerfile's own command and run it in an empty
// root, as the image's user, the way the image runs it. If the binary needed
// anything from the OS (a libc, /etc files, zoneinfo, a writable /) it would
// fail here.

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/policyradar/policyradar/internal/realfeeds"
)

const (
	// dockerBuild is the build step of the Dockerfile, byte for byte.
	dockerBuild = `CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/policyradar .`
	// imageUID is distroless's nonroot user, the image's USER.
	imageUID = 65532
	// testVersion is stamped into the binary under test.
	testVersion = "v0.0.0-emptyroot"
)

// TestDockerfile keeps the Dockerfile and this file's chroot in step: the
// same build command, user, working directory, volume and entry point.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(data)
	for _, want := range []string{
		dockerBuild,
		"FROM gcr.io/distroless/static-debian12:nonroot",
		fmt.Sprintf("USER %d:%d", imageUID, imageUID),
		fmt.Sprintf("--chown=%d:%d /out/data/ /data/", imageUID, imageUID),
		"WORKDIR /\n",
		"VOLUME /data\n",
		"EXPOSE 8080\n",
		`CMD ["/policyradar", "healthcheck"]`,
		`ENTRYPOINT ["/policyradar"]`,
		`CMD ["run"]`,
	} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q; keep emptyroot_test.go in step with it", want)
		}
	}
}

func TestEmptyRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the release binary and runs it in a chroot")
	}
	if os.Geteuid() != 0 {
		t.Skip("skipped: chroot into an empty root needs root; run `go test -run TestEmptyRoot .` as root (CI does) to prove the binary needs nothing from the OS")
	}
	bin := buildLikeDockerfile(t)
	t.Run("static and built as the Dockerfile says", func(t *testing.T) { checkRelease(t, bin) })

	t.Run("version", func(t *testing.T) {
		root := newRoot(t, bin, nil)
		out := mustRun(t, root, "version")
		if want := "policyradar " + testVersion + "\n"; out != want {
			t.Errorf("version printed %q, want %q", out, want)
		}
	})

	t.Run("check the built-in default", func(t *testing.T) {
		root := newRoot(t, bin, nil)
		out := mustRun(t, root, "check")
		if !strings.HasPrefix(out, "built-in default config: OK") {
			t.Errorf("check printed %q, want the built-in default to be OK", out)
		}
	})

	t.Run("explain headlines with the built-in default", func(t *testing.T) {
		root := newRoot(t, bin, map[string]string{"feed.xml": rssFeed(time.Time{}, headlines)})
		got := map[string][]string{}
		for _, x := range decodeExplained(t, mustRun(t, root, "explain", "-json", "/feed.xml")) {
			got[x.Title] = x.Topics
		}
		for _, h := range headlines {
			if topics, ok := got[h.title]; !ok {
				t.Errorf("%q: not in the output", h.title)
			} else if !reflect.DeepEqual(topics, h.topics) {
				t.Errorf("%q: topics %q, want %q", h.title, topics, h.topics)
			}
		}
	})

	t.Run("explain a real feed as the host build does", func(t *testing.T) { explainRealFeed(t, bin) })

	t.Run("config in /etc/policyradar", func(t *testing.T) {
		root := newRoot(t, bin, map[string]string{"etc/policyradar/config.yaml": smallConfig("http://127.0.0.1:1/feed.xml", "")})
		out := mustRun(t, root, "check")
		if !strings.HasPrefix(out, "/etc/policyradar/config.yaml: OK") {
			t.Errorf("check printed %q, want /etc/policyradar/config.yaml to be used", out)
		}
	})

	t.Run("once, run, healthcheck and SIGTERM with only /data writable", func(t *testing.T) { serveInRoot(t, bin) })
}

// buildLikeDockerfile runs the Dockerfile's build step, stamping testVersion.
func buildLikeDockerfile(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out := filepath.Join(t.TempDir(), "policyradar")
	// words: CGO_ENABLED=0 go build -trimpath -ldflags "…" -o /out/policyradar .
	words := shellWords(dockerBuild)
	args := words[2:]
	for i, a := range args {
		a = strings.ReplaceAll(a, "${VERSION}", testVersion)
		args[i] = strings.ReplaceAll(a, "/out/policyradar", out)
	}
	cmd := exec.Command(goBin, args...)
	cmd.Env = append(os.Environ(), words[0], "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, b)
	}
	return out
}

// shellWords splits a command line on spaces outside double quotes.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, w.String())
				w.Reset()
			}
			inWord = false
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// checkRelease proves the binary is static and stripped, and that Go
// recorded the Dockerfile's build settings in it.
func checkRelease(t *testing.T, bin string) {
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("program header %v: the binary is dynamically linked", p.Type)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("needs shared libraries %q (%v)", libs, err)
	}
	if f.Section(".symtab") != nil {
		t.Error("has a symbol table: -ldflags -s was not applied")
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	// Go leaves -ldflags out of the record under -trimpath (it may hold
	// paths); the version subtest and the missing .symtab stand for it.
	for key, want := range map[string]string{
		"CGO_ENABLED": "0",
		"-trimpath":   "true",
	} {
		if settings[key] != want {
			t.Errorf("build setting %s = %q, want %q", key, settings[key], want)
		}
	}
}

// newRoot makes an empty root holding the binary as /policyradar, a /data
// folder owned by the image's user, and files (path relative to /: content).
// Only /data is writable by that user, as in the image run read-only.
func newRoot(t *testing.T, bin string, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(root, "policyradar")
	if err := os.Link(bin, dst); err != nil {
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, imageUID, imageUID); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// command runs /policyradar in root as the image does: working directory /,
// the image's user, no environment but the compose file's POLICYRADAR_LOG.
func command(ctx context.Context, root string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/policyradar", args...)
	cmd.Dir = "/"
	cmd.Env = []string{"POLICYRADAR_LOG=json"}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: imageUID, Gid: imageUID},
		Pdeathsig:  syscall.SIGKILL,
	}
	return cmd
}

// runIn returns the stdout, stderr and exit code of one command in root.
func runIn(t *testing.T, root string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := command(ctx, root, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatalf("policyradar %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), code
}

func mustRun(t *testing.T, root string, args ...string) string {
	t.Helper()
	out, errs, code := runIn(t, root, args...)
	if code != 0 {
		t.Fatalf("policyradar %s: exit code %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func decodeExplained(t *testing.T, out string) []explained {
	t.Helper()
	var xs []explained
	for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var x explained
		if err := json.Unmarshal([]byte(line), &x); err != nil {
			t.Fatalf("line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		xs = append(xs, x)
	}
	return xs
}

// explainRealFeed compares the chrooted binary with this package's own code
// run on the host, item by item, on a real feed.
func explainRealFeed(t *testing.T, bin string) {
	const name = "openai-news.xml"
	data := realfeeds.Read(t, name)
	root := newRoot(t, bin, map[string]string{name: string(data)})
	got := decodeExplained(t, mustRun(t, root, "explain", "-json", "/"+name))

	var host, hostErr bytes.Buffer
	// The built-in default is config/default.yaml; naming it keeps a
	// developer's own ./config.yaml out of the comparison.
	args := []string{"explain", "-config", filepath.Join("config", "default.yaml"), "-json", filepath.Join(root, name)}
	if code := run(context.Background(), args, &host, &hostErr,
		func(string) string { return "" }); code != 0 {
		t.Fatalf("explain on the host: exit code %d: %s", code, hostErr.String())
	}
	want := decodeExplained(t, host.String())
	if len(got) != len(want) || len(got) < 100 {
		t.Fatalf("%d items in the empty root, %d on the host; want the same, and at least 100", len(got), len(want))
	}
	matched := 0
	for i := range got {
		g, w := got[i], want[i]
		g.Link, w.Link = "", "" // a relative link resolves against the file's own path
		if !reflect.DeepEqual(g, w) {
			t.Errorf("item %d differs\nempty root: %+v\nhost:       %+v", i, g, w)
		}
		if len(g.Topics) > 0 {
			matched++
		}
	}
	if matched == 0 {
		t.Error("no item of a lab's news feed matched a topic")
	}
}

// serveInRoot runs the image's commands against a feed served on loopback:
// `once` delivers to the console and creates the database in /data, `run`
// serves /healthz until `healthcheck` (the image's HEALTHCHECK) passes, and
// SIGTERM stops it cleanly within the compose file's stop_grace_period.
func serveInRoot(t *testing.T, bin string) {
	feed := rssFeed(time.Now().Add(-time.Hour), headlines)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, feed)
	}))
	defer srv.Close()
	listen := freeLoopbackAddr(t)
	root := newRoot(t, bin, map[string]string{"config.yaml": smallConfig(srv.URL+"/feed.xml", listen)})

	out := mustRun(t, root, "once")
	if !strings.Contains(out, "Commerce tightens export controls on AI chips to China") {
		t.Errorf("once printed no alert for the export-controls headline:\n%s", out)
	}
	db, err := os.Stat(filepath.Join(root, "data", "policyradar.db"))
	if err != nil {
		t.Fatalf("once made no database in /data: %v", err)
	}
	if st := db.Sys().(*syscall.Stat_t); st.Uid != imageUID {
		t.Errorf("database owned by uid %d, want %d", st.Uid, imageUID)
	}

	if _, _, code := runIn(t, root, "healthcheck"); code != exitError {
		t.Fatalf("healthcheck with nothing running: exit code %d, want %d", code, exitError)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	cmd := command(ctx, root, "run")
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	healthy := ""
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		out, _, code := runIn(t, root, "healthcheck")
		if code == 0 {
			healthy = out
			break
		}
		select {
		case err := <-done:
			t.Fatalf("run exited before it was healthy: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if !strings.Contains(healthy, `"status":"ok"`) {
		cancel()
		<-done
		t.Fatalf("healthcheck never passed; run logged:\n%s", logs.String())
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		cancel()
		<-done
		t.Fatalf("run did not stop within the 15s stop_grace_period of SIGTERM")
	}
	if !strings.Contains(logs.String(), `"msg":"policyradar starting"`) {
		t.Errorf("run logged no JSON start line:\n%s", logs.String())
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func smallConfig(feedURL, listen string) string {
	return fmt.Sprintf(`storage:
  path: data/policyradar.db
http:
  listen: %q
poll:
  interval: 1h
  backfill: 10
feeds:
  - url: %s
    name: Loopback feed
topics:
  - id: export-controls
    any: [export controls, Entity List]
channels:
  - console: true
`, listen, feedURL)
}

type headline struct {
	title  string
	topics []string
}

// headlines the built-in default topics must sort, the confusions included.
var headlines = []headline{
	{"Commerce tightens export controls on AI chips to China", []string{"export-controls"}},
	{"Meta releases Llama 4 open-weight models", []string{"model-releases"}},
	{"Llamas at the county fair win prizes", []string{}},
	{"EU publishes general-purpose AI code of practice under the AI Act", []string{"regulation"}},
	{"Researchers find jailbreaks let chatbots give bioweapons advice", []string{"misuse"}},
}

// rssFeed writes a small RSS 2.0 feed; a zero published leaves items undated.
func rssFeed(published time.Time, hs []headline) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Loopback</title><link>https://example.org/</link><description>test</description>
`)
	for i, h := range hs {
		date := ""
		if !published.IsZero() {
			date = "<pubDate>" + published.Add(-time.Duration(i)*time.Minute).UTC().Format(time.RFC1123Z) + "</pubDate>"
		}
		fmt.Fprintf(&b, "<item><title>%s</title><link>https://example.org/%d</link><guid>item-%d</guid>%s</item>\n", h.title, i, i, date)
	}
	b.WriteString("</channel></rss>\n")
	return b.String()
}
