package feedtest

import (
	"bytes"
	"encoding/xml"
	"time"
)

// Item is one entry of a generated RSS feed. Zero fields are left out.
type Item struct {
	Title       string
	Link        string
	GUID        string
	Description string // may hold HTML; it is escaped into the document
	Content     string // content:encoded
	Author      string
	Categories  []string
	Published   time.Time
}

// RSS returns an RSS 2.0 document with the given title and items.
func RSS(title string, items ...Item) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">` + "\n<channel>\n")
	elem(&b, "title", title)
	elem(&b, "link", "https://example.org/")
	elem(&b, "description", title)
	for _, it := range items {
		b.WriteString("<item>\n")
		elem(&b, "title", it.Title)
		elem(&b, "link", it.Link)
		elem(&b, "guid", it.GUID)
		elem(&b, "description", it.Description)
		elem(&b, "content:encoded", it.Content)
		elem(&b, "author", it.Author)
		for _, c := range it.Categories {
			elem(&b, "category", c)
		}
		if !it.Published.IsZero() {
			elem(&b, "pubDate", it.Published.UTC().Format(time.RFC1123Z))
		}
		b.WriteString("</item>\n")
	}
	b.WriteString("</channel>\n</rss>\n")
	return b.Bytes()
}

func elem(b *bytes.Buffer, name, text string) {
	if text == "" {
		return
	}
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">\n")
}
