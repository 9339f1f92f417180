package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// meta keeps what the decoder saw that the Config itself cannot show: which
// keys were present and the lines of values checked only after the whole
// file is read.
type meta struct {
	listenSet                           bool
	malformed                           map[string]bool // sections reported as not a list
	feedsLine, topicsLine, channelsLine int             // 0 when absent
	feeds                               []feedMeta
	topics                              []topicMeta
	channels                            []channelMeta
}

type feedMeta struct{ topics []lineStr }

type topicMeta struct {
	idLine   int
	colorSet bool
}

type channelMeta struct{ topics []lineStr }

var (
	topLevelKeys = []string{"storage", "http", "poll", "feeds", "topics", "channels", "slack", "discord"}
	storageKeys  = []string{"path"}
	httpKeys     = []string{"listen", "public_url"}
	pollKeys     = []string{"interval", "timeout", "max_body", "max_item_age", "backfill"}
	feedKeys     = []string{"url", "name", "interval", "topics"}
	topicKeys    = []string{"id", "name", "any", "all", "none", "in", "priority", "color"}
	channelKeys  = []string{KindSlack, KindDiscord, KindDiscordWebhook, KindConsole, "topics", "mention"}
	slackKeys    = []string{"token", "app_token", "signing_secret", "api_url"}
	discordKeys  = []string{"token", "application_id", "public_key", "guild_id", "api_url"}
)

func (d *decoder) decodeConfig(root ast.Node, c *Config, m *meta) {
	d.fields(root, "the configuration", topLevelKeys, func(e entry) {
		switch e.key {
		case "storage":
			d.fields(e.value, "storage", storageKeys, func(e entry) {
				c.Storage.Path, _ = d.str(e.value, "storage.path")
			})
		case "http":
			d.decodeHTTP(e.value, &c.HTTP, m)
		case "poll":
			d.decodePoll(e.value, &c.Poll)
		case "feeds":
			m.feedsLine = e.line
			m.malformed[e.key] = !d.sequence(e.value, "feeds", "- url: https://example.org/feed.xml", func(n ast.Node) {
				f, fm := d.decodeFeed(n)
				c.Feeds, m.feeds = append(c.Feeds, f), append(m.feeds, fm)
			})
		case "topics":
			m.topicsLine = e.line
			m.malformed[e.key] = !d.sequence(e.value, "topics", "- id: export-controls", func(n ast.Node) {
				t, tm := d.decodeTopic(n)
				c.Topics, m.topics = append(c.Topics, t), append(m.topics, tm)
			})
		case "channels":
			m.channelsLine = e.line
			m.malformed[e.key] = !d.sequence(e.value, "channels", "- console: true", func(n ast.Node) {
				ch, cm := d.decodeChannel(n)
				c.Channels, m.channels = append(c.Channels, ch), append(m.channels, cm)
			})
		case "slack":
			d.decodeSlack(e.value, &c.Slack)
		case "discord":
			d.decodeDiscord(e.value, &c.Discord)
		}
	})
}

// sequence hands each entry of a list to each; example shows how an entry
// starts. It reports false when n is not a list.
func (d *decoder) sequence(n ast.Node, what, example string, each func(ast.Node)) bool {
	switch v := d.resolve(n).(type) {
	case nil, *ast.NullNode:
	case *ast.SequenceNode:
		for _, item := range v.Values {
			each(item)
		}
	default:
		d.add(line(v), fmt.Sprintf("%s must be a list, not %s", what, kind(v)), "start each entry on its own line with '"+example+"'")
		return false
	}
	return true
}

func (d *decoder) decodeHTTP(n ast.Node, h *HTTP, m *meta) {
	publicLine := 0
	defer func() {
		if publicLine > 0 && h.PublicURL != "" && m.listenSet && h.Listen == "" {
			d.add(publicLine, "http.public_url is set but http.listen is off, so no WebSub hub could reach this server",
				"set http.listen (e.g. 0.0.0.0:8080) or remove public_url")
		}
	}()
	d.fields(n, "http", httpKeys, func(e entry) {
		switch e.key {
		case "listen":
			m.listenSet = true
			if s, ok := d.str(e.value, "http.listen"); ok {
				h.Listen = strings.TrimSpace(s)
				if err := checkListen(h.Listen); err != nil {
					d.add(valueLine(e), fmt.Sprintf("http.listen %q is not a listen address: %v", s, err), `write host:port like 127.0.0.1:8080 or :8080, or "" to turn the server off`)
				}
			}
		case "public_url":
			publicLine = valueLine(e)
			d.httpURL(e, "http.public_url", &h.PublicURL)
		}
	})
}

