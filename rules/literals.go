package rules

import "bytes"

// litIndex finds the literals of every regular expression in one pass over a
// field, instead of one search of the field per literal: each literal is
// filed under its first two bytes, and the pass looks up each pair of bytes
// of the (ASCII-lower-cased) field. Only expressions one of whose literals
// occurs are then run, around the places it occurs.
type litIndex struct {
	lits   [][]byte
	users  [][]int32 // literal -> positions in Set.regexes that need it
	first  []uint16  // first two bytes -> 1 + index into groups (0: none)
	groups [][]int32 // literals sharing their first two bytes
	seen   [256]bool // bytes that begin some literal
}

// add files lit as a literal of regex number ri and returns nothing; the
// same literal shared by several expressions is stored once.
func (x *litIndex) add(lit []byte, ri int32, ids map[string]int32) {
	id, ok := ids[string(lit)]
	if !ok {
		id = int32(len(x.lits))
		ids[string(lit)] = id
		x.lits = append(x.lits, lit)
		x.users = append(x.users, nil)
		if x.first == nil {
			x.first = make([]uint16, 1<<16)
		}
		key := uint16(lit[0])<<8 | uint16(lit[1])
		g := x.first[key]
		if g == 0 {
			x.groups = append(x.groups, nil)
			g = uint16(len(x.groups)) // at most one group per pair of bytes, so it fits
			x.first[key] = g
		}
		x.groups[g-1] = append(x.groups[g-1], id)
		x.seen[lit[0]] = true
	}
	if u := x.users[id]; len(u) == 0 || u[len(u)-1] != ri {
		x.users[id] = append(u, ri)
	}
}

// litHit is one place a literal occurs: its byte range in the field.
type litHit struct {
	ri         int32 // position in Set.regexes
	start, end int32
}

// find appends to hits, for every regex that needs a literal occurring in
// low, where it occurs, in order of position; hits are grouped later.
func (x *litIndex) find(low []byte, hits []litHit) []litHit {
	if len(x.lits) == 0 {
		return hits
	}
	for i := 0; i+1 < len(low); i++ {
		if !x.seen[low[i]] {
			continue
		}
		g := x.first[uint16(low[i])<<8|uint16(low[i+1])]
		if g == 0 {
			continue
		}
		for _, id := range x.groups[g-1] {
			lit := x.lits[id]
			if bytes.HasPrefix(low[i:], lit) {
				for _, ri := range x.users[id] {
					hits = append(hits, litHit{ri: ri, start: int32(i), end: int32(i + len(lit))})
				}
			}
		}
	}
	return hits
}
