package rules_test

import (
	"strings"
	"testing"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/rules"
)

// TestMatchAllocs holds matching to its promise: nothing allocated for an
// item that matches no topic, and two allocations (the matches and one array
// for all their keywords) for an item that does, whatever the number of
// topics and keywords.
func TestMatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	set, err := rules.Compile([]rules.Topic{
		{ID: "models", Any: []string{"open weights", "open-weight model*", "Llama", "深度求索"}, None: []string{"Ollama"}},
		{ID: "export", Any: []string{"export control*", "entity list", "BIS"}, In: []string{"title", "summary"}},
		{ID: "gpt", Any: []string{"/gpt-?4o?/"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.Repeat("Officials said the new rules on chips, exports and ÉTATS-UNIS trade would follow. ", 12)
	tests := []struct {
		name string
		item alert.Item
		max  float64
	}{
		{"no match", alert.Item{Title: "Quarterly results", Summary: body, Content: body, Categories: []string{"Business"}}, 0},
		{"no match with the regex literal", alert.Item{Title: "ChatGPT-like", Summary: body}, 0},
		{"plain matches", alert.Item{Title: "BIS adds firms to the Entity List", Summary: "Open-Weights Llama " + body}, 2},
		{"CJK match", alert.Item{Title: "中国公司深度求索发布模型"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set.Match(tt.item) // warm the pool
			if got := testing.AllocsPerRun(100, func() { set.Match(tt.item) }); got > tt.max {
				t.Errorf("Match allocated %.1f times per item, want at most %.0f", got, tt.max)
			}
		})
	}
}
