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
// headline, where it was seen, and optionally the item's summary (its first
// sentence or standfirst as published). Lines starting with # are comments; a
// comment after the first headline starts a new block (a batch gathered after
// a vocabulary was frozen), which is also reported on its own.
//
// Labels say what the headline alone is about, and every floor is on
// headlines alone. Rows with a summary are matched a second time on headline
// and summary together, as production matches an item, and reported as
// separate "+summary" groups.
var evalFile = filepath.Join("..", "testdata", "eval", "headlines.tsv")

const (
	minOverall  = 0.9 // precision and recall, micro-averaged, on each split
	minPerTopic = 0.9 // precision and recall of each topic on each split and the whole set
	minRows     = 300
	minTune     = 200 // headlines the vocabulary was written against
)

type evalRow struct {
	line     int
	labels   []string // topic ids; empty for "none"
	split    string
	block    int // 0 before the first block comment, then 1, 2, …
	headline string
	summary  string // "" when the row has none
}

// evalBlock is a batch of headlines introduced by a comment line.
type evalBlock struct {
	line    int    // of the comment
	comment string // without the leading #
}

// counts are true positives, false positives and false negatives.
type counts struct{ tp, fp, fn int }

func (c counts) precision() float64 { return ratio(c.tp, c.tp+c.fp) }
func (c counts) recall() float64    { return ratio(c.tp, c.tp+c.fn) }

func (c *counts) add(o counts) { c.tp += o.tp; c.fp += o.fp; c.fn += o.fn }

// outcome counts one topic decision (got) against one label (want).
func outcome(want, got bool) counts {
	switch {
	case want && got:
		return counts{tp: 1}
	case got:
		return counts{fp: 1}
	case want:
		return counts{fn: 1}
	}
	return counts{}
}

// ratio is n/d, and 1 when there is nothing to get wrong (d == 0).
func ratio(n, d int) float64 {
	if d == 0 {
		return 1
	}
	return float64(n) / float64(d)
}

func loadEval(t testing.TB, known []string) ([]evalRow, []evalBlock) {
	t.Helper()
	f, err := os.Open(evalFile)
	if err != nil {
		t.Fatalf("open labelled headlines: %v", err)
	}
	defer f.Close()
	var rows []evalRow
	var blocks []evalBlock
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") && len(rows) > 0 {
			blocks = append(blocks, evalBlock{line: n, comment: strings.TrimSpace(strings.TrimPrefix(line, "#"))})
			continue
		}
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 4 && len(cols) != 5 {
			t.Fatalf("%s:%d: want 4 or 5 tab-separated columns (label, split, headline, seen[, summary]), got %d", evalFile, n, len(cols))
		}
		r := evalRow{line: n, split: cols[1], block: len(blocks), headline: cols[2]}
		if len(cols) == 5 {
			r.summary = strings.TrimSpace(cols[4])
		}
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
		r.labels = parseLabels(t, evalFile, n, cols[0], known)
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read labelled headlines: %v", err)
	}
	return rows, blocks
}

