package rules

import (
	"slices"
	"strings"

	"github.com/policyradar/policyradar/alert"
)

// evaluate decides each candidate topic from the patterns found and builds
// the result.
func (s *Set) evaluate(sc *scratch, it *alert.Item, only []string) []alert.Match {
	for _, p := range sc.touched {
		found := sc.found[p]
		for _, u := range s.pats[p].uses {
			if u.role&roleAny == 0 || sc.topicStamp[u.topic] == sc.epoch || found&s.topics[u.topic].in == 0 {
				continue
			}
			sc.topicStamp[u.topic] = sc.epoch
			sc.cands = append(sc.cands, u.topic)
		}
	}
	if len(sc.cands) == 0 {
		return nil
	}
	if len(only) > 0 {
		for _, id := range only {
			if t, ok := s.byID[id]; ok {
				sc.allowStamp[t] = sc.epoch
			}
		}
	}
	slices.Sort(sc.cands)
	kept := sc.cands[:0]
	for _, ti := range sc.cands {
		t := &s.topics[ti]
		if len(only) > 0 && sc.allowStamp[ti] != sc.epoch {
			continue
		}
		if s.allFound(sc, t.all, t.in) && !s.anyFound(sc, t.none, t.in) {
			kept = append(kept, ti)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	out := make([]alert.Match, len(kept))
	bounds := sc.bounds[:0]
	for _, ti := range kept {
		t := &s.topics[ti]
		e := sc.nextKwEpoch()
		for _, p := range t.any {
			sc.kwStamp[p] = e
		}
		for _, p := range t.all {
			sc.kwStamp[p] = e
		}
		first := len(sc.words)
		for _, h := range sc.hits {
			if sc.kwStamp[h.pat] != e || t.in&(1<<h.field) == 0 {
				continue
			}
			w := segment(it, h.field, h.seg)[h.start:h.end]
			if !containsFold(sc.words[first:], w) {
				sc.words = append(sc.words, w)
			}
		}
		bounds = append(bounds, int32(len(sc.words)))
	}
	words := slices.Clone(sc.words)
	clear(sc.words) // the pool must not keep the item's text alive
	sc.words, sc.bounds = sc.words[:0], bounds
	first := 0
	for i, ti := range kept {
		end := int(bounds[i])
		out[i] = alert.Match{Topic: s.topics[ti].id, Keywords: words[first:end:end]}
		first = end
	}
	return out
}

func (s *Set) allFound(sc *scratch, pats []int32, in uint8) bool {
	for _, p := range pats {
		if sc.found[p]&in == 0 {
			return false
		}
	}
	return true
}

func (s *Set) anyFound(sc *scratch, pats []int32, in uint8) bool {
	for _, p := range pats {
		if sc.found[p]&in != 0 {
			return true
		}
	}
	return false
}

func containsFold(words []string, w string) bool {
	for _, x := range words {
		if strings.EqualFold(x, w) {
			return true
		}
	}
	return false
}
