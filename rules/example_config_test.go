package rules_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/policyradar/policyradar/config"
)

// exampleFile is the documented copy of the built-in default.
var exampleFile = filepath.Join("..", "config.example.yaml")

// noEnv expands the secrets the example refers to as "".
func noEnv(string) string { return "" }

// configDiff lists how ex differs from def in what the precision figures
// depend on: the feeds (URL, name, interval, topic restriction, in order)
// and the topics (id, name, priority, colour, keywords, fields).
func configDiff(ex, def *config.Config) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	if len(ex.Feeds) != len(def.Feeds) {
		add("%d feeds, the default has %d", len(ex.Feeds), len(def.Feeds))
	}
	for i := range min(len(ex.Feeds), len(def.Feeds)) {
		e, d := ex.Feeds[i], def.Feeds[i]
		switch {
		case e.URL != d.URL:
			add("feed %d: url %q, the default has %q", i, e.URL, d.URL)
		case e.Name != d.Name:
			add("feed %s: name %q, the default has %q", d.URL, e.Name, d.Name)
		case e.Interval != d.Interval:
			add("feed %s: interval %v, the default has %v", d.URL, e.Interval, d.Interval)
		case !slices.Equal(e.Topics, d.Topics):
			add("feed %s: topics %q, the default has %q", d.URL, e.Topics, d.Topics)
		}
	}
	if len(ex.Topics) != len(def.Topics) {
		add("%d topics, the default has %d", len(ex.Topics), len(def.Topics))
	}
	for i := range min(len(ex.Topics), len(def.Topics)) {
		e, d := ex.Topics[i], def.Topics[i]
		if e.ID != d.ID {
			add("topic %d: id %q, the default has %q", i, e.ID, d.ID)
			continue
		}
		for _, l := range []struct {
			name     string
			got, def []string
		}{{"any", e.Any, d.Any}, {"all", e.All, d.All}, {"none", e.None, d.None}, {"in", e.In, d.In}} {
			if !slices.Equal(l.got, l.def) {
				add("topic %s: %s differs:\n  example: %q\n  default: %q", d.ID, l.name, l.got, l.def)
			}
		}
		if e.Name != d.Name || e.Priority != d.Priority || e.Color != d.Color {
			add("topic %s: name/priority/color %q/%q/%06x, the default has %q/%q/%06x",
				d.ID, e.Name, e.Priority, e.Color, d.Name, d.Priority, d.Color)
		}
	}
	return out
}

// TestExampleConfigMatchesDefault keeps config.example.yaml and the built-in
// default (config/default.yaml) in step, so the figures measured on the
// default hold for the documented file too.
func TestExampleConfigMatchesDefault(t *testing.T) {
	def, err := config.Default(noEnv)
	if err != nil {
		t.Fatalf("built-in default: %v", err)
	}
	ex, err := config.Load(exampleFile, noEnv)
	if err != nil {
		t.Fatalf("load %s: %v", exampleFile, err)
	}
	for _, d := range configDiff(ex, def) {
		t.Errorf("%s: %s", exampleFile, d)
	}
}

// TestConfigDiffSeesEdits proves the comparison can fail: copies of the
// example with one thing changed each differ from the default.
func TestConfigDiffSeesEdits(t *testing.T) {
	raw, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatalf("read %s: %v", exampleFile, err)
	}
	def, err := config.Default(noEnv)
	if err != nil {
		t.Fatalf("built-in default: %v", err)
	}
	kw := "      - " + def.Topics[0].Any[0] + "\n"
	tests := []struct {
		name     string
		old, new string
	}{
		{"keyword changed", kw, "      - zz" + kw[len("      - "):]},
		{"feed interval changed", "    interval: 30m\n", "    interval: 31m\n"},
		{"feed topics changed", "    topics: [export-controls, regulation]\n", "    topics: [export-controls]\n"},
		{"none keyword dropped", "      - mistral wind*\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !bytes.Contains(raw, []byte(tc.old)) {
				t.Fatalf("%q not in %s", tc.old, exampleFile)
			}
			edited := bytes.Replace(raw, []byte(tc.old), []byte(tc.new), 1)
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, edited, 0o600); err != nil {
				t.Fatal(err)
			}
			ex, err := config.Load(path, noEnv)
			if err != nil {
				t.Fatalf("load edited copy: %v", err)
			}
			if d := configDiff(ex, def); len(d) == 0 {
				t.Errorf("the edit went unnoticed")
			}
		})
	}
}