// parseLabels reads a label column: topic ids, comma-separated, or "none"
// (no topic). An id that is not a known topic fails the test at file:line.
func parseLabels(t testing.TB, file string, line int, col string, known []string) []string {
	t.Helper()
	if col == "none" {
		return nil
	}
	var labels []string
	for _, l := range strings.Split(col, ",") {
		if !slices.Contains(known, l) {
			t.Fatalf("%s:%d: label %q is not a default topic %v", file, line, l, known)
		}
		labels = append(labels, l)
	}
	return labels
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
// It reports each split, each block gathered after a vocabulary freeze, and
// the whole set, and fails when a split falls below minOverall or a topic
// falls below minPerTopic on either split or the whole set.
func TestDefaultTopicsPrecision(t *testing.T) {
	set, ids := defaultSet(t)
	rows, blocks := loadEval(t, ids)

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
	// Fresh blocks are all held out, so the held-out share grows with each
	// one; what must not shrink is the tune split the vocabulary was written
	// on, so it has a floor of its own rather than a share.
	if share := ratio(holdout, len(rows)); share < 0.25 {
		t.Errorf("%d of %d headlines are held out (%.2f), want at least a quarter", holdout, len(rows), share)
	}
	if tune := len(rows) - holdout; tune < minTune {
		t.Errorf("tune split has %d headlines, want at least %d", tune, minTune)
	}

	// Groups reported: the two splits, each block, the whole set.
	groups := []string{"tune", "holdout"}
	for i := range blocks {
		groups = append(groups, blockName(i+1))
	}
	groups = append(groups, "all")
	withSummary := map[string]bool{} // groups that have a "+summary" twin
	for _, r := range rows {
		if r.summary != "" {
			withSummary[groupOf(r)] = true
		}
	}
	for _, g := range slices.Clone(groups) {
		if withSummary[g] {
			groups = append(groups, g+" +summary")
		}
	}
	per := map[string]map[string]*counts{} // group -> topic -> counts
	sizes := map[string]int{}
	for _, g := range groups {
		per[g] = map[string]*counts{}
		for _, id := range ids {
			per[g][id] = &counts{}
		}
	}
	var misses []string
	for _, r := range rows {
		in := []string{r.split, "all"}
		if r.block > 0 {
			in = append(in, blockName(r.block))
		}
		score := func(item alert.Item, in []string, tag string) {
			for _, g := range in {
				sizes[g]++
			}
			matched := map[string][]string{}
			for _, m := range set.Match(item) {
				matched[m.Topic] = m.Keywords
			}
			for _, id := range ids {
				c := outcome(slices.Contains(r.labels, id), matched[id] != nil)
				if c.fp > 0 {
					misses = append(misses, fmt.Sprintf("false %-15s %-7s%s line %d: %q matched %q", id, r.split, tag, r.line, r.headline, matched[id]))
				}
				if c.fn > 0 {
					misses = append(misses, fmt.Sprintf("missed %-14s %-7s%s line %d: %q", id, r.split, tag, r.line, r.headline))
				}
				for _, g := range in {
					per[g][id].add(c)
				}
			}
		}
		score(alert.Item{Title: r.headline}, in, "")
		if r.summary != "" {
			score(alert.Item{Title: r.headline, Summary: r.summary}, []string{groupOf(r) + " +summary"}, " +summary")
		}
	}

	overall := map[string]counts{}
	var b strings.Builder
	for i, blk := range blocks {
		fmt.Fprintf(&b, "\n%s: line %d: %s", blockName(i+1), blk.line, blk.comment)
	}
	fmt.Fprintf(&b, "\n%-16s %5s %-16s %4s %4s %4s %9s %7s\n", "group", "rows", "topic", "tp", "fp", "fn", "precision", "recall")
	for _, g := range groups {
		var sum counts
		for _, id := range ids {
			c := *per[g][id]
			sum.add(c)
			fmt.Fprintf(&b, "%-16s %5d %-16s %4d %4d %4d %9.3f %7.3f\n", g, sizes[g], id, c.tp, c.fp, c.fn, c.precision(), c.recall())
		}
		overall[g] = sum
		fmt.Fprintf(&b, "%-16s %5d %-16s %4d %4d %4d %9.3f %7.3f\n", g, sizes[g], "ALL (micro)", sum.tp, sum.fp, sum.fn, sum.precision(), sum.recall())
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
	for _, g := range []string{"tune", "holdout", "all"} {
		for _, id := range ids {
			c := *per[g][id]
			if c.tp+c.fn == 0 {
				t.Errorf("topic %s has no labelled headlines in %s", id, g)
				continue
			}
			if c.precision() < minPerTopic || c.recall() < minPerTopic {
				t.Errorf("topic %s, %s: precision %.3f, recall %.3f; want both at least %.2f", id, g, c.precision(), c.recall(), minPerTopic)
			}
		}
	}
}

func blockName(n int) string { return fmt.Sprintf("block %d", n) }

// groupOf names the narrowest group a row is reported in: its block, or its
// split for rows before the first block.
func groupOf(r evalRow) string {
	if r.block > 0 {
		return blockName(r.block)
	}
	return r.split
}

// BenchmarkDefaultTopics matches every labelled headline once per iteration.
func BenchmarkDefaultTopics(b *testing.B) {
	set, ids := defaultSet(b)
	rows, _ := loadEval(b, ids)
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
