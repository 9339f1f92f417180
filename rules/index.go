package rules

import "regexp"

// The index holds every plain keyword of every topic in one word trie, so an
// item's text is tokenised once and each word costs one map lookup whatever
// the number of keywords. Words are interned to small ids (the vocabulary);
// a word of the text that is not in the vocabulary cannot be part of any
// phrase except as the prefix-matched last word, which a byte trie over all
// prefixes answers in time bounded by the word's length.

// Roles of a pattern in a topic, as bits.
const (
	roleAny uint8 = 1 << iota
	roleAll
	roleNone
)

// Field bits, in the order fields are scanned (and keywords reported).
const (
	fieldTitle uint8 = iota
	fieldSummary
	fieldContent
	fieldCategories
	numFields
)

const allFields uint8 = 1<<numFields - 1

var fieldNames = [numFields]string{"title", "summary", "content", "categories"}

// use is one topic using a pattern.
type use struct {
	topic int32
	role  uint8
}

// pattern is one distinct keyword, shared by every topic that lists it.
type pattern struct {
	re     *regexp.Regexp // nil for a plain phrase
	plan   regexPlan
	fields uint8 // union of the fields of the topics using it
	uses   []use
}

// node is a word-trie node: the phrases ending here and whether any phrase
// goes on.
type node struct {
	terms []int32 // patterns whose last word (exact) ends here
	more  bool    // has children
	pfx   bool    // some pattern's prefix word follows here
}

type index struct {
	vocab    map[string]int32 // folded word -> word id
	rootEdge []int32          // word id -> child of the root (0: none)
	edges    map[uint64]int32 // node<<32 | word id -> child, for nodes other than the root
	nodes    []node           // nodes[0] is the root

	prefixes map[string]int32   // folded prefix -> prefix id
	pfxTerm  map[uint64][]int32 // node<<32 | prefix id -> patterns, for nodes other than the root
	rootPfx  [][]int32          // prefix id -> one-word prefix patterns
	pfxRoot  [256]int32         // first byte -> byte-trie state (0: none)
	pfxEdges map[uint64]int32   // state<<8 | byte -> next state
	pfxOut   []int32            // state -> prefix id ending there, or -1

	// Built by freeze for matching.
	table       wordTable
	trie        *byteTrie
	hasPrefixes bool
}

func newIndex() *index {
	return &index{
		vocab:    map[string]int32{},
		edges:    map[uint64]int32{},
		nodes:    make([]node, 1),
		prefixes: map[string]int32{},
		pfxTerm:  map[uint64][]int32{},
		pfxEdges: map[uint64]int32{},
		pfxOut:   []int32{-1},
	}
}

func (x *index) word(w string) int32 {
	id, ok := x.vocab[w]
	if !ok {
		id = int32(len(x.vocab))
		x.vocab[w] = id
		x.rootEdge = append(x.rootEdge, 0)
	}
	return id
}

func (x *index) child(n int32, w int32) int32 {
	var c int32
	if n == 0 {
		c = x.rootEdge[w]
	} else {
		c = x.edges[uint64(n)<<32|uint64(w)]
	}
	if c != 0 {
		return c
	}
	c = int32(len(x.nodes))
	x.nodes = append(x.nodes, node{})
	x.nodes[n].more = true
	if n == 0 {
		x.rootEdge[w] = c
	} else {
		x.edges[uint64(n)<<32|uint64(w)] = c
	}
	return c
}

// add puts a plain phrase into the trie as pattern p.
func (x *index) add(k keyword, p int32) {
	words := k.words
	if k.prefix {
		words = words[:len(words)-1]
	}
	var n int32
	for _, w := range words {
		n = x.child(n, x.word(w))
	}
	if !k.prefix {
		x.nodes[n].terms = append(x.nodes[n].terms, p)
		return
	}
	pid := x.prefix(k.words[len(k.words)-1])
	x.nodes[n].pfx = true
	if n == 0 {
		x.rootPfx[pid] = append(x.rootPfx[pid], p)
		return
	}
	key := uint64(n)<<32 | uint64(pid)
	x.pfxTerm[key] = append(x.pfxTerm[key], p)
}

// prefix interns a prefix word into the byte trie.
func (x *index) prefix(w string) int32 {
	if id, ok := x.prefixes[w]; ok {
		return id
	}
	id := int32(len(x.prefixes))
	x.prefixes[w] = id
	x.rootPfx = append(x.rootPfx, nil)
	state := x.pfxRoot[w[0]]
	if state == 0 {
		state = x.newState()
		x.pfxRoot[w[0]] = state
	}
	for i := 1; i < len(w); i++ {
		key := uint64(state)<<8 | uint64(w[i])
		next := x.pfxEdges[key]
		if next == 0 {
			next = x.newState()
			x.pfxEdges[key] = next
		}
		state = next
	}
	x.pfxOut[state] = id
	return id
}

func (x *index) newState() int32 {
	x.pfxOut = append(x.pfxOut, -1)
	return int32(len(x.pfxOut) - 1)
}

// freeze builds the lookup structures that matching uses and drops the
// maps that only building needs.
func (x *index) freeze() {
	x.table = newWordTable(x.vocab)
	x.hasPrefixes = len(x.prefixes) > 0
	x.trie = newByteTrie(x.prefixes, x.pfxRoot, x.pfxEdges, x.pfxOut)
	x.vocab, x.prefixes, x.pfxEdges = nil, nil, nil
}
