package rules

import (
	"cmp"
	"slices"
	"strings"

	"github.com/policyradar/policyradar/alert"
)

// token is a word of a segment that some phrase may use: its place in the
// raw text, its position among all the words (to tell adjacent words), its
// vocabulary id (-1 when no phrase has it) and the prefixes it starts with.
// Words that no phrase can use are not kept.
type token struct {
	start, end int32
	pos        int32
	id         int32
	p0, p1     int32 // range of scratch.pfx
}

// hit is one occurrence of a pattern in the item.
type hit struct {
	pat        int32
	field      uint8
	seg        int32 // category index; 0 for the other fields
	start, end int32
}

// scratch is the per-call working memory of Match, pooled so that matching
// allocates nothing but its result.
type scratch struct {
	f       *folder
	buf     []byte
	toks    []token
	pfx     []int32
	hits    []hit
	touched []int32 // patterns with a non-zero found entry
	found   []uint8 // pattern -> fields it was found in
	cands   []int32
	bounds  []int32
	words   []string
	low     []byte   // lowerASCII's buffer
	lits    litFound // where the expressions' literals occur in a field

	epoch      uint32
	topicStamp []uint32 // topic -> epoch when it became a candidate
	allowStamp []uint32 // topic -> epoch when `only` allowed it
	kwEpoch    uint32
	kwStamp    []uint32 // pattern -> kwEpoch when it is in the current topic's Any or All
}

// lowerASCII returns text with ASCII letters lower-cased, in a buffer the
// scratch reuses (valid until the next call).
func (sc *scratch) lowerASCII(text string) []byte {
	b := append(sc.low[:0], text...)
	for i, c := range b {
		if c-'A' < 26 {
			b[i] = c + ('a' - 'A')
		}
	}
	sc.low = b
	return b
}

func newScratch(topics, patterns int) *scratch {
	return &scratch{
		f:          newFolder(),
		found:      make([]uint8, patterns),
		topicStamp: make([]uint32, topics),
		allowStamp: make([]uint32, topics),
		kwStamp:    make([]uint32, patterns),
	}
}

func (sc *scratch) reset() {
	for _, p := range sc.touched {
		sc.found[p] = 0
	}
	sc.touched, sc.hits, sc.cands = sc.touched[:0], sc.hits[:0], sc.cands[:0]
	sc.epoch++
	if sc.epoch == 0 {
		clear(sc.topicStamp)
		clear(sc.allowStamp)
		sc.epoch = 1
	}
}

func (sc *scratch) nextKwEpoch() uint32 {
	sc.kwEpoch++
	if sc.kwEpoch == 0 {
		clear(sc.kwStamp)
		sc.kwEpoch = 1
	}
	return sc.kwEpoch
}

func (sc *scratch) record(pats []int32, field uint8, seg int32, start, end int32) {
	for _, p := range pats {
		if sc.found[p] == 0 {
			sc.touched = append(sc.touched, p)
		}
		sc.found[p] |= 1 << field
		sc.hits = append(sc.hits, hit{pat: p, field: field, seg: seg, start: start, end: end})
	}
}

func segment(it *alert.Item, field uint8, seg int32) string {
	switch field {
	case fieldTitle:
		return it.Title
	case fieldSummary:
		return it.Summary
	case fieldContent:
		return it.Content
	}
	return it.Categories[seg]
}

func (s *Set) match(sc *scratch, it *alert.Item, only []string) []alert.Match {
	sc.reset()
	for f := fieldTitle; f < numFields; f++ {
		if s.fields&(1<<f) == 0 {
			continue
		}
		if f == fieldCategories {
			for i, c := range it.Categories {
				s.scan(sc, c, f, int32(i))
			}
			continue
		}
		s.scan(sc, segment(it, f, 0), f, 0)
	}
	if len(s.regexes) > 0 && s.matchRegexes(sc, it) {
		slices.SortStableFunc(sc.hits, func(a, b hit) int {
			if c := cmp.Compare(a.field, b.field); c != 0 {
				return c
			}
			if c := cmp.Compare(a.seg, b.seg); c != 0 {
				return c
			}
			return cmp.Compare(a.start, b.start)
		})
	}
	if len(sc.touched) == 0 {
		return nil
	}
	return s.evaluate(sc, it, only)
}

