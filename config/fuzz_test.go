package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/config"
)

// FuzzParse checks that no input makes Parse panic, and that every problem
// it reports has a line and says what to write instead.
func FuzzParse(f *testing.F) {
	f.Add(config.DefaultYAML())
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "config", "*.yaml"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &x [*x]\nfeeds: *x\n"))
	f.Add([]byte("base: &b {url: https://e.org/f}\nfeeds:\n  - <<: *b\n    name: n\n"))
	getenv := env(map[string]string{"SET": "value"})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := config.Parse("fuzz.yaml", data, getenv)
		if err == nil {
			if c == nil || len(c.Feeds) == 0 || len(c.Topics) == 0 || len(c.Channels) == 0 {
				t.Fatalf("accepted an incomplete config: %+v", c)
			}
			return
		}
		var es config.Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error %T is not config.Errors: %v", err, err)
		}
		for _, e := range es {
			if e.File != "fuzz.yaml" || e.Line < 1 || !strings.Contains(e.Msg, " — ") {
				t.Fatalf("malformed problem %#v", e)
			}
		}
	})
}
