package rules

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Go's case-insensitive regular expressions run at tens of MB/s, far slower
// than the word scan, so each one gets a prefilter: the longest literal that
// every match must contain. A field that does not contain it (ignoring ASCII
// case) cannot match, and the expression is not run over it.

// requiredLiteral returns a lower-case ASCII string that every match of the
// expression contains, or "" when there is none worth checking.
func requiredLiteral(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	best := ""
	for _, lit := range literals(re.Simplify()) {
		for _, run := range safeRuns(lit) {
			if len(run) > len(best) {
				best = run
			}
		}
	}
	if len(best) < 2 {
		return ""
	}
	return best
}

// literals returns literal strings that every match of re contains.
func literals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCapture, syntax.OpPlus:
		return literals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return literals(re.Sub[0])
		}
	case syntax.OpConcat:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, literals(sub)...)
		}
		return out
	}
	return nil
}

// safeRuns splits lit into the runs whose bytes a case-insensitive match can
// only meet as themselves or their ASCII other case. Non-ASCII runes and
// k and s (which fold with the Kelvin sign and the long s) end a run.
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
		if r >= utf8.RuneSelf || r == 'k' || r == 'K' || r == 's' || r == 'S' {
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

// lowerASCII returns s with ASCII letters in lower case, in dst's memory.
func lowerASCII(dst []byte, s string) []byte {
	dst = slices.Grow(dst[:0], len(s))[:len(s)]
	for i := range len(s) {
		c := s[i]
		if c-'A' < 26 {
			c += 'a' - 'A'
		}
		dst[i] = c
	}
	return dst
}
