package rules

import (
	"bytes"
	"slices"
)

// litIndex finds the literals of every regular expression in one pass over a
// field, instead of one search of the field per literal: each literal is
// filed under its first two bytes, and the pass looks up each pair of bytes
// of the (ASCII-lower-cased) field. Only expressions one of whose literals
// occurs are then run, around the places it occurs.
type litIndex struct {
	lits   [][]byte
	users  [][]litUser // literal -> the expressions that need it
	first  []uint16    // first two bytes -> 1 + index into groups (0: none)
	groups [][]int32   // literals sharing their first two bytes
	seen   [256]bool   // bytes that begin some literal
}

// litUser is an expression (its position in Set.regexes) and which of its
// literal sets a literal belongs to (0: the one its windows are built on).
type litUser struct {
	ri  int32
	set uint8
}

// add files lit as a literal of set number set of regex number ri; the same
// literal shared by several expressions is stored once.
func (x *litIndex) add(lit []byte, ri int32, set uint8, ids map[string]int32) {
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
	u := litUser{ri: ri, set: set}
	if us := x.users[id]; !slices.Contains(us, u) {
		x.users[id] = append(us, u)
	}
}

// litHit is one place a literal occurs: its byte range in the field.
type litHit struct{ start, end int32 }

// litFound is what one pass found, per expression (indexed like
// Set.regexes): the places its window literals (set 0) occur, in order, and
// which of its literal sets occur at all. It is reused across fields; reset
// clears only what the last pass touched.
type litFound struct {
	hits    [][]litHit
	sets    []uint8
	touched []int32
}

func (f *litFound) reset(n int) {
	if len(f.sets) != n {
		f.hits, f.sets, f.touched = make([][]litHit, n), make([]uint8, n), f.touched[:0]
		return
	}
	for _, ri := range f.touched {
		f.hits[ri], f.sets[ri] = f.hits[ri][:0], 0
	}
	f.touched = f.touched[:0]
}

// find records in f, for every expression, where its literals occur in low.
func (x *litIndex) find(low []byte, f *litFound) {
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
			if !bytes.HasPrefix(low[i:], lit) {
				continue
			}
			for _, u := range x.users[id] {
				if f.sets[u.ri] == 0 {
					f.touched = append(f.touched, u.ri)
				}
				f.sets[u.ri] |= 1 << u.set
				if u.set == 0 {
					f.hits[u.ri] = append(f.hits[u.ri], litHit{start: int32(i), end: int32(i + len(lit))})
				}
			}
		}
	}
}
