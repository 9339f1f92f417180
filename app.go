package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/rules"
	"github.com/policyradar/policyradar/store"
	"github.com/policyradar/policyradar/websub"
)

// Main is one running Policy Radar: every part built from one config.
type Main struct {
	cfg       *config.Config
	log       *slog.Logger
	store     *store.Store
	sched     *feeds.Scheduler
	pipeline  *bot.Pipeline
	deliverer *bot.Deliverer
	commands  *bot.Commands
	registry  *prometheus.Registry
	feeds     []alert.Feed
	websub    *websub.Subscriber // nil unless http.public_url is set

	// services run beside the poller until shutdown: slash-command transports.
	services []service
	// routes are extra HTTP handlers (slash commands over HTTP).
	routes map[string]http.Handler

	// listener, when set before Run, is used instead of listening on http.listen.
	listener net.Listener
	addr     chan string // the HTTP server's address once it listens
}

type service struct {
	name string
	run  func(ctx context.Context) error
}

// serve implements `run` and `once`.
func (e env) serve(ctx context.Context, cmd string, args []string) int {
	var path string
	fs, code, ok := e.flags(cmd, args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "config file")
	})
	if !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "policyradar %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return exitUsage
	}
	log := newLogger(e.stderr, e.getenv)
	cfg, err := e.loadConfig(path)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitError
	}
	m, err := NewMain(ctx, cfg, log, e.stdout)
	if err != nil {
		log.Error("cannot start", slog.String("error", err.Error()))
		fmt.Fprintf(e.stderr, "policyradar: %v\n", err)
		return exitError
	}
	defer m.Close()
	if cmd == "once" {
		err = m.Once(ctx)
	} else {
		err = m.Run(ctx)
	}
	if err != nil {
		log.Error("stopped with an error", slog.String("error", err.Error()))
		return exitError
	}
	return exitOK
}

// NewMain opens the store and builds every part from cfg.
func NewMain(ctx context.Context, cfg *config.Config, log *slog.Logger, stdout io.Writer) (*Main, error) {
	m := &Main{cfg: cfg, log: log, registry: prometheus.NewRegistry(), routes: map[string]http.Handler{}, addr: make(chan string, 1)}
	set, err := rules.Compile(ruleTopics(cfg))
	if err != nil {
		return nil, fmt.Errorf("compile topics: %w", err)
	}
	st, err := store.Open(ctx, cfg.Storage.Path, log.With(slog.String("component", "store")))
	if err != nil {
		return nil, err
	}
	m.store = st
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := bot.NewMetrics(m.registry, st)

	topics := topicInfos(cfg)
	feedNames := map[string]string{}
	var feedInfos []bot.FeedInfo
	for _, f := range cfg.Feeds {
		m.feeds = append(m.feeds, alert.Feed{URL: f.URL, Name: f.Name, Interval: f.Interval, Topics: f.Topics})
		feedNames[f.URL] = f.Name
		feedInfos = append(feedInfos, bot.FeedInfo{URL: f.URL, Name: f.Name})
	}
	outlets, err := m.outlets(stdout)
	if err != nil {
		st.Close()
		return nil, err
	}
	m.deliverer = bot.NewDeliverer(bot.DelivererOptions{
		Store: st, Outlets: outlets, Topics: topics, FeedNames: feedNames, Metrics: metrics,
		Logger: log.With(slog.String("component", "delivery")), Grace: 8 * time.Second,
	})
	fetcher := feeds.NewFetcher(feeds.Options{
		UserAgent: userAgent(), Timeout: cfg.Poll.Timeout, MaxBody: cfg.Poll.MaxBody,
		Logger: log.With(slog.String("component", "fetch")),
	})
	channels := make([]bot.ChannelInfo, len(outlets))
	for i, o := range outlets {
		channels[i] = o.ChannelInfo
	}
	m.pipeline = bot.NewPipeline(bot.PipelineOptions{
		Fetcher: fetcher, Matcher: set, Store: st, Topics: topics, Channels: channels,
		MaxItemAge: cfg.Poll.MaxItemAge, Backfill: cfg.Poll.Backfill, Metrics: metrics,
		Logger: log.With(slog.String("component", "poll")), Queued: m.deliverer.Wake,
		OnHub: func(f alert.Feed, hub, self string) { m.websub.Discovered(f, hub, self) },
	})
	m.sched = feeds.NewScheduler(feeds.SchedulerOptions{
		Logger:     log.With(slog.String("component", "scheduler")),
		OnSchedule: m.saveNextPoll,
	}, m.pipeline.Poll)
	if cfg.HTTP.PublicURL != "" {
		m.websub = websub.New(websub.Options{PublicURL: cfg.HTTP.PublicURL, Store: st, Pusher: m.pipeline,
			Intervals: m.sched, Feeds: m.feeds, Timeout: cfg.Poll.Timeout, UserAgent: userAgent(),
			MaxBody: cfg.Poll.MaxBody, Logger: log.With(slog.String("component", "websub"))})
	}
	m.commands = &bot.Commands{Store: st, Topics: topics, Feeds: feedInfos, NextPoll: m.sched.NextPoll,
		Logger: log.With(slog.String("component", "commands"))}
	if err := m.slashCommands(topics); err != nil {
		st.Close()
		return nil, err
	}
	return m, nil
}

