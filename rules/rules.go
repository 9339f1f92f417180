// Package rules compiles topic keyword rules once and matches items against
// them in one pass over each item's text. It does no I/O.
//
// Plain keywords are phrases of words compared after NFKC normalisation and
// full Unicode case folding; anything that is not a letter, digit or mark
// separates words, and each Han, Hiragana or Katakana character is a word of
// its own. A trailing '*' lets the last word end in anything. A keyword
// written /…/ is a case-insensitive RE2 expression run over the raw text.
package rules

import (
	"fmt"
	"sync"

	"github.com/policyradar/policyradar/alert"
)

// Topic is the matching part of a configured topic.
type Topic struct {
	ID   string
	Any  []string // at least one must match (if empty, the topic matches nothing)
	All  []string // every one must match
	None []string // none may match
	In   []string // fields: "title", "summary", "content", "categories"; empty = all four
}

// Set is a compiled set of topics, safe for concurrent use.
type Set struct {
	topics   []topic
	byID     map[string]int32
	pats     []pattern
	plain    *index
	regexes  []int32 // ids of the regular-expression patterns
	lits     litIndex
	fields   uint8 // fields that some plain pattern is searched in
	reFields uint8 // fields that some regular expression is searched in
	pool     sync.Pool
}

// topic is a compiled Topic: pattern ids per role and the fields searched.
type topic struct {
	id             string
	any, all, none []int32
	in             uint8
}

// Compile compiles topics. Errors name the topic and the bad keyword.
func Compile(topics []Topic) (*Set, error) {
	s := &Set{byID: make(map[string]int32, len(topics)), plain: newIndex()}
	keys := map[string]int32{}
	for ti, t := range topics {
		if _, dup := s.byID[t.ID]; dup {
			return nil, &TopicError{Topic: t.ID, Err: ErrDuplicateTopic}
		}
		s.byID[t.ID] = int32(ti)
		ct := topic{id: t.ID}
		for _, f := range t.In {
			bit := fieldBit(f)
			if bit == 0 {
				return nil, &TopicError{Topic: t.ID, Err: fmt.Errorf("%w %q: want title, summary, content or categories", ErrUnknownField, f)}
			}
			ct.in |= bit
		}
		if ct.in == 0 {
			ct.in = allFields
		}
		lists := []struct {
			name string
			kws  []string
			role uint8
			dst  *[]int32
		}{{"any", t.Any, roleAny, &ct.any}, {"all", t.All, roleAll, &ct.all}, {"none", t.None, roleNone, &ct.none}}
		for _, l := range lists {
			for i, raw := range l.kws {
				k, err := parseKeyword(raw)
				if err != nil {
					return nil, &KeywordError{Topic: t.ID, List: l.name, Index: i, Keyword: raw, Err: err}
				}
				p, ok := keys[k.key()]
				if !ok {
					p = int32(len(s.pats))
					keys[k.key()] = p
					s.pats = append(s.pats, pattern{re: k.re})
					if k.re != nil {
						s.pats[p].plan = planRegex(k.re.String())
						s.regexes = append(s.regexes, p)
					} else {
						s.plain.add(k, p)
					}
				}
				pat := &s.pats[p]
				pat.fields |= ct.in
				if k.re == nil {
					s.fields |= ct.in
				} else {
					s.reFields |= ct.in
				}
				if n := len(pat.uses); n > 0 && pat.uses[n-1].topic == int32(ti) {
					pat.uses[n-1].role |= l.role
				} else {
					pat.uses = append(pat.uses, use{topic: int32(ti), role: l.role})
				}
				*l.dst = append(*l.dst, p)
			}
		}
		s.topics = append(s.topics, ct)
	}
	s.plain.freeze()
	ids := map[string]int32{}
	for ri, p := range s.regexes {
		plan := &s.pats[p].plan
		for _, lit := range plan.lits {
			s.lits.add(lit, int32(ri), 0, ids)
		}
		for k, set := range plan.also {
			for _, lit := range set {
				s.lits.add(lit, int32(ri), uint8(k+1), ids)
			}
		}
	}
	s.pool.New = func() any { return newScratch(len(s.topics), len(s.pats)) }
	return s, nil
}

func fieldBit(name string) uint8 {
	for i, n := range fieldNames {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// Match returns the topics the item matches, in the order the topics were
// given, each with the keywords (from Any and All) that matched. When only is
// non-empty, just those topic ids are considered (per-feed restriction).
//
// A keyword is reported as the text stands in the item, deduplicated without
// regard to case, in order of first appearance (title, summary, content, then
// categories). Match allocates only for what it returns.
func (s *Set) Match(it alert.Item, only ...string) []alert.Match {
	sc := s.pool.Get().(*scratch)
	defer s.pool.Put(sc)
	return s.match(sc, &it, only)
}
