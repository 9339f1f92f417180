package config

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// keywords reads and checks one of a topic's keyword lists. Every entry is
// kept, good or bad, so that a topic whose only keyword is wrong is reported
// for that keyword and not also for having none.
func (d *decoder) keywords(e entry, what string) []string {
	ls, ok := d.list(e.value, what)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		if msg, fix := checkKeyword(l.v); msg != "" {
			d.add(l.line, what+": "+msg, fix)
		}
		out = append(out, l.v)
	}
	return out
}

// checkKeyword returns what is wrong with a keyword and how to fix it, or "".
// A keyword is a phrase, a phrase with a trailing *, or a /regular expression/.
func checkKeyword(kw string) (msg, fix string) {
	trimmed := strings.TrimSpace(kw)
	if len(trimmed) >= 2 && strings.HasPrefix(trimmed, "/") && strings.HasSuffix(trimmed, "/") {
		body := trimmed[1 : len(trimmed)-1]
		if body == "" {
			return "the regular expression // is empty", "write a pattern between the slashes, like /gpt-?[0-9]/"
		}
		re, err := regexp.Compile("(?i)" + body)
		if err != nil {
			if _, plain := regexp.Compile(body); plain != nil {
				err = plain // its message quotes the pattern as written
			}
			return fmt.Sprintf("invalid regular expression %s: %v", trimmed, strings.TrimPrefix(err.Error(), "error parsing regexp: ")),
				"fix the pattern (Go RE2 syntax: no look-arounds or back-references)"
		}
		if re.MatchString("") {
			return fmt.Sprintf("regular expression %s matches empty text, so it would match every item", trimmed),
				"make it require at least one character (use + rather than *)"
		}
		return "", ""
	}
	words := strings.TrimSuffix(trimmed, "*")
	if strings.IndexFunc(words, isWordRune) < 0 {
		if trimmed == "" {
			return "a keyword is empty", `write a word or phrase, like "export control*", or remove the entry`
		}
		return fmt.Sprintf("keyword %q has no letters or digits, so it can never match", kw), `write a word or phrase, like "export control*"`
	}
	return "", ""
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
