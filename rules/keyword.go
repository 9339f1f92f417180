package rules

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors a keyword or topic can be refused with. Compile wraps them in a
// *KeywordError or *TopicError; test with errors.Is.
var (
	ErrEmptyKeyword   = errors.New("empty keyword")
	ErrNoWords        = errors.New("keyword has no letters or digits to match")
	ErrMisplacedStar  = errors.New("'*' may only end a keyword")
	ErrBadRegex       = errors.New("invalid regular expression")
	ErrUnknownField   = errors.New("unknown field")
	ErrDuplicateTopic = errors.New("duplicate topic id")
)

// KeywordError names the topic and keyword that Compile refused.
type KeywordError struct {
	Topic   string // topic id
	List    string // "any", "all" or "none"
	Index   int    // position in that list, from 0
	Keyword string // as configured
	Err     error  // wraps one of the Err* sentinels
}

func (e *KeywordError) Error() string {
	return fmt.Sprintf("topic %q: %s keyword %q: %v", e.Topic, e.List, e.Keyword, e.Err)
}

func (e *KeywordError) Unwrap() error { return e.Err }

// TopicError is a problem with a topic other than one of its keywords.
type TopicError struct {
	Topic string
	Err   error
}

func (e *TopicError) Error() string { return fmt.Sprintf("topic %q: %v", e.Topic, e.Err) }

func (e *TopicError) Unwrap() error { return e.Err }

// keyword is one parsed keyword: either a regular expression or a phrase of
// folded words whose last word may be a prefix.
type keyword struct {
	re     *regexp.Regexp
	words  []string
	prefix bool
}

// key identifies equal keywords so topics share one compiled pattern.
func (k keyword) key() string {
	if k.re != nil {
		return "/" + k.re.String()
	}
	s := strings.Join(k.words, " ")
	if k.prefix {
		s += "*"
	}
	return " " + s
}

// CheckKeyword reports whether kw is a valid keyword, with the same errors
// Compile gives (wrapping the Err* sentinels).
func CheckKeyword(kw string) error {
	_, err := parseKeyword(kw)
	return err
}

func parseKeyword(kw string) (keyword, error) {
	kw = strings.TrimSpace(kw)
	if kw == "" {
		return keyword{}, ErrEmptyKeyword
	}
	if len(kw) >= 2 && kw[0] == '/' && kw[len(kw)-1] == '/' {
		body := kw[1 : len(kw)-1]
		if strings.TrimSpace(body) == "" {
			return keyword{}, ErrEmptyKeyword
		}
		// Compile the body alone first so the error quotes what was written.
		if _, err := regexp.Compile(body); err != nil {
			return keyword{}, fmt.Errorf("%w: %w", ErrBadRegex, err)
		}
		re, err := regexp.Compile("(?i)" + body)
		if err != nil {
			return keyword{}, fmt.Errorf("%w: %w", ErrBadRegex, err)
		}
		return keyword{re: re}, nil
	}
	body, prefix := strings.CutSuffix(kw, "*")
	if strings.Contains(body, "*") {
		return keyword{}, ErrMisplacedStar
	}
	words := foldWords(body)
	if len(words) == 0 {
		return keyword{}, ErrNoWords
	}
	return keyword{words: words, prefix: prefix}, nil
}
