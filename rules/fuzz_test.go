package rules_test

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/rules"
)

// The reference matcher below is the keyword syntax written the slow, obvious
// way: split into words, fold each with the x/text helpers, and compare every
// window of words. The fuzz target checks the real matcher against it.

func refCJK(r rune) bool {
	return refWordRune(r) && (r == 0x30FC || r == 0xFF70 || unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana))
}

func refWordRune(r rune) bool {
	return r != unicode.ReplacementChar && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

func refAttaches(r rune) bool {
	return unicode.IsMark(r) || strings.ContainsRune("\u3099\u309A\u309B\u309C\uFF9E\uFF9F", r)
}

// refSpans returns the byte spans of the words of s.
func refSpans(s string) [][2]int {
	var spans [][2]int
	const none, word, cjk = 0, 1, 2
	state, start := none, 0
	for i, r := range s {
		if state == cjk && refAttaches(r) {
			continue
		}
		if state == cjk || (state == word && (!refWordRune(r) || refCJK(r))) {
			spans = append(spans, [2]int{start, i})
			state = none
		}
		switch {
		case refCJK(r):
			state, start = cjk, i
		case refWordRune(r) && state != word:
			state, start = word, i
		}
	}
	if state != none {
		spans = append(spans, [2]int{start, len(s)})
	}
	return spans
}

func refFold(w string) string {
	return norm.NFKC.String(cases.Fold().String(norm.NFKC.String(w)))
}

// refMatch returns the texts the plain keywords match in s, in order, without
// case-insensitive duplicates. ok is false when a keyword is invalid.
func refMatch(kws []string, s string) (texts []string, ok bool) {
	spans := refSpans(s)
	words := make([]string, len(spans))
	for i, sp := range spans {
		words[i] = refFold(s[sp[0]:sp[1]])
	}
	var found [][2]int
	for _, kw := range kws {
		kw = strings.TrimSpace(kw)
		body, prefix := strings.CutSuffix(kw, "*")
		if strings.Contains(body, "*") {
			return nil, false
		}
		var kwords []string
		for _, sp := range refSpans(body) {
			kwords = append(kwords, refFold(body[sp[0]:sp[1]]))
		}
		if len(kwords) == 0 {
			return nil, false
		}
		for i := 0; i+len(kwords) <= len(words); i++ {
			matched := true
			for j, kw := range kwords {
				w := words[i+j]
				if j == len(kwords)-1 && prefix {
					matched = strings.HasPrefix(w, kw)
				} else {
					matched = w == kw
				}
				if !matched {
					break
				}
			}
			if matched {
				found = append(found, [2]int{spans[i][0], spans[i+len(kwords)-1][1]})
			}
		}
	}
	slices.SortFunc(found, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	for _, f := range found {
		t := s[f[0]:f[1]]
		if !slices.ContainsFunc(texts, func(x string) bool { return strings.EqualFold(x, t) }) {
			texts = append(texts, t)
		}
	}
	return texts, true
}

// isRegexKeyword tells a /regex/ keyword from a plain one.
func isRegexKeyword(k string) bool {
	k = strings.TrimSpace(k)
	return len(k) >= 2 && k[0] == '/' && k[len(k)-1] == '/'
}

// refRegexFinds is what a regex keyword should report on text: every
// non-empty match of re, in order, without case-insensitive duplicates.
func refRegexFinds(re *regexp.Regexp, text string) []string {
	var want []string
	for _, loc := range re.FindAllStringIndex(text, -1) {
		w := text[loc[0]:loc[1]]
		if w != "" && !slices.ContainsFunc(want, func(x string) bool { return strings.EqualFold(x, w) }) {
			want = append(want, w)
		}
	}
	return want
}

func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"AI", "She said AI"},
		{"BIS|bank for international settlement*", "Lobster bisque; BIS; Bank-for International Settlements"},
		{"open weights|open-weight*", "Open-Weights and open  weightless"},
		{"export control*|entity list", "Export controls on the Entity List"},
		{"états|straße", "ÉTATS-UNIS STRASSE e\u0301tats"},
		{"深度求索|AI", "中国公司深度求索发布AI模型"},
		{"ガ|ディープシーク", "ｶﾞ ディープシーク"},
		{"*", "anything"},
		{"ex*port", "export"},
		{"/gpt-?4/", "GPT-4"},
		{"/kelvin|ſtate/", "\u212Aelvin STATE"},
		{"/(?-i:GPT)-4/", "gpt-4 GPT-4"},
		{`/\bgpt-?4o?\b/`, "xgpt4 gpt-4o, GPT4o-mini ágpt4 gpt4é"},
		{"/a.{0,3}gpt/", "a gpt aXXXXgpt ééégpt"},
		{"ǰ|ﬁ", "J̌ fine ﬁne"},
		{`/\b(fined?|lawsuits?)\b[^.]{0,20}\bAI\b/`, "AI fined. Fine AI, LAWSUIT over ai; fined xx AI fined"},
		{"/(openai|anthropic|ſued) sued/", "Anthropic sued; OPENAI SUED ſued sued"},
		{`/\bAI\b[^.]{0,20}\bfined\b/|/\bfined\b[^.]{0,20}\bAI\b/|fined|/open[- ]?source[sd]?/`, "AI was fined. Fined, the AI firm open-sourced; open sources"},
		{`/\b(court|judge)s? rul\w{0,3}/|/\bcourt\b/|/rul(es|ing)\b/`, "Court rules; the judge ruling; courts ruled"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kwList, text string) {
		kws := strings.Split(kwList, "|")
		if len(kws) > 6 {
			kws = kws[:6]
		}
		set, err := rules.Compile([]rules.Topic{{ID: "t", Any: kws, In: []string{"title"}}})
		regex := slices.ContainsFunc(kws, isRegexKeyword)
		if regex {
			if err != nil {
				return
			}
			got := set.Match(alert.Item{Title: text, Summary: text, Categories: []string{text}})
			if len(kws) == 1 {
				k := strings.TrimSpace(kws[0])
				want := refRegexFinds(regexp.MustCompile("(?i)"+k[1:len(k)-1]), text)
				var gotTexts []string
				if len(got) > 0 {
					gotTexts = got[0].Keywords
				}
				if !reflect.DeepEqual(gotTexts, want) {
					t.Fatalf("regex %q on %q: got %q, regexp finds %q", k, text, gotTexts, want)
				}
				return
			}
			// Several expressions in one set share one literal pass; each
			// topic must find exactly what its keyword finds alone.
			var topics []rules.Topic
			for i, k := range kws {
				topics = append(topics, rules.Topic{ID: fmt.Sprint(i), Any: []string{k}, In: []string{"title"}})
			}
			multi, err := rules.Compile(topics)
			if err != nil {
				t.Fatalf("Compile of %q one topic each: %v", kws, err)
			}
			byTopic := map[string][]string{}
			for _, m := range multi.Match(alert.Item{Title: text}) {
				byTopic[m.Topic] = m.Keywords
			}
			for i, k := range kws {
				alone, err := rules.Compile([]rules.Topic{{ID: "t", Any: []string{k}, In: []string{"title"}}})
				if err != nil {
					t.Fatalf("Compile(%q) alone: %v", k, err)
				}
				var want []string
				if m := alone.Match(alert.Item{Title: text}); len(m) > 0 {
					want = m[0].Keywords
				}
				if got := byTopic[fmt.Sprint(i)]; !reflect.DeepEqual(got, want) {
					t.Fatalf("keyword %q among %q on %q: got %q, alone %q", k, kws, text, got, want)
				}
			}
			return
		}
		want, ok := refMatch(kws, text)
		if !ok {
			if err == nil {
				t.Fatalf("Compile(%q) accepted keywords the reference refuses", kws)
			}
			return
		}
		if err != nil {
			t.Fatalf("Compile(%q): %v", kws, err)
		}
		got := set.Match(alert.Item{Title: text, Summary: text})
		var gotTexts []string
		if len(got) > 0 {
			gotTexts = got[0].Keywords
		}
		if !reflect.DeepEqual(gotTexts, want) {
			t.Fatalf("keywords %q in %q: got %q, reference %q", kws, text, gotTexts, want)
		}
	})
}
