package rules_test

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/rules"
)

// TestDefaultRegexesAgreeWithRegexp runs every /regex/ keyword of the
// built-in topics, all in one set as production does (sharing the literal
// pass and the windows), over every labelled headline and summary, and
// checks each finds exactly what Go's regexp finds on the whole text. The
// prefilter must never hide a match of the vocabulary as it ships.
func TestDefaultRegexesAgreeWithRegexp(t *testing.T) {
	cfg, err := config.Default(os.Getenv)
	if err != nil {
		t.Fatalf("default config: %v", err)
	}
	var exprs, ids []string
	for _, tp := range cfg.Topics {
		ids = append(ids, tp.ID)
		for _, k := range slices.Concat(tp.Any, tp.All, tp.None) {
			k = strings.TrimSpace(k)
			if isRegexKeyword(k) && !slices.Contains(exprs, k) {
				exprs = append(exprs, k)
			}
		}
	}
	if len(exprs) < 100 {
		t.Fatalf("found %d regexes in the default topics, want the 100 or more they hold", len(exprs))
	}
	topics := make([]rules.Topic, len(exprs))
	plain := make([]*regexp.Regexp, len(exprs))
	for i, k := range exprs {
		topics[i] = rules.Topic{ID: fmt.Sprint(i), Any: []string{k}, In: []string{"title"}}
		plain[i] = regexp.MustCompile("(?i)" + k[1:len(k)-1])
	}
	set, err := rules.Compile(topics)
	if err != nil {
		t.Fatalf("compile the default regexes one topic each: %v", err)
	}
	rows, _ := loadEval(t, ids)
	// Under the race detector the regexps run ten times slower: every
	// fourth row keeps the test quick there; a plain run checks them all.
	stride := 1
	if raceEnabled {
		stride = 4
	}
	var texts []string
	for n, r := range rows {
		if n%stride != 0 {
			continue
		}
		texts = append(texts, r.headline)
		if r.summary != "" {
			texts = append(texts, r.summary)
		}
	}
	hits := 0
	for _, text := range texts {
		got := map[string][]string{}
		for _, m := range set.Match(alert.Item{Title: text}) {
			got[m.Topic] = m.Keywords
		}
		for i, re := range plain {
			want := refRegexFinds(re, text)
			if g := got[fmt.Sprint(i)]; !reflect.DeepEqual(g, want) {
				t.Errorf("regex %s on %q: matcher finds %q, regexp finds %q", exprs[i], text, g, want)
			}
			if len(want) > 0 {
				hits++
			}
		}
	}
	if hits == 0 {
		t.Fatal("no default regex matched any labelled text: the comparison tested nothing")
	}
	t.Logf("%d regexes on %d texts agree with regexp (%d matches)", len(exprs), len(texts), hits)
}