func (m *Main) logStart(mode string) {
	name := m.cfg.Path
	if m.cfg.Builtin {
		name = "built-in default (no config file found: pass -config, set POLICYRADAR_CONFIG, or create ./config.yaml or /etc/policyradar/config.yaml)"
	}
	transports := []string{}
	for _, s := range m.services {
		transports = append(transports, s.name)
	}
	for p := range m.routes {
		transports = append(transports, "http "+p)
	}
	m.log.Info("policyradar starting", slog.String("mode", mode), slog.String("version", version),
		slog.String("config", name), slog.Int("feeds", len(m.cfg.Feeds)), slog.Int("topics", len(m.cfg.Topics)),
		slog.Int("channels", len(m.cfg.Channels)), slog.Any("slash_commands", transports),
		slog.String("http", m.cfg.HTTP.Listen), slog.String("database", m.cfg.Storage.Path))
}

// Run polls, delivers and serves until ctx is done, then shuts down: polling
// stops, sends in flight get a few seconds, the rest stays queued.
func (m *Main) Run(ctx context.Context) error {
	m.logStart("run")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := m.startHTTP(ctx)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	errc := make(chan error, 3+len(m.services))
	start := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("delivery", m.deliverer.Run)
	start("memory", returnMemory)
	start("polling", func(ctx context.Context) error { return m.sched.Run(ctx, m.scheduled(ctx)) })
	for _, s := range m.services {
		start(s.name, s.run)
	}
	if m.websub != nil {
		start("websub", m.websub.Run)
	}
	var runErr error
	select {
	case <-ctx.Done():
		m.log.Info("shutting down: finishing sends in flight, keeping the rest queued")
	case runErr = <-errc:
		m.log.Error("a part stopped; shutting down", slog.String("error", runErr.Error()))
	}
	cancel()
	if srv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		scancel()
	}
	wg.Wait()
	m.log.Info("stopped")
	return runErr
}

// Once polls every feed once and delivers what is queued, retrying failed
// sends for up to a minute; what is still queued then waits for the next run.
func (m *Main) Once(ctx context.Context) error {
	m.logStart("once")
	if err := m.sched.Once(ctx, m.feeds); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Each failure is logged by the pipeline and shown by /healthz; a
		// broken feed must not hold back the alerts of the others.
		errs := unwrapJoined(err)
		for _, e := range errs {
			m.log.Warn("feed poll failed", slog.String("error", e.Error()))
		}
		failed := len(errs)
		if failed >= len(m.feeds) {
			return fmt.Errorf("every feed failed to poll; check the network and the feed URLs: %w", err)
		}
		m.log.Warn("some feeds failed to poll", slog.Int("failed", failed), slog.Int("feeds", len(m.feeds)))
	}
	m.deliverer.Drain(ctx, time.Minute)
	qs, err := m.store.QueueStats(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	if qs.Queued > 0 {
		m.log.Warn("alerts still queued; they will be sent by the next run", slog.Int("queued", qs.Queued))
	}
	return ctx.Err()
}

// unwrapJoined lists the errors of an errors.Join, or err itself.
func unwrapJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// Close releases the store.
func (m *Main) Close() error { return m.store.Close() }
