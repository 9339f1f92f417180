package config

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// palette holds colours that read well on Discord's light and dark themes.
var palette = [...]int{
	0xdc2626, // red
	0xea580c, // orange
	0xd97706, // amber
	0x65a30d, // lime
	0x16a34a, // green
	0x0d9488, // teal
	0x0891b2, // cyan
	0x2563eb, // blue
	0x4f46e5, // indigo
	0x7c3aed, // violet
	0xc026d3, // fuchsia
	0xdb2777, // pink
}

// TopicColor is the colour a topic gets when its config names none: a pick
// from a fixed palette by a hash of the id, so it never changes between runs.
func TopicColor(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return palette[h.Sum32()%uint32(len(palette))]
}

// color reads "#rrggbb".
func (d *decoder) color(e entry, dst *int) {
	n := d.resolve(e.value)
	if _, empty := n.(*ast.NullNode); empty || n == nil {
		d.add(valueLine(e), "topic color is empty", `quote it: color: "#d97706" (an unquoted # starts a comment)`)
		return
	}
	s, ok := d.str(n, "topic color")
	if !ok {
		return
	}
	v, err := parseColor(s)
	if err != nil {
		d.add(valueLine(e), fmt.Sprintf("topic color %q is not a colour", s), `write "#rrggbb" in quotes, like color: "#d97706"`)
		return
	}
	*dst = v
}

func parseColor(s string) (int, error) {
	s = strings.TrimSpace(s)
	if len(s) != 7 || s[0] != '#' {
		return 0, fmt.Errorf("not #rrggbb")
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return 0, err
	}
	return int(v), nil
}
