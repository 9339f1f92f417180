package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/store"
)

// PipelineOptions configure a Pipeline.
type PipelineOptions struct {
	Fetcher    Fetcher
	Matcher    Matcher
	Store      Store
	Topics     []TopicInfo
	Channels   []ChannelInfo
	MaxItemAge time.Duration // older items are recorded but never alerted; 0 = no limit
	Backfill   int           // alerts on a feed's first successful poll
	Metrics    *Metrics      // may be nil
	Logger     *slog.Logger
	Now        func() time.Time // nil: time.Now
	// Queued is called after a poll queued alerts, so delivery can start at once.
	Queued func()
	// OnHub, if set, is called after a successful fetch (200) of a feed that
	// advertises a WebSub hub, with the hub and its self URL ("" if none).
	OnHub func(feed alert.Feed, hub, self string)
}

// Pipeline polls one feed at a time: fetch, match, record and queue.
// Safe for concurrent use by the scheduler's workers.
type Pipeline struct {
	opts   PipelineOptions
	high   map[string]bool
	log    *slog.Logger
	now    func() time.Time
	queued func()
}

// NewPipeline returns a pipeline.
func NewPipeline(opts PipelineOptions) *Pipeline {
	p := &Pipeline{opts: opts, high: map[string]bool{}, log: opts.Logger, now: opts.Now, queued: opts.Queued}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.queued == nil {
		p.queued = func() {}
	}
	for _, t := range opts.Topics {
		p.high[t.ID] = t.High
	}
	return p
}

// Poll fetches one feed and records what is new. Its error (a failed fetch
// or a failed store) drives the scheduler's backoff.
func (p *Pipeline) Poll(ctx context.Context, f alert.Feed) error {
	log := p.log.With(slog.String("feed", f.URL))
	st, known, err := p.opts.Store.FeedState(ctx, f.URL)
	if err != nil {
		return feeds.Local(fmt.Errorf("read state of %s: %w", f.URL, err))
	}
	st.URL = f.URL
	start := p.now()
	res, ferr := p.opts.Fetcher.Fetch(ctx, feeds.Request{URL: f.URL, ETag: st.ETag, LastModified: st.LastModified})
	st.LastPoll = start
	if ferr != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down: not the feed's fault
		}
		st.LastError = ferr.Error()
		st.Failures++
		if st.FailingSince.IsZero() {
			st.FailingSince = start
		}
		st.Gone = errors.Is(ferr, feeds.ErrGone)
		p.opts.Metrics.poll(f.URL, "error") // the scheduler logs the failure with its next try
		if err := p.opts.Store.SaveFeedState(ctx, st); err != nil {
			log.Error("cannot record feed failure", slog.String("error", err.Error()))
		}
		return ferr
	}
	firstSuccess := !known || st.LastSuccess.IsZero()
	if st.Failures > 0 {
		log.Info("feed recovered", slog.Int("failures", st.Failures))
	}
	st.LastSuccess, st.LastError, st.FailingSince, st.Failures, st.Gone = start, "", time.Time{}, 0, false
	if res.NotModified {
		p.opts.Metrics.poll(f.URL, "not_modified")
		p.opts.Metrics.feedSuccess(f.URL, start)
		if err := p.opts.Store.SaveFeedState(ctx, st); err != nil {
			return feeds.Local(fmt.Errorf("record state of %s: %w", f.URL, err))
		}
		return nil
	}
	st.ETag, st.LastModified = res.ETag, res.LastModified
	if err := p.record(ctx, f, st, firstSuccess, res.Title, res.Items); err != nil {
		p.opts.Metrics.poll(f.URL, "error")
		return err
	}
	if p.opts.OnHub != nil && res.Hub != "" {
		p.opts.OnHub(f, res.Hub, res.Self)
	}
	p.opts.Metrics.poll(f.URL, "ok")
	p.opts.Metrics.feedSuccess(f.URL, start)
	return nil
}

// Push records items that arrived without a poll (a WebSub content
// distribution): matched, recorded and queued exactly as polled items are,
// deduplicated against everything seen before.
func (p *Pipeline) Push(ctx context.Context, f alert.Feed, title string, items []alert.Item) error {
	st, known, err := p.opts.Store.FeedState(ctx, f.URL)
	if err != nil {
		return fmt.Errorf("read state of %s: %w", f.URL, err)
	}
	st.URL = f.URL
	return p.record(ctx, f, st, !known || st.LastSuccess.IsZero(), title, items)
}

// record matches and routes items, then records them with the feed state
// and queues their alerts in one transaction.
func (p *Pipeline) record(ctx context.Context, f alert.Feed, st store.FeedState, firstSuccess bool, title string, items []alert.Item) error {
	if title != "" {
		st.Title = title
	}
	batch := store.Batch{State: st, Items: p.route(f, items), AlertLimit: -1}
	if firstSuccess {
		batch.AlertLimit = p.opts.Backfill
	}
	out, err := p.opts.Store.Ingest(ctx, batch)
	if err != nil {
		return feeds.Local(fmt.Errorf("record items of %s: %w", f.URL, err))
	}
	p.opts.Metrics.items(out.New)
	p.log.Debug("items recorded", slog.String("feed", f.URL), slog.Int("items", len(items)), slog.Int("new", out.New), slog.Int("queued", out.Queued))
	if out.Queued > 0 {
		p.queued()
	}
	return nil
}

// route matches items and decides which channels each new one goes to.
func (p *Pipeline) route(f alert.Feed, items []alert.Item) []store.IngestItem {
	out := make([]store.IngestItem, 0, len(items))
	oldest := time.Time{}
	if p.opts.MaxItemAge > 0 {
		oldest = p.now().Add(-p.opts.MaxItemAge)
	}
	for _, it := range items {
		ii := store.IngestItem{Item: it}
		matches := p.opts.Matcher.Match(it, f.Topics...)
		for _, m := range matches {
			ii.Topics = append(ii.Topics, m.Topic)
			ii.Keywords = appendNew(ii.Keywords, m.Keywords...)
		}
		if len(matches) > 0 && (oldest.IsZero() || !it.Published.Before(oldest)) {
			ii.Alerts = p.alertsFor(matches)
		}
		out = append(out, ii)
	}
	return out
}

func (p *Pipeline) alertsFor(matches []alert.Match) []store.QueuedAlert {
	var qs []store.QueuedAlert
	for _, ch := range p.opts.Channels {
		var q store.QueuedAlert
		high := false
		for _, m := range matches {
			if !slices.Contains(ch.Topics, m.Topic) {
				continue
			}
			q.Topics = append(q.Topics, m.Topic)
			q.Keywords = appendNew(q.Keywords, m.Keywords...)
			high = high || p.high[m.Topic]
		}
		if len(q.Topics) == 0 {
			continue
		}
		q.Channel = ch.Key
		if high {
			q.Mention = ch.Mention
		}
		qs = append(qs, q)
	}
	return qs
}

func appendNew(dst []string, xs ...string) []string {
	for _, x := range xs {
		if !slices.Contains(dst, x) {
			dst = append(dst, x)
		}
	}
	return dst
}
