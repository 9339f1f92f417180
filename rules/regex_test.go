package rules

import (
	"bytes"
	"testing"
)

func TestRequiredLiteral(t *testing.T) {
	tests := []struct{ name, expr, want string }{
		{"optional parts", `(?i)gpt-?4o?`, "gpt"},
		{"longest run", `(?i)\$\d+ million`, " million"},
		{"alternation has none", `(?i)openai|anthropic`, ""},
		{"common prefix of alternation", `(?i)gpt-4|gpt-5`, "gpt-"},
		{"k and s end a run", `(?i)risk assessment`, "ment"},
		{"non-ascii ends a run", `(?i)ÉTATS`, "tat"},
		{"plus keeps its literal", `(?i)(openai)+ x`, "openai"},
		{"star drops its literal", `(?i)(open)* wei`, " wei"},
		{"repeat from one", `(?i)(abc){1,3}`, "abc"},
		{"too short", `(?i)a.b`, ""},
		{"character class only", `(?i)[a-z]+`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := requiredLiteral(tt.expr); got != tt.want {
				t.Errorf("requiredLiteral(%q) = %q, want %q", tt.expr, got, tt.want)
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
