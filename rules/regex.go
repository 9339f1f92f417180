package rules

import (
	"bytes"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Go's case-insensitive regular expressions run at tens of MB/s, far slower
// than the word scan, so each one gets a prefilter: the longest literal that
// every match must contain. A field that does not contain it (ignoring ASCII
// case) cannot match, and the expression is not run over it.

// maxWindow is the longest match (in bytes) for which an expression is run
// over windows around its literal rather than over the whole field.
const maxWindow = 512

// regexPlan says how to run an expression cheaply: the literal every match
// contains (lower-case ASCII, or nil) and, when every match is at most window
// bytes long and the expression has no ^ or $, that window; then the
// expression need only run around each place the literal occurs.
type regexPlan struct {
	lit    []byte
	window int // 0: run over the whole field
}

func planRegex(expr string) regexPlan {
	lit := requiredLiteral(expr)
	if lit == "" {
		return regexPlan{}
	}
	plan := regexPlan{lit: []byte(lit)}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return plan
	}
	if n := maxRunes(re.Simplify()); n >= 0 && n*utf8.UTFMax <= maxWindow {
		plan.window = n * utf8.UTFMax
	}
	return plan
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

// windows calls fn with each stretch of text that can hold a match: the
// places where lit occurs in low (text with ASCII lower-cased), widened by
// window bytes and then by one rune each side, so that \b sees the true
// neighbours, and merged where they overlap.
func windows(text string, low, lit []byte, window int, fn func(start, end int)) {
	i := bytes.Index(low, lit)
	for i >= 0 {
		start, end := i-window, i+len(lit)+window
		next := -1
		for {
			j := bytes.Index(low[i+1:], lit)
			if j < 0 {
				break
			}
			i += 1 + j
			if i-window > end {
				next = i
				break
			}
			end = i + len(lit) + window
		}
		fn(runeBefore(text, start), runeAfter(text, end))
		i = next
	}
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
