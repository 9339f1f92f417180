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
)

// secondLabelsFile holds a second, independent labelling of some rows of
// headlines.tsv: label, "sure" or "unsure", headline. It was made from the
// labelling rules and the headline alone, without the first labels.
var secondLabelsFile = filepath.Join("..", "testdata", "eval", "second-labels.tsv")

// minKappa is the least agreement, beyond chance, the two labellings must
// keep on every topic. Below it the labels themselves are too uncertain for
// a 0.9 floor on precision and recall to mean anything.
const minKappa = 0.8

type secondLabel struct {
	line     int
	labels   []string
	unsure   bool
	headline string
}

func loadSecondLabels(t *testing.T, known []string) []secondLabel {
	t.Helper()
	f, err := os.Open(secondLabelsFile)
	if err != nil {
		t.Fatalf("open second labelling: %v", err)
	}
	defer f.Close()
	var out []secondLabel
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 || (cols[1] != "sure" && cols[1] != "unsure") {
			t.Fatalf("%s:%d: want label, sure|unsure, headline", secondLabelsFile, n)
		}
		out = append(out, secondLabel{
			line:     n,
			labels:   parseLabels(t, secondLabelsFile, n, cols[0], known),
			unsure:   cols[1] == "unsure",
			headline: cols[2],
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read second labelling: %v", err)
	}
	return out
}

// kappa is Cohen's kappa for two yes/no labellings of n items: a and b say
// yes to na and nb items, and agree on agree items.
func kappa(n, na, nb, agree int) float64 {
	if n == 0 {
		return 1
	}
	po := float64(agree) / float64(n)
	pa, pb := float64(na)/float64(n), float64(nb)/float64(n)
	pe := pa*pb + (1-pa)*(1-pb)
	if pe == 1 {
		return 1
	}
	return (po - pe) / (1 - pe)
}

// TestSecondLabelling measures how far two labellers agree on the rows both
// labelled, topic by topic, and how the default topics score against each.
// It fails when a row of the second labelling is not in headlines.tsv, or
// when the two agree less than minKappa on a topic.
func TestSecondLabelling(t *testing.T) {
	set, ids := defaultSet(t)
	rows, _ := loadEval(t, ids)
	byHeadline := map[string]evalRow{}
	for _, r := range rows {
		byHeadline[r.headline] = r
	}
	second := loadSecondLabels(t, ids)
	if len(second) < 100 {
		t.Fatalf("second labelling has %d rows, want at least 100", len(second))
	}

	// Each row of the second labelling, its first labels, and the topics
	// the vocabulary gives its headline (matched once).
	firsts := make([]evalRow, len(second))
	matched := make([][]string, len(second))
	for i, s := range second {
		r, ok := byHeadline[s.headline]
		if !ok {
			t.Fatalf("%s:%d: headline %q is not in %s", secondLabelsFile, s.line, s.headline, evalFile)
		}
		firsts[i] = r
		for _, m := range set.Match(alert.Item{Title: r.headline}) {
			matched[i] = append(matched[i], m.Topic)
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-16s %5s %5s %5s %6s   %-24s %-24s\n", "topic", "first", "second", "both", "kappa", "vocabulary vs first P/R", "vocabulary vs second P/R")
	var vsFirst, vsSecond counts
	var differ []string
	for _, id := range ids {
		var na, nb, both, agree int
		var cf, cs counts
		for i, s := range second {
			r := firsts[i]
			a, bb := slices.Contains(r.labels, id), slices.Contains(s.labels, id)
			if a {
				na++
			}
			if bb {
				nb++
			}
			if a && bb {
				both++
			}
			if a == bb {
				agree++
			} else {
				differ = append(differ, fmt.Sprintf("%-15s first %-5v second %-5v unsure %-5v line %d: %q", id, a, bb, s.unsure, r.line, r.headline))
			}
			got := slices.Contains(matched[i], id)
			cf.add(outcome(a, got))
			cs.add(outcome(bb, got))
		}
		k := kappa(len(second), na, nb, agree)
		vsFirst.add(cf)
		vsSecond.add(cs)
		fmt.Fprintf(&b, "%-16s %5d %5d %5d %6.3f   %.3f / %.3f            %.3f / %.3f\n", id, na, nb, both, k, cf.precision(), cf.recall(), cs.precision(), cs.recall())
		if k < minKappa {
			t.Errorf("topic %s: the two labellings agree with kappa %.3f, want at least %.2f", id, k, minKappa)
		}
	}
	fmt.Fprintf(&b, "%-16s %5s %5s %5s %6s   %.3f / %.3f            %.3f / %.3f\n", "ALL (micro)", "", "", "", "", vsFirst.precision(), vsFirst.recall(), vsSecond.precision(), vsSecond.recall())
	t.Logf("two labellings of %d headlines:%s", len(second), b.String())
	for _, d := range differ {
		t.Log("differ: " + d)
	}
}
