package rules_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/rules"
)

// The labelled headlines the default topics are measured against. Each line:
// label (topic ids, comma-separated, or "none"), split (tune or holdout),
// headline, where it was seen. Lines starting with # are comments.
var evalFile = filepath.Join("..", "testdata", "eval", "headlines.tsv")

const (
	minOverall  = 0.9 // precision and recall, micro-averaged, on each split
	minPerTopic = 0.8 // precision and recall of each topic on the whole set
	minRows     = 300
)

type evalRow struct {
	line     int
	labels   []string // topic ids; empty for "none"
	split    string
	headline string
}

// counts are true positives, false positives and false negatives.
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c counts) recall() float64    { return ratio(c.tp, c.tp+c.fn) }

func (c *counts) add(o counts) { c.tp += o.tp; c.fp += o.fp; c.fn += o.fn }

// ratio is n/d, and 1 when there is nothing to get wrong (d == 0).
func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

func loadEval(t testing.TB, known []string) []evalRow {
	t.Helper()
	f, err := os.Open(evalFile)
	if err != nil {
		t.Fatalf("open labelled headlines: %v", err)
	}
	defer f.Close()
	var rows []evalRow
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 {
			t.Fatalf("%s:%d: want 4 tab-separated columns (label, split, headline, seen), got %d", evalFile, n, len(cols))
		}
		r := evalRow{line: n, split: cols[1], headline: cols[2]}
		if r.split != "tune" && r.split != "holdout" {
			t.Fatalf("%s:%d: split %q: want tune or holdout", evalFile, n, r.split)
		}
		if strings.TrimSpace(r.headline) == "" || strings.TrimSpace(cols[3]) == "" {
			t.Fatalf("%s:%d: empty headline or source", evalFile, n)
		}
		if prev, dup := seen[r.headline]; dup {
			t.Fatalf("%s:%d: headline repeats line %d", evalFile, n, prev)
		}
		seen[r.headline] = n
		if cols[0] != "none" {
			for _, l := range strings.Split(cols[0], ",") {
				if !slices.Contains(known, l) {
					t.Fatalf("%s:%d: label %q is not a default topic %v", evalFile, n, l, known)
				}
				r.labels = append(r.labels, l)
			}
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read labelled headlines: %v", err)
	}
	return rows
}

func defaultSet(t testing.TB) (*rules.Set, []string) {
	t.Helper()
	cfg, err := config.Default(os.Getenv)
	if err != nil {
		t.Fatalf("default config: %v", err)
	}
	var topics []rules.Topic
	var ids []string
	for _, tp := range cfg.Topics {
		topics = append(topics, rules.Topic{ID: tp.ID, Any: tp.Any, All: tp.All, None: tp.None, In: tp.In})
		ids = append(ids, tp.ID)
	}
	set, err := rules.Compile(topics)
	if err != nil {
		t.Fatalf("compile default topics: %v", err)
	}
	return set, ids
}

// TestDefaultTopicsPrecision measures the built-in topics on real headlines:
// an item is a true positive for topic T when it is labelled T and matches T.
func TestDefaultTopicsPrecision(t *testing.T) {
	set, ids := defaultSet(t)
	rows := loadEval(t, ids)

	// The set itself must stay big and balanced enough to mean something.
	onTopic, holdout := 0, 0
	for _, r := range rows {
		if len(r.labels) > 0 {
			onTopic++
		}
		if r.split == "holdout" {
			holdout++
		}
	}
	if len(rows) < minRows {
		t.Errorf("labelled set has %d headlines, want at least %d", len(rows), minRows)
	}
	if share := ratio(onTopic, len(rows)); share < 0.35 || share > 0.65 {
		t.Errorf("%d of %d headlines are on-topic (%.2f), want about half", onTopic, len(rows), share)
	}
	if share := ratio(holdout, len(rows)); share < 0.25 || share > 0.45 {
		t.Errorf("%d of %d headlines are held out (%.2f), want about a third", holdout, len(rows), share)
	}

	splits := []string{"tune", "holdout", "all"}
	per := map[string]map[string]*counts{} // split -> topic -> counts
	for _, s := range splits {
		per[s] = map[string]*counts{}
		for _, id := range ids {
			per[s][id] = &counts{}
		}
	}
	var misses []string
	for _, r := range rows {
		matched := map[string][]string{}
		for _, m := range set.Match(alert.Item{Title: r.headline}) {
			matched[m.Topic] = m.Keywords
		}
		for _, id := range ids {
			want, got := slices.Contains(r.labels, id), matched[id] != nil
			var c counts
			switch {
			case want && got:
				c.tp = 1
			case got:
				c.fp = 1
				misses = append(misses, fmt.Sprintf("false %-15s %-7s line %d: %q matched %q", id, r.split, r.line, r.headline, matched[id]))
			case want:
				c.fn = 1
				misses = append(misses, fmt.Sprintf("missed %-14s %-7s line %d: %q", id, r.split, r.line, r.headline))
			}
			per[r.split][id].add(c)
			per["all"][id].add(c)
		}
	}

	overall := map[string]counts{}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-8s %-16s %4s %4s %4s %9s %7s\n", "split", "topic", "tp", "fp", "fn", "precision", "recall")
	for _, s := range splits {
		var sum counts
		for _, id := range ids {
			c := *per[s][id]
			sum.add(c)
			fmt.Fprintf(&b, "%-8s %-16s %4d %4d %4d %9.3f %7.3f\n", s, id, c.tp, c.fp, c.fn, c.precision(), c.recall())
		}
		overall[s] = sum
		fmt.Fprintf(&b, "%-8s %-16s %4d %4d %4d %9.3f %7.3f\n", s, "ALL (micro)", sum.tp, sum.fp, sum.fn, sum.precision(), sum.recall())
	}
	t.Logf("default topics on %d labelled headlines (%d on-topic, %d held out):%s", len(rows), onTopic, holdout, b.String())
	for _, m := range misses {
		t.Log(m)
	}

	for _, s := range []string{"tune", "holdout"} {
		c := overall[s]
		if c.precision() < minOverall || c.recall() < minOverall {
			t.Errorf("%s split: precision %.3f, recall %.3f; want both at least %.2f", s, c.precision(), c.recall(), minOverall)
		}
	}
	for _, id := range ids {
		c := *per["all"][id]
		if c.tp+c.fn == 0 {
			t.Errorf("topic %s has no labelled headlines", id)
			continue
		}
		if c.precision() < minPerTopic || c.recall() < minPerTopic {
			t.Errorf("topic %s: precision %.3f, recall %.3f on the whole set; want both at least %.2f", id, c.precision(), c.recall(), minPerTopic)
		}
	}
}

// BenchmarkDefaultTopics matches every labelled headline once per iteration.
func BenchmarkDefaultTopics(b *testing.B) {
	set, ids := defaultSet(b)
	rows := loadEval(b, ids)
	items := make([]alert.Item, len(rows))
	for i, r := range rows {
		items[i] = alert.Item{Title: r.headline}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, it := range items {
			set.Match(it)
		}
	}
}
