package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// str reads a scalar as text, expanding ${VAR} in text scalars. Numbers and
// booleans are taken as written (a Discord channel ID is a number to YAML).
// An empty value gives "". ok is false, and the problem recorded, otherwise.
func (d *decoder) str(n ast.Node, what string) (string, bool) {
	n = d.resolve(n)
	var raw string
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return "", true
	case *ast.StringNode:
		raw = v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			raw = v.Value.Value
		}
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
		d.add(line(n), fmt.Sprintf("%s must be a single value, not %s", what, kind(n)), "write it on the same line after the colon (quote it if it holds ': ' or starts with '#')")
		return "", false
	default:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
		return "", true
	}
	s, err := expand(raw, d.getenv)
	if err != nil {
		d.add(line(n), what+": "+err.Error(), "")
		return "", false
	}
	return s, true
}

// list reads a list of scalars; a single scalar counts as a list of one.
// An absent or empty value gives nil; `[]` gives an empty, non-nil list.
func (d *decoder) list(n ast.Node, what string) ([]lineStr, bool) {
	n = d.resolve(n)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.SequenceNode:
		out := make([]lineStr, 0, len(v.Values))
		ok := true
		for _, item := range v.Values {
			s, good := d.str(item, "each entry of "+what)
			if !good {
				ok = false
				continue
			}
			out = append(out, lineStr{v: s, line: line(item)})
		}
		return out, ok
	case *ast.MappingNode, *ast.MappingValueNode:
		d.add(line(n), fmt.Sprintf("%s must be a list, not %s", what, kind(n)), "write [a, b] or one '- item' a line")
		return nil, false
	default:
		s, ok := d.str(n, what)
		if !ok {
			return nil, false
		}
		return []lineStr{{v: s, line: line(n)}}, true
	}
}

// duration reads a Go duration of at least least.
func (d *decoder) duration(n ast.Node, what string, least time.Duration) (time.Duration, bool) {
	n = d.resolve(n)
	if _, isNum := n.(*ast.IntegerNode); isNum {
		d.add(line(n), fmt.Sprintf("%s %s has no unit", what, n.GetToken().Value), "write a duration with its unit, like 90s, 10m or 168h")
		return 0, false
	}
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		d.add(line(n), fmt.Sprintf("%s %q is not a duration", what, s), "write a duration in Go syntax, like 90s, 10m, 1h30m or 168h")
		return 0, false
	}
	if v < least {
		d.add(line(n), fmt.Sprintf("%s %s is too short", what, s), fmt.Sprintf("write %s or more", least))
		return 0, false
	}
	return v, true
}

// integer reads a whole number.
func (d *decoder) integer(n ast.Node, what string) (int, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		d.add(line(d.resolve(n)), fmt.Sprintf("%s %q is not a whole number", what, s), "write a number such as 0 or 5")
		return 0, false
	}
	return v, true
}

// boolean reads true or false.
func (d *decoder) boolean(n ast.Node, what string) (bool, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return false, false
	}
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	d.add(line(d.resolve(n)), fmt.Sprintf("%s %q is not true or false", what, s), "write true or false")
	return false, false
}

// sizeUnits are the byte units accepted after a number, in lower case.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30,
}

// size reads a byte count: a whole number with an optional unit (10MiB,
// 512KiB, 1MB or 1048576). It must be positive.
func (d *decoder) size(n ast.Node, what string) (int64, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return 0, false
	}
	v, err := parseSize(s)
	if err != nil {
		d.add(line(d.resolve(n)), fmt.Sprintf("%s %q is not a size: %v", what, s, err), "write a whole number of bytes with a unit, like 10MiB, 512KiB or 1MB")
		return 0, false
	}
	return v, true
}

func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("it does not start with a number")
	}
	num, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the number is too large")
	}
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(s[i:]))]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q", strings.TrimSpace(s[i:]))
	}
	if num == 0 {
		return 0, fmt.Errorf("it must be more than 0")
	}
	if num > math.MaxInt64/unit {
		return 0, fmt.Errorf("the number is too large")
	}
	return num * unit, nil
}
