package rules

import (
	"bytes"
	"slices"
	"testing"
)

func TestRequiredLiterals(t *testing.T) {
	tests := []struct {
		name, expr string
		want       []string
	}{
		{"optional parts multiplied out", `(?i)gpt-?4o?`, []string{"gpt4", "gpt-4"}},
		{"longest run", `(?i)\$\d+ million`, []string{" million"}},
		{"alternation needs one of its branches", `(?i)openai|anthropic`, []string{"openai", "anthropic"}},
		{"common prefix of alternation", `(?i)gpt-4|gpt-5`, []string{"gpt-"}},
		{"a branch with no literal", `(?i)openai|[a-z]+`, nil},
		{"a contained literal is enough", `(?i)\b(fined?|fines)\b`, []string{"fine"}},
		{"alternation beats a shorter literal", `(?i)\bAI\b[^.]{0,40}\b(ruling|treaty)\b`, []string{"ruling", "treaty"}},
		{"a longer literal beats an alternation", `(?i)\bbanned\b[^.]{0,40}\b(ruling|treaty)\b`, []string{"banned"}},
		{"a factored prefix is multiplied back", `(?i)\b(AI|artificial intelligence)\b`, []string{"ai", "artificial intelligence"}},
		{"factored alternation keeps whole words", `(?i)\bAI\b[^.]{0,40}\b(surveillance|spying|spyware)\b`, []string{"surveillance", "spying", "spyware"}},
		{"optional letters inside a word", `(?i)\bdeep ?-?fakes?\b`, []string{"deepfake", "deep-fake", "deep fake", "deep -fake"}},
		{"too many strings to multiply out", `(?i)[ab]x(c|d|e|f|g|h|i|j)(c|d|e|f|g|h|i|j)(c|d|e|f|g|h|i|j)yz`, []string{"yz"}},
		{"two short branches", `(?i)\b(AI|ML)\b`, []string{"ai", "ml"}},
		{"k and s stay in a run", `(?i)risk assessment`, []string{"risk assessment"}},
		{"non-ascii ends a run", `(?i)ÉTATS`, []string{"tats"}},
		{"plus keeps its literal", `(?i)(openai)+ x`, []string{"openai"}},
		{"star drops its literal", `(?i)(open)* wei`, []string{" wei"}},
		{"repeat from one", `(?i)(abc){1,3}`, []string{"abc"}},
		{"too short", `(?i)a.b`, nil},
		{"character class only", `(?i)[a-z]+`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := asStrings(planRegex(tt.expr).lits); !slices.Equal(got, tt.want) {
				t.Errorf("literals of %q = %q, want %q", tt.expr, got, tt.want)
			}
		})
	}
}

// TestLiteralWindows checks the literal index and the stretches handed to
// an expression: every occurrence of every literal of that expression, with
// its window, in order, merged where they overlap, and nothing for the
// literals of another expression.
func TestLiteralWindows(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		lits   []string
		window int
		want   []string
	}{
		{"none", "nothing here", []string{"fine", "ruling"}, 2, nil},
		{"one literal", "a fine day", []string{"fine", "ruling"}, 1, []string{"a fine d"}},
		{"two apart", "fine xxxxxxxxxx ruling", []string{"fine", "ruling"}, 1, []string{"fine x", "x ruling"}},
		{"two merged, out of order", "ruling fine", []string{"fine", "ruling"}, 2, []string{"ruling fine"}},
		{"same literal twice", "fine fine", []string{"fine", "zz"}, 1, []string{"fine fine"}},
		{"one rune more each side", "fine fine", []string{"fine", "zz"}, 0, []string{"fine ", " fine"}},
		{"upper case text", "A FINE RULING", []string{"fine", "ruling"}, 1, []string{"A FINE RULING"}},
		{"literals sharing two bytes", "finer final", []string{"fine", "fina"}, 0, []string{"finer", " final"}},
		{"overlapping literals", "xfinex", []string{"fine", "ine"}, 0, []string{"xfinex"}},
		{"at the very end", "ab fi", []string{"fi"}, 0, []string{" fi"}},
		{"window counts runes, not bytes", "ééé fine ééé", []string{"fine"}, 2, []string{"éé fine éé"}},
		{"windows meet after walking back", "fine ééé fine", []string{"fine"}, 3, []string{"fine ééé fine"}},
		{"windows apart by runes", "fine ééé fine", []string{"fine"}, 2, []string{"fine éé", "éé fine"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var x litIndex
			ids := map[string]int32{}
			for _, l := range tt.lits {
				x.add([]byte(l), 0, 0, ids)
			}
			x.add([]byte("xx"), 1, 0, ids)    // another expression's literal
			x.add([]byte("final"), 1, 0, ids) // overlapping one of ours
			low := newScratch(0, 0).lowerASCII(tt.text)
			var f litFound
			f.reset(2)
			x.find(low, &f)
			mine := f.hits[0]
			var got []string
			hitWindows(tt.text, mine, tt.window, func(start, end int) {
				got = append(got, tt.text[start:end])
			})
			if !slices.Equal(got, tt.want) {
				t.Errorf("windows = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLowerASCIIFindsLiterals(t *testing.T) {
	tests := []struct {
		name, s, lit string
		want         int
	}{
		{"lower", "xx gpt", "gpt", 3},
		{"upper", "xxGPTyy", "gpt", 2},
		{"mixed", "gPt", "gpt", 0},
		{"upper before lower", "G-GPT gpt", "gpt", 2},
		{"lower before upper", "g gpt GPT", "gpt", 2},
		{"false starts", "ggpgpt", "gpt", 3},
		{"too short", "gp", "gpt", -1},
		{"absent", "chatbot", "gpt", -1},
		{"digit first", "GPT-4O", "4o", 4},
		{"punctuation", "a-B", "-b", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			low := newScratch(0, 0).lowerASCII(tt.s)
			if got := bytes.Index(low, []byte(tt.lit)); got != tt.want {
				t.Errorf("index of %q in %q, ASCII case ignored = %d, want %d", tt.lit, tt.s, got, tt.want)
			}
		})
	}
}

// TestRegexPlanAlso checks the further literal sets an expression must
// also find before it runs: one per other piece of a sequence.
func TestRegexPlanAlso(t *testing.T) {
	tests := []struct {
		name, expr string
		lits       []string
		also       [][]string
	}{
		{"two sides", `(?i)\b(AI|chatbots?)\b[^.]{0,40}\bfined\b`, []string{"fined"}, [][]string{{"ai", "chatbot"}}},
		{"one piece", `(?i)\bfined\b`, []string{"fined"}, nil},
		{"alternation at the top", `(?i)fined|lawsuit`, []string{"fined", "lawsuit"}, nil},
		{"three sides", `(?i)\bcourt\b[^.]{0,9}\bruling\b[^.]{0,9}\bopenai\b`, []string{"ruling"}, [][]string{{"court"}, {"openai"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planRegex(tt.expr)
			lits := asStrings(p.lits)
			var also [][]string
			for _, set := range p.also {
				also = append(also, asStrings(set))
			}
			if !slices.Equal(lits, tt.lits) || !slices.EqualFunc(also, tt.also, slices.Equal) {
				t.Errorf("planRegex(%q) = %q also %q, want %q also %q", tt.expr, lits, also, tt.lits, tt.also)
			}
		})
	}
}

func asStrings(set [][]byte) []string {
	var out []string
	for _, b := range set {
		out = append(out, string(b))
	}
	return out
}
