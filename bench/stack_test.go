package bench_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/rules"
	"github.com/policyradar/policyradar/store"
)

// stack is the real poll-and-deliver path built in-process the way app.go
// builds it: fetcher, default topics, SQLite store, pipeline, deliverer.
type stack struct {
	store     *store.Store
	pipeline  *bot.Pipeline
	deliverer *bot.Deliverer
	sched     *feeds.Scheduler
	topics    []bot.TopicInfo
}

// stackOptions choose the parts a benchmark varies.
type stackOptions struct {
	Outlets    []bot.Outlet // channels; each routes every topic unless it names some
	Backfill   int
	MaxItemAge time.Duration
}

// defaultTopics returns the built-in default config's topics, compiled.
func defaultTopics(tb testing.TB) (*rules.Set, []bot.TopicInfo) {
	tb.Helper()
	cfg, err := config.Default(func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	rts := make([]rules.Topic, len(cfg.Topics))
	infos := make([]bot.TopicInfo, len(cfg.Topics))
	for i, t := range cfg.Topics {
		rts[i] = rules.Topic{ID: t.ID, Any: t.Any, All: t.All, None: t.None, In: t.In}
		infos[i] = bot.TopicInfo{Topic: alert.Topic{ID: t.ID, Name: t.Name, Color: t.Color},
			High: t.Priority == "high", Keywords: len(t.Any) + len(t.All) + len(t.None)}
	}
	set, err := rules.Compile(rts)
	if err != nil {
		tb.Fatal(err)
	}
	return set, infos
}

func newStack(tb testing.TB, opts stackOptions) *stack {
	tb.Helper()
	set, topics := defaultTopics(tb)
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(tb.TempDir(), "policyradar.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	var ids []string
	for _, t := range topics {
		ids = append(ids, t.ID)
	}
	channels := make([]bot.ChannelInfo, len(opts.Outlets))
	for i := range opts.Outlets {
		if len(opts.Outlets[i].Topics) == 0 {
			opts.Outlets[i].Topics = ids
		}
		channels[i] = opts.Outlets[i].ChannelInfo
	}
	s := &stack{store: st, topics: topics}
	s.deliverer = bot.NewDeliverer(bot.DelivererOptions{Store: st, Outlets: opts.Outlets, Topics: topics})
	s.pipeline = bot.NewPipeline(bot.PipelineOptions{
		Fetcher: feeds.NewFetcher(feeds.Options{UserAgent: "policyradar/bench", Timeout: 20 * time.Second}),
		Matcher: set, Store: st, Topics: topics, Channels: channels,
		MaxItemAge: opts.MaxItemAge, Backfill: opts.Backfill, Queued: s.deliverer.Wake,
	})
	s.sched = feeds.NewScheduler(feeds.SchedulerOptions{}, s.pipeline.Poll)
	return s
}
