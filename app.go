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
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/bot/console"
	discordbot "github.com/policyradar/policyradar/bot/discord"
	slackbot "github.com/policyradar/policyradar/bot/slack"
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

// outlets builds one sink per configured channel.
func (m *Main) outlets(stdout io.Writer) ([]bot.Outlet, error) {
	var out []bot.Outlet
	var con *console.Sender
	for _, ch := range m.cfg.Channels {
		o := bot.Outlet{ChannelInfo: bot.ChannelInfo{Key: ch.Key(), Topics: ch.Topics, Mention: ch.Mention}}
		log := m.log.With(slog.String("channel", ch.Key()))
		switch ch.Kind {
		case config.KindSlack:
			o.Platform = "slack"
			o.Sink = slackbot.NewSender(m.cfg.Slack.Token, m.cfg.Slack.APIURL, ch.Target, log)
			o.Limiter = rate.NewLimiter(rate.Every(time.Second), 1)
		case config.KindDiscord:
			s, err := discordbot.NewBotSender(m.cfg.Discord.Token, m.cfg.Discord.APIURL, ch.Target, log)
			if err != nil {
				return nil, fmt.Errorf("discord channel %s: %w", ch.Target, err)
			}
			o.Platform, o.Sink = "discord", s
			o.Limiter = rate.NewLimiter(rate.Every(time.Second), 5)
		case config.KindDiscordWebhook:
			s, err := discordbot.NewWebhookSender(ch.Target, log)
			if err != nil {
				return nil, fmt.Errorf("discord webhook %s: %w", ch.Key(), err)
			}
			o.Platform, o.Sink = "discord_webhook", s
			o.Limiter = rate.NewLimiter(rate.Every(time.Second), 5)
		case config.KindConsole:
			if con == nil {
				con = console.New(stdout)
			}
			o.Platform, o.Sink = "console", con
		default:
			return nil, fmt.Errorf("channel of unknown kind %q", ch.Kind)
		}
		out = append(out, o)
	}
	return out, nil
}

func (m *Main) saveNextPoll(url string, next time.Time, _ int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, ok, err := m.store.FeedState(ctx, url)
	if err != nil || !ok {
		return
	}
	st.NextPoll = next
	if err := m.store.SaveFeedState(ctx, st); err != nil {
		m.log.Warn("cannot record next poll", slog.String("feed", url), slog.String("error", err.Error()))
	}
}

// scheduled restores each feed's schedule from the store.
func (m *Main) scheduled(ctx context.Context) []feeds.Scheduled {
	states, err := m.store.FeedStates(ctx)
	if err != nil {
		m.log.Warn("cannot read feed states; polling every feed now", slog.String("error", err.Error()))
	}
	byURL := map[string]store.FeedState{}
	for _, s := range states {
		byURL[s.URL] = s
	}
	out := make([]feeds.Scheduled, len(m.feeds))
	for i, f := range m.feeds {
		s := byURL[f.URL]
		next := s.NextPoll
		if s.Failures == 0 && next.After(time.Now().Add(f.Interval)) {
			next = time.Time{} // the interval was shortened in the config
		}
		out[i] = feeds.Scheduled{Feed: f, NextPoll: next, Failures: s.Failures}
	}
	return out
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

func (m *Main) startHTTP(ctx context.Context) (*http.Server, error) {
	ln := m.listener
	if ln == nil {
		if m.cfg.HTTP.Listen == "" {
			return nil, nil
		}
		var err error
		ln, err = net.Listen("tcp", m.cfg.HTTP.Listen)
		if err != nil {
			return nil, fmt.Errorf("listen on %s (http.listen): %w — free the port or change http.listen", m.cfg.HTTP.Listen, err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", bot.HealthHandler(m.store, feedURLs(m.feeds), m.log.With(slog.String("component", "http"))))
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	for p, h := range m.routes {
		mux.Handle("POST "+p, h)
	}
	if m.websub != nil {
		mux.Handle(websub.CallbackPath, m.websub.Handler())
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 15 * time.Second, IdleTimeout: 60 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("http server stopped", slog.String("error", err.Error()))
		}
	}()
	m.addr <- ln.Addr().String()
	return srv, nil
}

// returnMemory hands freed heap back to the OS once a minute. Polls come in
// bursts and the process idles between them; without this the runtime keeps
// the burst's high-water mark for minutes, which on a small VM is most of
// the footprint. A collection of a few-MB heap costs about a millisecond.
func returnMemory(ctx context.Context) error {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			debug.FreeOSMemory()
		}
	}
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

func feedURLs(fs []alert.Feed) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.URL
	}
	return out
}

func ruleTopics(cfg *config.Config) []rules.Topic {
	out := make([]rules.Topic, len(cfg.Topics))
	for i, t := range cfg.Topics {
		out[i] = rules.Topic{ID: t.ID, Any: t.Any, All: t.All, None: t.None, In: t.In}
	}
	return out
}

func topicInfos(cfg *config.Config) []bot.TopicInfo {
	out := make([]bot.TopicInfo, len(cfg.Topics))
	for i, t := range cfg.Topics {
		out[i] = bot.TopicInfo{Topic: alert.Topic{ID: t.ID, Name: t.Name, Color: t.Color},
			High: t.Priority == "high", Keywords: len(t.Any) + len(t.All) + len(t.None)}
	}
	return out
}

// slashCommands turns on the /radar transports the config asks for.
func (m *Main) slashCommands(topics []bot.TopicInfo) error {
	h := m.commands.Handle
	if m.cfg.Slack.AppToken != "" {
		sm := slackbot.NewSocketMode(m.cfg.Slack.AppToken, m.cfg.Slack.Token, m.cfg.Slack.APIURL, h, m.log)
		m.services = append(m.services, service{name: "slack socket mode", run: sm.Run})
	}
	if m.cfg.Slack.SigningSecret != "" {
		m.routes["/slack/commands"] = slackbot.NewCommandHandler(m.cfg.Slack.SigningSecret, h, m.log)
	}
	if m.cfg.Discord.ApplicationID != "" {
		ts := make([]alert.Topic, len(topics))
		for i, t := range topics {
			ts[i] = t.Topic
		}
		gw, err := discordbot.NewGateway(m.cfg.Discord.Token, m.cfg.Discord.APIURL, m.cfg.Discord.ApplicationID,
			m.cfg.Discord.GuildID, ts, h, m.log)
		if err != nil {
			return fmt.Errorf("discord gateway: %w", err)
		}
		m.services = append(m.services, service{name: "discord gateway", run: gw.Run})
	}
	if m.cfg.Discord.PublicKey != "" {
		ih, err := discordbot.NewInteractionsHandler(m.cfg.Discord.PublicKey, h, m.log)
		if err != nil {
			return fmt.Errorf("discord.public_key: %w", err)
		}
		m.routes["/discord/interactions"] = ih
	}
	return nil
}
