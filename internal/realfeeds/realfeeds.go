// Package realfeeds finds the real-world feed samples that tests read in
// place: $POLICYRADAR_REALFEEDS, else ../shared/testdata/realfeeds beside the
// module root. They are third parties' documents and are never copied into
// the repository, so every caller copes with their absence: tests skip with
// a message that says how to point at them, fuzz targets seed without them.
package realfeeds

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Dir returns the samples' folder, or an error saying where it looked.
func Dir() (string, error) {
	dir := os.Getenv("POLICYRADAR_REALFEEDS")
	if dir == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return "", fmt.Errorf("cannot locate the module root; set POLICYRADAR_REALFEEDS")
		}
		root := filepath.Join(filepath.Dir(file), "..", "..")
		dir = filepath.Join(root, "..", "shared", "testdata", "realfeeds")
	}
	dir = filepath.Clean(dir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return dir, fmt.Errorf("real feed samples not found at %s (set POLICYRADAR_REALFEEDS to their folder)", dir)
	}
	return dir, nil
}

// Names lists the feed documents in dir (file names, sorted).
func Names(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".xml", ".rss", ".atom", ".rdf", ".json":
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Require returns the folder and its feed files, or skips tb.
func Require(tb testing.TB) (dir string, names []string) {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Skip(err)
	}
	names, err = Names(dir)
	if err != nil {
		tb.Fatal(err)
	}
	if len(names) == 0 {
		tb.Skipf("no feed files in %s", dir)
	}
	return dir, names
}

// Read returns one sample's bytes, or skips tb when the samples are absent.
func Read(tb testing.TB, name string) []byte {
	tb.Helper()
	dir, err := Dir()
	if err != nil {
		tb.Skip(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		tb.Skipf("real feed %s: %v", name, err)
	}
	return data
}

// Seeds returns every sample's bytes for a fuzz corpus; nothing (and a log
// line) when they are absent, so the target still runs on its other seeds.
func Seeds(f *testing.F) [][]byte {
	f.Helper()
	dir, err := Dir()
	if err != nil {
		f.Logf("%v: seeding without them", err)
		return nil
	}
	names, err := Names(dir)
	if err != nil {
		f.Fatal(err)
	}
	out := make([][]byte, 0, len(names))
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}
