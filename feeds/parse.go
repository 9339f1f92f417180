package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/policyradar/policyradar/alert"
)

// document is a parsed and normalised feed.
type document struct {
	title string
	items []alert.Item
	hub   string
	self  string
}

// parseDocument parses data (contentType may name its charset) and
// normalises its items; relative links resolve against feedURL.
func parseDocument(data []byte, contentType, feedURL string, now time.Time) (*document, error) {
	data = toUTF8(data, contentType)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the document is empty", ErrNotFeed)
	}
	p := cappedParser()
	p.KeepOriginalFeed = true // Atom keeps rel=hub links only on the original
	feed, err := p.Parse(bytes.NewReader(data))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, notFeedError(data, feedURL)
		}
		return nil, fmt.Errorf("parse feed: %w", err)
	}

	// Relative links resolve against the feed's URL; a feed read from a file
	// (or with no URL) speaks for itself through its self or site link.
	base := feedURL
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		base = firstNonEmpty(feed.FeedLink, feed.Link)
	}
	doc := &document{
		title: PlainText(feed.Title),
		items: make([]alert.Item, 0, len(feed.Items)),
	}
	doc.hub, doc.self = feedHubSelf(feed)
	if doc.hub != "" {
		doc.hub = NormalizeLink(doc.hub, base)
	}
	if doc.self != "" {
		doc.self = NormalizeLink(doc.self, base)
	}
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		doc.items = append(doc.items, normalizeItem(it, feedURL, base, now))
	}
	return doc, nil
}

// notFeedError says what the document looks like when it is not a feed.
func notFeedError(data []byte, pageURL string) error {
	head := bytes.ToLower(data[:min(len(data), 2048)])
	if bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")) {
		if alt := feedLinkInHTML(data); alt != "" {
			alt = NormalizeLink(alt, pageURL)
			return fmt.Errorf("%w: looks like an HTML page (it links to a feed at %s)", ErrNotFeed, alt)
		}
		return fmt.Errorf("%w: looks like an HTML page", ErrNotFeed)
	}
	return fmt.Errorf("%w: no RSS, Atom or JSON Feed found", ErrNotFeed)
}

// feedHubSelf finds the WebSub hub and the self link the document advertises.
func feedHubSelf(feed *gofeed.Feed) (hub, self string) {
	self = feed.FeedLink
	if af, ok := feed.OriginalFeed().(*atom.Feed); ok {
		for _, l := range af.Links {
			if l != nil && strings.EqualFold(l.Rel, "hub") && hub == "" {
				hub = l.Href
			}
		}
	}
	// RSS carries atom:link elements as extensions.
	for _, prefix := range []string{"atom", "atom10", "atom03"} {
		for _, l := range feed.Extensions[prefix]["link"] {
			rel := strings.ToLower(l.Attrs["rel"])
			if rel == "hub" && hub == "" {
				hub = l.Attrs["href"]
			}
			if rel == "self" && self == "" {
				self = l.Attrs["href"]
			}
		}
	}
	return strings.TrimSpace(hub), strings.TrimSpace(self)
}

// normalizeItem turns a gofeed entry into an alert.Item.
func normalizeItem(it *gofeed.Item, feedURL, base string, now time.Time) alert.Item {
	item := alert.Item{
		FeedURL: feedURL,
		GUID:    strings.TrimSpace(it.GUID),
		Title:   PlainText(it.Title),
		Summary: PlainText(it.Description),
		Content: PlainText(it.Content),
		Author:  itemAuthor(it),
	}
	link := it.Link
	if link == "" && len(it.Links) > 0 {
		link = it.Links[0]
	}
	if link == "" && isPermalink(item.GUID) {
		link = item.GUID
	}
	item.Link = NormalizeLink(link, base)
	for _, c := range it.Categories {
		if c = PlainText(c); c != "" && !contains(item.Categories, c) {
			item.Categories = append(item.Categories, c)
		}
	}
	item.Published, item.Dated = itemDate(it)
	if !item.Dated {
		item.Published = now
	}
	switch {
	case item.GUID != "":
		item.Key = item.GUID
	case item.Link != "":
		item.Key = item.Link
	default:
		date := firstNonEmpty(strings.TrimSpace(it.Published), strings.TrimSpace(it.Updated))
		if item.Dated {
			date = item.Published.UTC().Format(time.RFC3339)
		}
		sum := sha256.Sum256([]byte(item.Title + "\x00" + date))
		item.Key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return item
}

// itemDate is the published date, else the updated date, else one of the
// forms gofeed does not read; ok is false when the feed gave none.
func itemDate(it *gofeed.Item) (t time.Time, ok bool) {
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		return *it.PublishedParsed, true
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		return *it.UpdatedParsed, true
	}
	for _, s := range []string{it.Published, it.Updated} {
		if t, ok := parseLooseDate(s); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

func itemAuthor(it *gofeed.Item) string {
	people := it.Authors
	if len(people) == 0 && it.Author != nil {
		people = []*gofeed.Person{it.Author}
	}
	var names []string
	for _, p := range people {
		if p == nil {
			continue
		}
		name := p.Name
		// Some feeds put structured XML (<name>…</name><title>…</title>)
		// where a name belongs; the name element is the author.
		if i := strings.Index(name, "<name>"); i >= 0 {
			if j := strings.Index(name[i:], "</name>"); j >= 0 {
				name = name[i+len("<name>") : i+j]
			}
		}
		name = PlainText(name)
		if name == "" {
			name = PlainText(p.Email)
		}
		if name != "" && !contains(names, name) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		if dc := dublinCreator(it.DublinCoreExt); dc != "" {
			return dc
		}
	}
	return strings.Join(names, ", ")
}

func dublinCreator(dc *ext.DublinCoreExtension) string {
	if dc == nil || len(dc.Creator) == 0 {
		return ""
	}
	return PlainText(dc.Creator[0])
}

func isPermalink(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
