package rules_test

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/rules"
)

// naive is the baseline: one case-insensitive regular expression per
// keyword, run over the item's fields joined by new lines.
type naive struct {
	topics []naiveTopic
}

type naiveTopic struct {
	id             string
	any, all, none []*regexp.Regexp
}

func naiveRE(kw string) *regexp.Regexp {
	if len(kw) >= 2 && kw[0] == '/' && kw[len(kw)-1] == '/' {
		return regexp.MustCompile("(?i)" + kw[1:len(kw)-1])
	}
	body, prefix := strings.CutSuffix(kw, "*")
	words := strings.FieldsFunc(body, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	expr := `(?i)\b` + strings.Join(words, `[\s\p{P}]+`)
	if prefix {
		expr += `\w*`
	}
	return regexp.MustCompile(expr + `\b`)
}

func newNaive(topics []rules.Topic) *naive {
	n := &naive{}
	compile := func(kws []string) (res []*regexp.Regexp) {
		for _, k := range kws {
			res = append(res, naiveRE(k))
		}
		return res
	}
	for _, t := range topics {
		n.topics = append(n.topics, naiveTopic{id: t.ID, any: compile(t.Any), all: compile(t.All), none: compile(t.None)})
	}
	return n
}

func anyMatch(res []*regexp.Regexp, text string) bool {
	for _, re := range res {
		if re.MatchString(text) {
			return true
		}
	}
	return false
}

func (n *naive) match(it alert.Item) []string {
	text := it.Title + "\n" + it.Summary + "\n" + it.Content + "\n" + strings.Join(it.Categories, "\n")
	var ids []string
	for _, t := range n.topics {
		if !anyMatch(t.any, text) || anyMatch(t.none, text) {
			continue
		}
		ok := true
		for _, re := range t.all {
			ok = ok && re.MatchString(text)
		}
		if ok {
			ids = append(ids, t.id)
		}
	}
	return ids
}
