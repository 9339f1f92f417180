// Package rules compiles topic keyword rules once and matches items against
// them in one pass over each item's text. It does no I/O.
package rules

import "github.com/policyradar/policyradar/alert"

// Topic is the matching part of a configured topic.
type Topic struct {
	ID   string
	Any  []string // at least one must match (if empty, the topic matches nothing)
	All  []string // every one must match
	None []string // none may match
	In   []string // fields: "title", "summary", "content", "categories"; empty = all four
}

// Set is a compiled set of topics, safe for concurrent use.
type Set struct{}

// Compile compiles topics. Errors name the topic and the bad keyword.
func Compile(topics []Topic) (*Set, error) { panic("rules: Compile not implemented") }

// Match returns the topics the item matches, in the order the topics were
// given, each with the keywords (from Any and All) that matched. When only is
// non-empty, just those topic ids are considered (per-feed restriction).
func (s *Set) Match(it alert.Item, only ...string) []alert.Match {
	panic("rules: Match not implemented")
}
