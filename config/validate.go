package config

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults, as documented on the Config fields.
const (
	DefaultStoragePath = "data/policyradar.db"
	DefaultListen      = "127.0.0.1:8080"
	DefaultInterval    = 10 * time.Minute
	DefaultTimeout     = 20 * time.Second
	DefaultMaxBody     = 10 << 20
	DefaultMaxItemAge  = 168 * time.Hour
	DefaultSlackAPI    = "https://slack.com/api/"
	DefaultDiscordAPI  = "https://discord.com/api/v10"
	PriorityNormal     = "normal"
	PriorityHigh       = "high"
)

// check finds the problems that need the whole file: missing sections,
// duplicates, references to topics, and channels whose platform has no token.
func (d *decoder) check(c *Config, m *meta) {
	if len(c.Feeds) == 0 && !m.malformed["feeds"] {
		d.add(m.feedsLine, "the configuration has no feeds", "add feeds: with at least one '- url: https://example.org/feed.xml'")
	}
	if len(c.Topics) == 0 && !m.malformed["topics"] {
		d.add(m.topicsLine, "the configuration has no topics", `add topics: with at least one '- id: my-topic' and its any: ["keyword"]`)
	}
	if len(c.Channels) == 0 && !m.malformed["channels"] {
		d.add(m.channelsLine, "the configuration has no channels, so alerts go nowhere", "add channels: with at least one entry, such as '- console: true'")
	}

	topicLine := map[string]int{}
	for _, t := range c.Topics {
		if t.ID == "" {
			continue
		}
		if first, dup := topicLine[t.ID]; dup {
			d.add(t.Line, fmt.Sprintf("topic id %q is used twice (first on line %d)", t.ID, first), "give each topic its own id")
			continue
		}
		topicLine[t.ID] = t.Line
	}
	var ids []string // defined, distinct, for suggestions
	for _, id := range c.TopicIDs() {
		if _, ok := topicLine[id]; ok && !contains(ids, id) {
			ids = append(ids, id)
		}
	}
	known := func(refs []lineStr, owner string) {
		for _, r := range refs {
			if _, ok := topicLine[r.v]; !ok {
				d.add(r.line, fmt.Sprintf("%s names topic %q, which is not defined", owner, r.v), knownTopics(r.v, ids))
			}
		}
	}

	feedLine := map[string]int{}
	for i, f := range c.Feeds {
		if key := feedKey(f.URL); key != "" {
			if first, dup := feedLine[key]; dup {
				d.add(f.Line, fmt.Sprintf("feed %s is listed twice (first on line %d)", f.URL, first), "remove one of them")
			} else {
				feedLine[key] = f.Line
			}
		}
		if f.Topics != nil && len(f.Topics) == 0 {
			d.add(f.Line, "feed topics is an empty list, so nothing from this feed can match", "list topic ids, or remove topics: to let every topic match")
		}
		known(m.feeds[i].topics, "a feed")
	}

	for i, ch := range c.Channels {
		known(m.channels[i].topics, "a channel")
		switch {
		case ch.Kind == KindSlack && c.Slack.Token == "":
			d.add(ch.Line, "a slack: channel needs slack.token, which is empty", "set slack: token: ${SLACK_BOT_TOKEN} and put the bot token (xoxb-…) in SLACK_BOT_TOKEN")
		case ch.Kind == KindDiscord && c.Discord.Token == "":
			d.add(ch.Line, "a discord: channel needs discord.token, which is empty", "set discord: token: ${DISCORD_BOT_TOKEN} and put the bot token in DISCORD_BOT_TOKEN, or post through a discord_webhook: instead")
		}
	}
}

func knownTopics(name string, ids []string) string {
	if len(ids) == 0 {
		return "define it under topics:"
	}
	if s := suggest(name, ids); strings.HasPrefix(s, "did you mean") {
		return s + " (topics are " + strings.Join(ids, ", ") + ")"
	}
	return "use one of " + strings.Join(ids, ", ") + ", or define it under topics:"
}

// feedKey makes URLs that differ only in the case of scheme or host equal.
func feedKey(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	return u.String()
}

// applyDefaults fills in what the file left out.
func applyDefaults(c *Config, m *meta) {
	if c.Storage.Path == "" {
		c.Storage.Path = DefaultStoragePath
	}
	if !m.listenSet {
		c.HTTP.Listen = DefaultListen
	}
	if c.Poll.Interval == 0 {
		c.Poll.Interval = DefaultInterval
	}
	if c.Poll.Timeout == 0 {
		c.Poll.Timeout = DefaultTimeout
	}
	if c.Poll.MaxBody == 0 {
		c.Poll.MaxBody = DefaultMaxBody
	}
	if c.Poll.MaxItemAge == 0 {
		c.Poll.MaxItemAge = DefaultMaxItemAge
	}
	if c.Slack.APIURL == "" {
		c.Slack.APIURL = DefaultSlackAPI
	}
	if c.Discord.APIURL == "" {
		c.Discord.APIURL = DefaultDiscordAPI
	}
	for i := range c.Feeds {
		if c.Feeds[i].Interval == 0 {
			c.Feeds[i].Interval = c.Poll.Interval
		}
	}
	for i := range c.Topics {
		t := &c.Topics[i]
		if t.Name == "" {
			t.Name = t.ID
		}
		if t.In == nil {
			t.In = append([]string(nil), searchable...)
		}
		if t.Priority == "" {
			t.Priority = PriorityNormal
		}
		if !m.topics[i].colorSet {
			t.Color = TopicColor(t.ID)
		}
	}
	ids := c.TopicIDs()
	for i := range c.Channels {
		if c.Channels[i].Topics == nil {
			c.Channels[i].Topics = append([]string(nil), ids...)
		}
	}
}
