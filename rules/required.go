package rules

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// The literals an expression's matches require, read off its syntax tree:
// the longest literal of a sequence, or one literal from each branch of an
// alternation ("(fined|lawsuits?)" needs "fine" or "lawsuit"). A field that
// contains none of them (ignoring ASCII case) cannot match, and the
// expression is not run over it.

// maxLiterals bounds the literals a prefilter searches for: past it, the
// searches would cost more than running the expression.
const maxLiterals = 24

// needed returns literals one of which every match of re contains (nil: no
// such set worth searching for).
func needed(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		best := bestRun(string(re.Rune))
		if len(best) < 2 {
			return nil
		}
		return []string{best}
	case syntax.OpCapture, syntax.OpPlus:
		return needed(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return needed(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []string
		pieceSets(re, func(set []string) {
			if stronger(set, best) {
				best = set
			}
		})
		return best
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			set := needed(sub)
			if set == nil {
				return nil // a branch can match without any literal
			}
			out = append(out, set...)
		}
		out = minimalLiterals(out)
		if len(out) > maxLiterals {
			return nil
		}
		return out
	}
	return nil
}

// maxAlso bounds the further literal sets an expression is checked for.
const maxAlso = 3

// otherSets returns, for an expression that is a sequence of pieces, the
// literal sets of its pieces other than primary (each piece must match, so
// each set must have a literal in the field), at most maxAlso of them.
func otherSets(re *syntax.Regexp, primary []string) [][]string {
	if re.Op != syntax.OpConcat {
		return nil
	}
	var out [][]string
	pieceSets(re, func(set []string) {
		if set != nil && len(out) < maxAlso && !slices.Equal(set, primary) {
			out = append(out, set)
		}
	})
	return out
}

// pieceSets calls fn with the literal set (nil: none) of each piece of the
// sequence re. Runs of pieces that match only fixed strings ("deep
// ?-?fakes?", or "s(?:pying|pyware)" as the parser factors an alternation)
// are multiplied out into the strings they match and count as one piece,
// so that their literals are whole words rather than the fragments the
// parser left ("py", "ing").
func pieceSets(re *syntax.Regexp, fn func(set []string)) {
	var run []string // the strings the current run of fixed pieces matches
	flush := func() {
		if run != nil {
			fn(literalSet(run))
		}
		run = nil
	}
	for _, sub := range re.Sub {
		fixed, ok := fixedStrings(sub)
		if !ok {
			flush()
			fn(needed(sub))
			continue
		}
		if run == nil {
			run = []string{""}
		}
		if next := cross(run, fixed); next != nil {
			run = next
		} else {
			flush()
			run = fixed
		}
	}
	flush()
}

// maxFixed bounds the strings a run of fixed pieces is multiplied out into.
const maxFixed = 64

// fixedStrings returns every string re can match when that is a short list
// (literals, alternations and optional parts of them, and zero-width word
// boundaries), and false otherwise.
func fixedStrings(re *syntax.Regexp) ([]string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}, true
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return []string{""}, true
	case syntax.OpCapture:
		return fixedStrings(re.Sub[0])
	case syntax.OpQuest:
		sub, ok := fixedStrings(re.Sub[0])
		if !ok || len(sub)+1 > maxFixed {
			return nil, false
		}
		return append([]string{""}, sub...), true
	case syntax.OpAlternate:
		var out []string
		for _, b := range re.Sub {
			sub, ok := fixedStrings(b)
			if !ok || len(out)+len(sub) > maxFixed {
				return nil, false
			}
			out = append(out, sub...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, b := range re.Sub {
			sub, ok := fixedStrings(b)
			if !ok {
				return nil, false
			}
			if out = cross(out, sub); out == nil {
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}

// cross returns every a+b, or nil when there would be more than maxFixed.
func cross(as, bs []string) []string {
	if len(as)*len(bs) > maxFixed {
		return nil
	}
	out := make([]string, 0, len(as)*len(bs))
	for _, a := range as {
		for _, b := range bs {
			out = append(out, a+b)
		}
	}
	return out
}

// literalSet turns the strings a run of fixed pieces matches into the
// literals to search for: the longest safe run of each. It returns nil when
// one of them has none (an empty or one-letter string can match).
func literalSet(strs []string) []string {
	var out []string
	for _, s := range strs {
		best := bestRun(s)
		if len(best) < 2 {
			return nil
		}
		out = append(out, best)
	}
	out = minimalLiterals(out)
	if len(out) > maxLiterals {
		return nil
	}
	return out
}

// stronger reports whether set a is the better prefilter than b. Each
// literal costs a search of the field, and each place a literal occurs costs
// a run of the expression, which is dearer: so a single literal of four bytes
// or more (rare enough) is kept, and otherwise the set whose shortest literal
// is longer (rarer) wins, or as long with fewer literals.
func stronger(a, b []string) bool {
	if a == nil {
		return false
	}
	if b == nil {
		return true
	}
	if len(b) == 1 && len(b[0]) >= 4 && len(a) > 1 {
		return false
	}
	if len(a) == 1 && len(a[0]) >= 4 && len(b) > 1 {
		return true
	}
	sa, sb := shortestLen(a), shortestLen(b)
	if sa != sb {
		return sa > sb
	}
	return len(a) < len(b)
}

func shortestLen(set []string) int {
	n := len(set[0])
	for _, s := range set[1:] {
		n = min(n, len(s))
	}
	return n
}

// minimalLiterals drops repeats and each literal that contains another one
// (a field holding "fined" holds "fine"), in a stable order.
func minimalLiterals(set []string) []string {
	var out []string
	for i, s := range set {
		keep := true
		for j, o := range set {
			if j != i && strings.Contains(s, o) && (len(o) < len(s) || j < i) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, s)
		}
	}
	return out
}

// bestRun is the longest of s's safe runs: what a prefilter searches for.
func bestRun(s string) string {
	best := ""
	for _, run := range safeRuns(s) {
		if len(run) > len(best) {
			best = run
		}
	}
	return best
}

// safeRuns splits lit into the runs whose bytes a case-insensitive match can
// only meet as themselves or their ASCII other case: non-ASCII runes end a
// run. (k and s also fold with the Kelvin sign and the long s; fields that
// hold either skip the literals altogether, see matchRegexesIn.)
func safeRuns(lit string) []string {
	var runs []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			runs = append(runs, b.String())
			b.Reset()
		}
	}
	for _, r := range lit {
		if r >= utf8.RuneSelf {
			flush()
			continue
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	flush()
	return runs
}
