package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/store"
)

// Usage is the one-line usage of /radar.
const Usage = "/radar latest [topic] [count] · search WORDS · topics · feeds · help"

// FeedInfo is a configured feed as /radar feeds lists it.
type FeedInfo struct {
	URL  string
	Name string
}

// Commands answers /radar for every platform and transport.
type Commands struct {
	Store    Store
	Topics   []TopicInfo
	Feeds    []FeedInfo
	NextPoll func(url string) time.Time // may be nil
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Handle parses cmd and answers it. It never fails: bad input gets a usage
// line, a store error a short apology (logged in full).
func (c *Commands) Handle(ctx context.Context, cmd alert.Command) alert.Reply {
	name, args := cmd.Name, cmd.Args
	if name == "" {
		words := strings.Fields(cmd.Text)
		if len(words) > 0 {
			name, args = words[0], words[1:]
		}
	}
	name = strings.ToLower(strings.TrimPrefix(name, "/"))
	var r alert.Reply
	var err error
	switch name {
	case "", "help":
		r = c.help()
	case "latest":
		r, err = c.latest(ctx, args)
	case "search":
		r, err = c.search(ctx, args)
	case "topics":
		r, err = c.topics(ctx)
	case "feeds":
		r, err = c.feeds(ctx)
	default:
		r = usageError(fmt.Sprintf("Unknown subcommand %q.", name))
	}
	if err != nil {
		if c.Logger != nil {
			c.Logger.Error("slash command failed", slog.String("command", name), slog.String("error", err.Error()))
		}
		return alert.Reply{Title: "Policy Radar", Text: "Sorry, the radar's database is not answering right now; try again in a minute.", Error: true}
	}
	return r
}

func (c *Commands) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func usageError(msg string) alert.Reply {
	return alert.Reply{Title: "Policy Radar", Text: msg + " Usage: " + Usage, Error: true}
}

func (c *Commands) help() alert.Reply {
	ids := make([]string, len(c.Topics))
	for i, t := range c.Topics {
		ids[i] = t.ID
	}
	return alert.Reply{Title: "Policy Radar — /radar", Lines: []string{
		"latest [topic] [count] — the newest matching items (default 5, at most 20)",
		"search WORDS — the newest stored items whose title or summary contain all the words",
		"topics — each topic, its keyword count and items in the last 7 days",
		"feeds — each feed: last success, last error, next poll, items seen; alerts that failed",
		"help — this text",
		"Topics: " + strings.Join(ids, ", "),
	}}
}

func (c *Commands) latest(ctx context.Context, args []string) (alert.Reply, error) {
	topic, count := "", 5
	for _, a := range args {
		if n, err := strconv.Atoi(a); err == nil {
			if n < 1 {
				return usageError("The count must be a number from 1 to 20."), nil
			}
			count = min(n, 20)
			continue
		}
		if topic != "" {
			return usageError(fmt.Sprintf("Unexpected %q.", a)), nil
		}
		topic = strings.ToLower(a)
	}
	if topic != "" && !slices.ContainsFunc(c.Topics, func(t TopicInfo) bool { return t.ID == topic }) {
		r := c.help()
		r.Title = fmt.Sprintf("Unknown topic %q", topic)
		r.Lines = r.Lines[len(r.Lines)-1:]
		r.Error = true
		return r, nil
	}
	items, err := c.Store.Latest(ctx, topic, count)
	if err != nil {
		return alert.Reply{}, err
	}
	r := alert.Reply{Title: "Latest items", Items: c.replyItems(items)}
	if topic != "" {
		r.Title = "Latest in " + c.topicName(topic)
	}
	if len(items) == 0 {
		r.Text = "Nothing alerted yet."
	}
	return r, nil
}

func (c *Commands) search(ctx context.Context, args []string) (alert.Reply, error) {
	words := strings.Join(args, " ")
	if strings.TrimSpace(words) == "" {
		return usageError("Say what to search for, e.g. /radar search entity list."), nil
	}
	items, err := c.Store.Search(ctx, words, 10)
	if err != nil {
		return alert.Reply{}, err
	}
	r := alert.Reply{Title: fmt.Sprintf("Search: %s", words), Items: c.replyItems(items)}
	if len(items) == 0 {
		r.Text = "No stored item matches."
	}
	return r, nil
}

func (c *Commands) topics(ctx context.Context) (alert.Reply, error) {
	counts, err := c.Store.TopicCounts(ctx, c.now().Add(-7*24*time.Hour))
	if err != nil {
		return alert.Reply{}, err
	}
	r := alert.Reply{Title: "Topics"}
	for _, t := range c.Topics {
		prio := ""
		if t.High {
			prio = " · high priority"
		}
		r.Lines = append(r.Lines, fmt.Sprintf("%s (%s) — %d keywords · %d items in the last 7 days%s", t.Name, t.ID, t.Keywords, counts[t.ID], prio))
	}
	return r, nil
}

func (c *Commands) feeds(ctx context.Context) (alert.Reply, error) {
	states, err := c.Store.FeedStates(ctx)
	if err != nil {
		return alert.Reply{}, err
	}
	failed, err := c.Store.FailedAlerts(ctx, 5)
	if err != nil {
		return alert.Reply{}, err
	}
	byURL := map[string]int{}
	for i, s := range states {
		byURL[s.URL] = i
	}
	now := c.now()
	r := alert.Reply{Title: fmt.Sprintf("Feeds (%d)", len(c.Feeds))}
	failing := 0
	for _, f := range c.Feeds {
		line := f.Name
		i, ok := byURL[f.URL]
		if line == "" && ok {
			line = states[i].Title
		}
		if line == "" {
			line = f.URL
		}
		if !ok {
			line += " — not polled yet"
		} else {
			s := states[i]
			if s.LastSuccess.IsZero() {
				line += " — never succeeded"
			} else {
				line += " — ok " + ago(now, s.LastSuccess)
			}
			if s.LastError != "" {
				failing++
				line += fmt.Sprintf(" · FAILING since %s (%d in a row): %s", ago(now, s.FailingSince), s.Failures, truncate(s.LastError, 160))
			}
			line += fmt.Sprintf(" · %d items", s.ItemsSeen)
		}
		if c.NextPoll != nil {
			if t := c.NextPoll(f.URL); !t.IsZero() {
				line += " · next poll " + until(now, t)
			}
		}
		r.Lines = append(r.Lines, line)
	}
	if failing > 0 {
		r.Text = fmt.Sprintf("%d of %d feeds are failing.", failing, len(c.Feeds))
	}
	for _, f := range failed {
		r.Lines = append(r.Lines, fmt.Sprintf("Alert failed for good in %s (%s): %q — %s", f.Channel, ago(now, f.At), truncate(f.Title, 80), truncate(f.Reason, 160)))
	}
	return r, nil
}

func (c *Commands) replyItems(items []store.StoredItem) []alert.ReplyItem {
	out := make([]alert.ReplyItem, len(items))
	for i, it := range items {
		out[i] = alert.ReplyItem{Title: it.Title, Link: it.Link, Source: it.Source, Published: it.Published, Topics: it.Topics}
		for _, f := range c.Feeds {
			if f.URL == it.FeedURL && f.Name != "" {
				out[i].Source = f.Name
			}
		}
	}
	return out
}

func (c *Commands) topicName(id string) string {
	for _, t := range c.Topics {
		if t.ID == id && t.Name != "" {
			return t.Name
		}
	}
	return id
}

func ago(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return roughly(now.Sub(t)) + " ago"
}

func until(now, t time.Time) string {
	if !t.After(now) {
		return "now"
	}
	return "in " + roughly(t.Sub(now))
}

func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