func (d *decoder) decodePoll(n ast.Node, p *Poll) {
	d.fields(n, "poll", pollKeys, func(e entry) {
		switch e.key {
		case "interval":
			p.Interval, _ = d.duration(e.value, "poll.interval", time.Second)
		case "timeout":
			p.Timeout, _ = d.duration(e.value, "poll.timeout", time.Millisecond)
		case "max_body":
			p.MaxBody, _ = d.size(e.value, "poll.max_body")
		case "max_item_age":
			p.MaxItemAge, _ = d.duration(e.value, "poll.max_item_age", time.Second)
		case "backfill":
			if v, ok := d.integer(e.value, "poll.backfill"); ok {
				if v < 0 {
					d.add(valueLine(e), fmt.Sprintf("poll.backfill %d is negative", v), "write 0 to alert nothing old on a feed's first poll, or N to alert its newest N matching items")
				} else {
					p.Backfill = v
				}
			}
		}
	})
}

// valueLine is the line of an entry's value, or of its key when the value has none.
func valueLine(e entry) int {
	if l := line(e.value); l > 0 {
		return l
	}
	return e.line
}

func (d *decoder) decodeFeed(n ast.Node) (Feed, feedMeta) {
	f := Feed{Line: line(d.resolve(n))}
	var fm feedMeta
	hasURL := false
	isMap := d.fields(n, "a feed", feedKeys, func(e entry) {
		switch e.key {
		case "url":
			hasURL = true
			if s, ok := d.str(e.value, "feed url"); ok {
				f.URL = strings.TrimSpace(s)
				if err := checkFeedURL(f.URL); err != nil {
					d.add(valueLine(e), fmt.Sprintf("feed url %q %v", s, err), "write the feed's full address, like https://example.org/feed.xml")
				}
			}
		case "name":
			f.Name, _ = d.str(e.value, "feed name")
		case "interval":
			f.Interval, _ = d.duration(e.value, "feed interval", time.Second)
		case "topics":
			fm.topics, _ = d.list(e.value, "feed topics")
			f.Topics = values(fm.topics)
		}
	})
	if isMap && !hasURL {
		d.add(f.Line, "a feed has no url", "add url: https://… to it")
	}
	return f, fm
}

func (d *decoder) decodeTopic(n ast.Node) (Topic, topicMeta) {
	t := Topic{Line: line(d.resolve(n))}
	var tm topicMeta
	hasID := false
	isMap := d.fields(n, "a topic", topicKeys, func(e entry) {
		switch e.key {
		case "id":
			hasID = true
			tm.idLine = valueLine(e)
			if s, ok := d.str(e.value, "topic id"); ok {
				t.ID = s
				if !validTopicID(s) {
					d.add(tm.idLine, fmt.Sprintf("topic id %q is not made of a-z, 0-9 and -", s), fmt.Sprintf("write it in lower case with dashes, like %q", slug(s)))
				}
			}
		case "name":
			t.Name, _ = d.str(e.value, "topic name")
		case "any", "all", "none":
			kws := d.keywords(e, "topic "+e.key)
			switch e.key {
			case "any":
				t.Any = kws
			case "all":
				t.All = kws
			default:
				t.None = kws
			}
		case "in":
			t.In = d.fieldsIn(e)
		case "priority":
			if s, ok := d.str(e.value, "topic priority"); ok {
				t.Priority = s
				if s != "normal" && s != "high" {
					d.add(valueLine(e), fmt.Sprintf("priority %q is not known", s), "write normal or high")
				}
			}
		case "color":
			tm.colorSet = true
			d.color(e, &t.Color)
		}
	})
	if !isMap {
		return t, tm
	}
	if !hasID {
		d.add(t.Line, "a topic has no id", "add id: some-name (a-z, 0-9 and -) to it")
	}
	if len(t.Any) == 0 {
		d.add(t.Line, fmt.Sprintf("topic %q has no `any` keywords, so it can never match", t.ID), `add at least one keyword under any:, like any: ["export control*"]`)
	}
	return t, tm
}

func values(ls []lineStr) []string {
	if ls == nil {
		return nil
	}
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.v
	}
	return out
}