// scan tokenises one segment and records every phrase found in it.
func (s *Set) scan(sc *scratch, text string, field uint8, seg int32) {
	x := s.plain
	toks, pfx, buf := sc.toks[:0], sc.pfx[:0], sc.buf
	for i, pos := 0, int32(0); ; pos++ {
		start, end, h, ascii, w := sc.f.next(text, i, buf)
		buf = w
		if start >= len(text) {
			break
		}
		i = end
		var id int32
		p0 := int32(len(pfx))
		if ascii {
			word := text[start:end]
			id = x.table.lookupASCII(word, h)
			if x.hasPrefixes {
				pfx = prefixesOf(x.trie, word, true, pfx)
			}
		} else {
			id = x.table.lookup(w, h)
			if x.hasPrefixes && len(w) > 0 {
				pfx = prefixesOf(x.trie, w, false, pfx)
			}
		}
		if id >= 0 || int32(len(pfx)) > p0 {
			toks = append(toks, token{start: int32(start), end: int32(end), pos: pos, id: id, p0: p0, p1: int32(len(pfx))})
		}
	}
	sc.toks, sc.pfx, sc.buf = toks, pfx, buf

	for i := range toks {
		start, pos := toks[i].start, toks[i].pos
		var n int32
		for j := i; j < len(toks) && toks[j].pos == pos+int32(j-i); j++ {
			t := &toks[j]
			nd := &x.nodes[n]
			if nd.pfx && t.p1 > t.p0 {
				for _, pid := range pfx[t.p0:t.p1] {
					var pats []int32
					if n == 0 {
						pats = x.rootPfx[pid]
					} else {
						pats = x.pfxTerm[uint64(n)<<32|uint64(pid)]
					}
					if len(pats) > 0 {
						sc.record(pats, field, seg, start, t.end)
					}
				}
			}
			if t.id < 0 || !nd.more {
				break
			}
			if n == 0 {
				n = x.rootEdge[t.id]
			} else {
				n = x.edges[uint64(n)<<32|uint64(t.id)]
			}
			if n == 0 {
				break
			}
			if terms := x.nodes[n].terms; len(terms) > 0 {
				sc.record(terms, field, seg, start, t.end)
			}
		}
	}
}

// matchRegexes runs each regular expression over the fields it is searched
// in and reports whether any matched.
func (s *Set) matchRegexes(sc *scratch, it *alert.Item) bool {
	found := false
	for f := fieldTitle; f < numFields; f++ {
		if s.reFields&(1<<f) == 0 {
			continue
		}
		if f == fieldCategories {
			for i, c := range it.Categories {
				found = s.matchRegexesIn(sc, c, f, int32(i)) || found
			}
			continue
		}
		found = s.matchRegexesIn(sc, segment(it, f, 0), f, 0) || found
	}
	return found
}

func (s *Set) matchRegexesIn(sc *scratch, text string, field uint8, seg int32) bool {
	found := false
	// One ASCII-lower-case copy of the field and one pass over it find every
	// literal of every expression (litIndex); an expression with literals
	// runs only if one of them occurs, and then only around where it does.
	// Lower-casing ASCII keeps every byte offset.
	// Case-insensitively, k also matches the Kelvin sign and s the long s,
	// which an ASCII search for the literals cannot see: a field holding
	// either (next to never outside crafted text) runs every expression
	// over all of it.
	whole := strings.Contains(text, "\u212a") || strings.Contains(text, "\u017f")
	lf := &sc.lits
	lf.reset(len(s.regexes))
	if len(s.lits.lits) > 0 && !whole {
		s.lits.find(sc.lowerASCII(text), lf)
	}
	for ri, p := range s.regexes {
		pat := &s.pats[p]
		if pat.fields&(1<<field) == 0 {
			continue
		}
		if whole {
			found = s.findRegex(sc, ri, text, 0, len(text), field, seg) || found
			continue
		}
		plan := &pat.plan
		// Every literal set must occur; windows are built on set 0.
		if len(plan.lits) > 0 && lf.sets[ri] != 1<<(len(plan.also)+1)-1 {
			continue
		}
		mine := lf.hits[ri]
		switch {
		case len(plan.lits) == 0:
			found = s.findRegex(sc, ri, text, 0, len(text), field, seg) || found
		case plan.window == 0:
			found = s.findRegex(sc, ri, text, 0, len(text), field, seg) || found
		default:
			hitWindows(text, mine, plan.window, func(start, end int) {
				found = s.findRegex(sc, ri, text, start, end, field, seg) || found
			})
		}
	}
	return found
}

// findRegex records the matches of regex number ri in text[start:end].
func (s *Set) findRegex(sc *scratch, ri int, text string, start, end int, field uint8, seg int32) bool {
	found := false
	for _, loc := range s.pats[s.regexes[ri]].re.FindAllStringIndex(text[start:end], -1) {
		if loc[1] > loc[0] { // an empty match is no keyword to report
			sc.record(s.regexes[ri:ri+1], field, seg, int32(start+loc[0]), int32(start+loc[1]))
			found = true
		}
	}
	return found
}
