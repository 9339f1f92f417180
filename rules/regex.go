package rules

import (
	"regexp/syntax"
	"unicode/utf8"
)

// Go's case-insensitive regular expressions run at tens of MB/s, far slower
// than the word scan, so each one is planned (planRegex): the literals its
// matches must contain (required.go), found in one pass over a field
// (literals.go), and a window around them to run it in (hitWindows).

// maxWindow is the longest match (in bytes) for which an expression is run
// over windows around its literal rather than over the whole field.
const maxWindow = 512

// regexPlan says how to run an expression cheaply: literals one of which
// every match contains (lower-case ASCII; none: no prefilter) and, when every
// match is at most window bytes long and the expression has no ^ or $, that
// window; then the expression need only run around each place a literal
// occurs.
type regexPlan struct {
	lits [][]byte
	// also are further sets of literals of which every match holds one
	// each (the other side of "AI … fined"): an expression runs only if
	// every set has a literal in the field.
	also   [][][]byte
	window int // most runes a match spans; 0: run over the whole field
}

func planRegex(expr string) regexPlan {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return regexPlan{}
	}
	re = re.Simplify()
	lits := needed(re)
	if len(lits) == 0 {
		return regexPlan{}
	}
	plan := regexPlan{lits: asBytes(lits)}
	for _, set := range otherSets(re, lits) {
		plan.also = append(plan.also, asBytes(set))
	}
	if n := maxRunes(re); n >= 0 && n*utf8.UTFMax <= maxWindow {
		plan.window = n
	}
	return plan
}

func asBytes(set []string) [][]byte {
	out := make([][]byte, len(set))
	for i, s := range set {
		out[i] = []byte(s)
	}
	return out
}

// maxRunes returns the most runes a match of re can span, or -1 when that
// is unbounded or when re looks at line or text edges, which a window would
// move.
func maxRunes(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture, syntax.OpQuest:
		return maxRunes(re.Sub[0])
	case syntax.OpRepeat:
		n := maxRunes(re.Sub[0])
		if n < 0 || re.Max < 0 {
			return -1
		}
		return n * re.Max
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			n := maxRunes(sub)
			if n < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total
	}
	return -1 // star, plus, ^, $ and anything new
}

// hitWindows calls fn with each stretch of text that can hold a match: the
// places where a literal occurs (hits, in order of position), widened by
// window runes each side and then by one more rune, so that \b sees the
// true neighbours, and merged where they overlap.
func hitWindows(text string, hits []litHit, window int, fn func(start, end int)) {
	if len(hits) == 0 {
		return
	}
	start, end := runesBefore(text, int(hits[0].start), window), runesAfter(text, int(hits[0].end), window)
	for _, h := range hits[1:] {
		if int(h.start) > end {
			// The next window may still overlap this one; its start is
			// found by walking back from the literal, which is cheap.
			if s := runesBefore(text, int(h.start), window); s > end {
				fn(runeBefore(text, start), runeAfter(text, end))
				start = s
			}
		}
		end = max(end, runesAfter(text, int(h.end), window))
	}
	fn(runeBefore(text, start), runeAfter(text, end))
}

// runesBefore returns the start of the n-th rune before byte i (or 0).
func runesBefore(s string, i, n int) int {
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return i
}

// runesAfter returns the end of the n-th rune from byte i (or len(s)).
func runesAfter(s string, i, n int) int {
	for ; n > 0 && i < len(s); n-- {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}

// runeBefore returns the start of the rune before the one holding byte i.
func runeBefore(s string, i int) int {
	if i <= 0 {
		return 0
	}
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	if i > 0 {
		i--
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
	}
	return i
}

// runeAfter returns the end of the rune after the one ending before byte i.
func runeAfter(s string, i int) int {
	if i >= len(s) {
		return len(s)
	}
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	if i < len(s) {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return i
}
