package rules

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// asciiWord maps an ASCII byte to its lower-case form when it belongs to a
// word (letter or digit) and to 0 when it separates words. It is a read-only
// table: the ASCII fast path of the tokeniser is a single load per byte.
var asciiWord = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c] = c
		t[c-'a'+'A'] = c
	}
	return t
}()

// isWordRune reports whether a non-ASCII rune belongs to a word: letters,
// digits and combining marks (so decomposed accents stay in their word).
func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// isCJK reports whether r is written without spaces between words (Han,
// Hiragana, Katakana and the prolonged sound mark). Each such rune is a token
// of its own, so a keyword like 深度求索 matches inside a run of text.
func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return r == 0x30FC || r == 0xFF70 ||
		unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// attachesToCJK reports whether r modifies the CJK rune before it (voiced
// sound marks, combining marks) and so belongs to that rune's token.
func attachesToCJK(r rune) bool {
	switch r {
	case 0x3099, 0x309A, 0x309B, 0x309C, 0xFF9E, 0xFF9F:
		return true
	}
	return r >= utf8.RuneSelf && unicode.IsMark(r)
}

// stableRune reports whether r is left unchanged by NFKC and case folding,
// so the common CJK and kana runes skip the slow path.
func stableRune(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x3041 && r <= 0x3096) || (r >= 0x30A1 && r <= 0x30FA)
}

// nextWord finds the next word of s at or after byte i. It returns
// start == len(s) when there is none. ascii is true when the word is plain
// ASCII and can be folded by the lookup table.
func nextWord(s string, i int) (start, end int, ascii bool) {
	n := len(s)
	for i < n {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] != 0 {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			break
		}
		i += size
	}
	if i >= n {
		return n, n, true
	}
	start = i
	if c := s[i]; c >= utf8.RuneSelf {
		r, size := utf8.DecodeRuneInString(s[i:])
		if isCJK(r) {
			i += size
			for i < n {
				r, size := utf8.DecodeRuneInString(s[i:])
				if !attachesToCJK(r) {
					break
				}
				i += size
			}
			return start, i, false
		}
	}
	ascii = true
	for i < n {
		c := s[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] == 0 {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) || isCJK(r) {
			break
		}
		ascii = false
		i += size
	}
	return start, i, ascii
}

// folder turns a word into its comparison form: NFKC, then full Unicode case
// folding (so ß matches SS and full-width ＡＩ matches AI). It keeps its own
// buffers and is not safe for concurrent use; each scratch owns one.
type folder struct {
	caser cases.Caser
	nb    []byte // NFKC of the word
	fb    []byte // case folded
}

func newFolder() *folder { return &folder{caser: cases.Fold()} }

// fold appends the comparison form of word to dst, which must be empty.
func (f *folder) fold(dst []byte, word string, ascii bool) []byte {
	if ascii {
		for i := 0; i < len(word); i++ {
			dst = append(dst, asciiWord[word[i]])
		}
		return dst
	}
	if r, size := utf8.DecodeRuneInString(word); size == len(word) && stableRune(r) {
		return append(dst, word...)
	}
	f.nb = norm.NFKC.AppendString(f.nb[:0], word)
	if n, _ := f.caser.Span(f.nb, true); n == len(f.nb) {
		return append(dst, f.nb...)
	}
	f.fb = caseFold(f.caser, f.fb[:0], f.nb)
	// Folding can leave a decomposed sequence (ǰ -> j + caron); recompose it
	// so that every spelling of the word ends in the same bytes.
	return norm.NFKC.Append(dst, f.fb...)
}

func caseFold(c cases.Caser, dst, src []byte) []byte {
	c.Reset()
	for {
		dst = slices.Grow(dst, len(src)+8)
		nDst, nSrc, err := c.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		if err != transform.ErrShortDst || len(src) == 0 {
			return dst
		}
		dst = slices.Grow(dst, 2*len(src)+16)
	}
}

// foldWords splits s into words and returns their comparison forms.
func foldWords(s string) []string {
	f := newFolder()
	var words []string
	var buf []byte
	for i := 0; ; {
		start, end, ascii := nextWord(s, i)
		if start >= len(s) {
			return words
		}
		buf = f.fold(buf[:0], s[start:end], ascii)
		words = append(words, string(buf))
		i = end
	}
}

// FNV-1a, for the vocabulary table.
const (
	fnvOffset uint32 = 2166136261
	fnvPrime  uint32 = 16777619
)

func hashWord(b []byte) uint32 {
	h := fnvOffset
	for _, c := range b {
		h = (h ^ uint32(c)) * fnvPrime
	}
	return h
}

// next finds the next word of text at or after i and returns its place and
// the hash of its comparison form. An ASCII word (ascii true) is not copied:
// its comparison form is its bytes through asciiWord. Any other word's form
// is written to buf, returned as out. start == len(text) when no word is left.
func (f *folder) next(text string, i int, buf []byte) (start, end int, h uint32, ascii bool, out []byte) {
	n := len(text)
	for i < n {
		c := text[i]
		if c >= utf8.RuneSelf || asciiWord[c] != 0 {
			break
		}
		i++
	}
	start, h = i, fnvOffset
	for i < n {
		c := text[i]
		if c >= utf8.RuneSelf {
			if i > start {
				r, _ := utf8.DecodeRuneInString(text[i:])
				if !isWordRune(r) || isCJK(r) {
					break // the ASCII word ends here
				}
			}
			s, e, asc := nextWord(text, start)
			buf = f.fold(buf[:0], text[s:e], asc)
			return s, e, hashWord(buf), false, buf
		}
		l := asciiWord[c]
		if l == 0 {
			break
		}
		h = (h ^ uint32(l)) * fnvPrime
		i++
	}
	return start, i, h, true, buf
}
