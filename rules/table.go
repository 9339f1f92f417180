package rules

import (
	"math/bits"
	"slices"
)

// wordTable maps folded words to ids with open addressing on a hash that the
// tokeniser computes while folding, so a word of the text that no keyword
// uses (most of them) costs one probe of a sparse table.
type wordTable struct {
	mask  uint32
	slots []wordSlot
	words []string // by id
}

type wordSlot struct {
	hash uint32
	id   int32 // -1: empty
}

func newWordTable(vocab map[string]int32) wordTable {
	size := max(64, 1<<bits.Len(uint(4*len(vocab))))
	t := wordTable{mask: uint32(size - 1), slots: make([]wordSlot, size), words: make([]string, len(vocab))}
	for i := range t.slots {
		t.slots[i].id = -1
	}
	for w, id := range vocab {
		t.words[id] = w
		h := hashWord([]byte(w))
		i := h & t.mask
		for t.slots[i].id >= 0 {
			i = (i + 1) & t.mask
		}
		t.slots[i] = wordSlot{hash: h, id: id}
	}
	return t
}

// lookup returns the id of folded word w (whose hash is h), or -1.
func (t *wordTable) lookup(w []byte, h uint32) int32 {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s.id < 0 {
			return -1
		}
		if s.hash == h && t.words[s.id] == string(w) {
			return s.id
		}
	}
}

// lookupASCII is lookup for an ASCII word as it stands in the text.
func (t *wordTable) lookupASCII(w string, h uint32) int32 {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s.id < 0 {
			return -1
		}
		if s.hash == h && equalASCII(t.words[s.id], w) {
			return s.id
		}
	}
}

// equalASCII reports whether folded equals ASCII word w folded.
func equalASCII(folded, w string) bool {
	if len(folded) != len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if folded[i] != asciiWord[w[i]] {
			return false
		}
	}
	return true
}

// byteTrie holds every prefix keyword's last word, byte by byte, with each
// state's children in a short sorted array. Bitmaps of the first two and
// three bytes turn most words away before the walk. A word is never empty.
type byteTrie struct {
	gate   [1 << 16 / 64]uint64 // first two bytes of every prefix
	gate3  [1 << 16 / 64]uint64 // hash of the first three bytes of prefixes that long
	short  bool                 // some prefix is shorter than three bytes
	root   [256]int32           // first byte -> state (0: none)
	first  []int32              // state -> start of its children in labels/next; len = states+1
	labels []byte
	next   []int32
	out    []int32 // state -> prefix id ending there, or -1
}

func newByteTrie(prefixes map[string]int32, root [256]int32, edges map[uint64]int32, out []int32) *byteTrie {
	t := &byteTrie{root: root, out: out}
	for p := range prefixes {
		if len(p) >= 3 {
			k := gate3Key(p[0], p[1], p[2])
			t.gate3[k/64] |= 1 << (k % 64)
		} else {
			t.short = true
		}
		if len(p) >= 2 {
			k := uint(p[0])<<8 | uint(p[1])
			t.gate[k/64] |= 1 << (k % 64)
			continue
		}
		for b := range uint(256) { // a one-byte prefix lets any second byte through
			k := uint(p[0])<<8 | b
			t.gate[k/64] |= 1 << (k % 64)
		}
	}
	children := make([][]uint64, len(out))
	for key := range edges {
		state := key >> 8
		children[state] = append(children[state], key)
	}
	t.first = make([]int32, len(out)+1)
	for state, keys := range children {
		slices.Sort(keys)
		t.first[state] = int32(len(t.labels))
		for _, key := range keys {
			t.labels = append(t.labels, byte(key))
			t.next = append(t.next, edges[key])
		}
	}
	t.first[len(out)] = int32(len(t.labels))
	return t
}

// prefixesOf appends the ids of every prefix that word w starts with. With
// ascii, w is an ASCII word as it stands in the text; without, it is folded.
func prefixesOf[W string | []byte](t *byteTrie, w W, ascii bool, dst []int32) []int32 {
	at := func(i int) byte {
		if ascii {
			return asciiWord[w[i]]
		}
		return w[i]
	}
	b0 := at(0)
	limit := len(w)
	if len(w) >= 3 {
		if k := gate3Key(b0, at(1), at(2)); t.gate3[k/64]&(1<<(k%64)) == 0 {
			if !t.short {
				return dst
			}
			limit = 2 // only a prefix of one or two bytes can match
		}
	}
	if len(w) >= 2 {
		if k := uint(b0)<<8 | uint(at(1)); t.gate[k/64]&(1<<(k%64)) == 0 {
			return dst
		}
	}
	state := t.root[b0]
	if state == 0 {
		return dst
	}
	if id := t.out[state]; id >= 0 {
		dst = append(dst, id)
	}
	for i := 1; i < limit; i++ {
		b := at(i)
		labels := t.labels[t.first[state]:t.first[state+1]]
		j := 0
		for j < len(labels) && labels[j] < b {
			j++
		}
		if j == len(labels) || labels[j] != b {
			return dst
		}
		state = t.next[int(t.first[state])+j]
		if id := t.out[state]; id >= 0 {
			dst = append(dst, id)
		}
	}
	return dst
}

func gate3Key(b0, b1, b2 byte) uint {
	return (uint(b0)*0x9E37 ^ uint(b1)*0x85EB ^ uint(b2)*0xC2B3) & 0xFFFF
}
