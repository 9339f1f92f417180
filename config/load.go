package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// decoder walks the YAML syntax tree itself, rather than unmarshalling into
// structs, so that every problem it finds carries the line it stands on and
// one mistake does not hide the next.
type decoder struct {
	problems
	getenv  func(string) string
	anchors map[string]ast.Node
}

// entry is one key of a mapping with the node it maps to.
type entry struct {
	key   string
	line  int
	value ast.Node
}

// lineStr is a string with the line it was written on.
type lineStr struct {
	v    string
	line int
}

// parseYAML parses data into the body of its single document; nil means an
// empty file. A syntax error is recorded with its line and ends the decoding.
func (d *decoder) parseYAML(data []byte) (ast.Node, bool) {
	// Duplicate keys are found by the decoder, so that they are reported
	// along with every other problem instead of alone.
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		line, msg := 1, err.Error()
		var ye yaml.Error
		if errors.As(err, &ye) {
			msg = ye.GetMessage()
			if tk := ye.GetToken(); tk != nil && tk.Position != nil {
				line = tk.Position.Line
			}
		}
		d.add(line, "YAML syntax error: "+msg, "fix the YAML (indent with spaces, quote values that hold ': ' or start with '#', '*', '&' or '{')")
		return nil, false
	}
	var body ast.Node
	docs := 0
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		docs++
		if docs == 1 {
			body = doc.Body
			continue
		}
		d.add(line(doc.Body), "a second YAML document starts here", "keep the whole configuration in one document (remove the '---')")
	}
	if body != nil {
		ast.Walk(anchorCollector(d.anchors), body)
	}
	return body, true
}

type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil && an.Value != nil {
		a[an.Name.GetToken().Value] = an.Value
	}
	return a
}

// line is the line a node starts on, or 0 when it has none.
func line(n ast.Node) int {
	if n == nil {
		return 0
	}
	if tk := n.GetToken(); tk != nil && tk.Position != nil {
		return tk.Position.Line
	}
	return 0
}

// resolve looks through anchors, tags and aliases to the node that holds the value.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range 32 { // an alias chain longer than this is a loop
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.GetToken().Value
			}
			target, ok := d.anchors[name]
			if !ok {
				d.add(line(v), fmt.Sprintf("alias *%s refers to no anchor", name), "define &"+name+" earlier in the file, or write the value out")
				return nil
			}
			n = target
		default:
			return n
		}
	}
	return nil
}

// kind names a node's type as a user would say it.
func kind(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode, nil:
		return "empty"
	case *ast.BoolNode:
		return "a true/false value"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	default:
		return "text"
	}
}

// entries lists the keys of a mapping in order, following `<<` merge keys.
// ok is false when n is not a mapping (absent or empty counts as no keys).
func (d *decoder) entries(n ast.Node, what string) ([]entry, bool) {
	n = d.resolve(n)
	var values []*ast.MappingValueNode
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.MappingNode:
		values = v.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{v}
	default:
		d.add(line(n), fmt.Sprintf("%s must be a mapping of keys, not %s", what, kind(n)), "write its keys on indented lines below it, as key: value")
		return nil, false
	}
	var out, merged []entry
	for _, mv := range values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if mv.Key.IsMergeKey() {
			if es, ok := d.entries(mv.Value, "the value of <<"); ok {
				merged = append(merged, es...)
			}
			continue
		}
		key := d.resolve(mv.Key)
		if mk, ok := key.(*ast.MappingKeyNode); ok {
			key = d.resolve(mk.Value)
		}
		name := ""
		switch k := key.(type) {
		case *ast.StringNode:
			name = k.Value
		case nil:
		default:
			if tk := k.GetToken(); tk != nil {
				name = tk.Value
			}
		}
		out = append(out, entry{key: name, line: line(mv.Key), value: mv.Value})
	}
	// Keys written out override merged ones, and the first merge wins.
	have := map[string]bool{}
	for _, e := range out {
		have[e.key] = true
	}
	for _, e := range merged {
		if !have[e.key] {
			have[e.key] = true
			out = append(out, e)
		}
	}
	return out, true
}

// fields decodes a mapping whose keys must be among known: each known key is
// handed to set once; unknown and repeated keys are reported.
func (d *decoder) fields(n ast.Node, what string, known []string, set func(e entry)) bool {
	es, ok := d.entries(n, what)
	if !ok {
		return false
	}
	seen := map[string]int{}
	for _, e := range es {
		if first, dup := seen[e.key]; dup {
			d.add(e.line, fmt.Sprintf("%s has `%s` twice (first on line %d)", what, e.key, first), "keep only one of them")
			continue
		}
		seen[e.key] = e.line
		if !contains(known, e.key) {
			d.add(e.line, fmt.Sprintf("unknown key `%s` in %s", e.key, what), suggest(e.key, known))
			continue
		}
		set(e)
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// suggest names the known key nearest to an unknown one, or lists them all.
func suggest(key string, known []string) string {
	best, bestDist := "", 1<<30
	for _, k := range known {
		if dist := editDistance(strings.ToLower(key), k); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" && (bestDist <= 2 || bestDist*3 <= len(best)) {
		return fmt.Sprintf("did you mean `%s`?", best)
	}
	return "known keys here: " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
