package feeds

import (
	"slices"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// MaxItems bounds the items read from one document. Real feeds carry tens
// to hundreds; a runaway one of 100,000 would cost gigabytes of allocation
// (gofeed parses every description as HTML while translating) and hold the
// database's write lock for long. The cap is applied to gofeed's raw parse,
// before that translation, keeping the newest items.
const MaxItems = 2000

// cappedParser is a gofeed parser whose translators first cut the raw
// feed's items to MaxItems.
func cappedParser() *gofeed.Parser {
	p := gofeed.NewParser()
	p.RSSTranslator = capRSS{}
	p.AtomTranslator = capAtom{}
	p.JSONTranslator = capJSON{}
	return p
}

type capRSS struct{ gofeed.DefaultRSSTranslator }

func (c capRSS) Translate(f any) (*gofeed.Feed, error) {
	if rf, ok := f.(*rss.Feed); ok {
		rf.Items = newest(rf.Items, func(it *rss.Item) *time.Time { return it.PubDateParsed })
	}
	return c.DefaultRSSTranslator.Translate(f)
}

type capAtom struct{ gofeed.DefaultAtomTranslator }

func (c capAtom) Translate(f any) (*gofeed.Feed, error) {
	if af, ok := f.(*atom.Feed); ok {
		af.Entries = newest(af.Entries, func(e *atom.Entry) *time.Time {
			if e.PublishedParsed != nil {
				return e.PublishedParsed
			}
			return e.UpdatedParsed
		})
	}
	return c.DefaultAtomTranslator.Translate(f)
}

type capJSON struct{ gofeed.DefaultJSONTranslator }

func (c capJSON) Translate(f any) (*gofeed.Feed, error) {
	if jf, ok := f.(*json.Feed); ok {
		jf.Items = newest(jf.Items, func(*json.Item) *time.Time { return nil })
	}
	return c.DefaultJSONTranslator.Translate(f)
}

// newest keeps the MaxItems most recently dated items, in document order.
// When some item has no date the document's own order decides: feeds list
// their newest first.
func newest[T any](items []*T, date func(*T) *time.Time) []*T {
	if len(items) <= MaxItems {
		return items
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	dated := true
	for _, it := range items {
		if it == nil || date(it) == nil {
			dated = false
			break
		}
	}
	if dated {
		slices.SortStableFunc(idx, func(a, b int) int { return date(items[b]).Compare(*date(items[a])) })
	}
	idx = idx[:MaxItems]
	slices.Sort(idx)
	out := make([]*T, len(idx))
	for i, j := range idx {
		out[i] = items[j]
	}
	return out
}
