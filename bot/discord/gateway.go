package discord

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/policyradar/policyradar/alert"
)

// Gateway answers /radar over Discord's gateway (a bot connection).
type Gateway struct {
	token, apiURL, appID, guildID string
	topics                        []alert.Topic
	handle                        Handler
	log                           *slog.Logger

	// DeferAfter is how long an answer may take before the interaction is
	// deferred (type 5) and the answer sent as an edit. Discord allows 3 s.
	DeferAfter time.Duration
	// MinBackoff and MaxBackoff bound the wait between reconnect attempts.
	MinBackoff, MaxBackoff time.Duration
}

// NewGateway returns a Gateway for the bot token and application. Commands
// are registered into guildID when set (instant), else globally. The
// gateway's address is asked of the REST API at apiURL, so pointing apiURL
// at a fake points the gateway there too.
func NewGateway(token, apiURL, applicationID, guildID string, topics []alert.Topic, h Handler, logger *slog.Logger) (*Gateway, error) {
	switch {
	case token == "":
		return nil, errors.New("discord gateway: bot token is empty")
	case !snowflake.MatchString(applicationID):
		return nil, fmt.Errorf("discord gateway: application id %q: want the numeric application id", applicationID)
	case guildID != "" && !snowflake.MatchString(guildID):
		return nil, fmt.Errorf("discord gateway: guild id %q: want a numeric guild id", guildID)
	case h == nil:
		return nil, errors.New("discord gateway: no command handler")
	}
	if _, err := newTransport(apiURL, nil); err != nil {
		return nil, err
	}
	return &Gateway{
		token: token, apiURL: apiURL, appID: applicationID, guildID: guildID,
		topics: topics, handle: h,
		log:        orDiscard(logger).With(slog.String("component", "discord-gateway")),
		DeferAfter: 2 * time.Second,
		MinBackoff: time.Second, MaxBackoff: 2 * time.Minute,
	}, nil
}

// Run registers /radar, connects, and answers interactions until ctx ends;
// then it closes the connection and waits for every answer in flight.
// It returns nil when ctx ends, or an error Discord says retrying cannot fix
// (a bad token, a bad application id).
//
// Reconnecting is ours, not discordgo's: discordgo's own reconnect loop
// sleeps without a context and can reopen a session after Close, so it is
// turned off and Run reopens the session on every disconnect instead.
func (g *Gateway) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns := &connTracker{conns: map[net.Conn]struct{}{}}
	stop := context.AfterFunc(ctx, conns.close) // unblocks a hung Open or request
	defer stop()

	s, err := g.session(conns)
	if err != nil {
		return err
	}
	answers := &flight{}
	disconnected := make(chan struct{}, 1)
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		select {
		case disconnected <- struct{}{}:
		default:
		}
	})
	s.AddHandler(func(s *discordgo.Session, ic *discordgo.InteractionCreate) {
		answers.go_(func() { g.interaction(ctx, s, ic.Interaction) })
	})
	defer func() {
		conns.close()
		if err := s.Close(); err != nil {
			g.log.Debug("close gateway", slog.Any("err", err))
		}
		answers.wait()
	}()

	if err := g.register(ctx, s); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	backoff := g.MinBackoff
	for {
		err := s.Open()
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
			g.log.Info("connected to the Discord gateway")
			backoff = g.MinBackoff
			select {
			case <-ctx.Done():
				return nil
			case <-disconnected:
				g.log.Warn("disconnected from the Discord gateway, reconnecting")
				continue
			}
		case permanentClose(err):
			return fmt.Errorf("discord gateway: %w", err)
		}
		g.log.Warn("connect to the Discord gateway failed", slog.Any("err", err), slog.Duration("retry_in", backoff))
		if !sleep(ctx, backoff) {
			return nil
		}
		backoff = min(backoff*2, g.MaxBackoff)
	}
}

func (g *Gateway) session(conns *connTracker) (*discordgo.Session, error) {
	ss, err := newSession(g.token, g.apiURL)
	if err != nil {
		return nil, err
	}
	s := ss.session
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.DialContext = conns.dial
	s.Client.Transport.(*transport).base = base
	s.Dialer = &websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		NetDialContext:   conns.dial,
		HandshakeTimeout: 15 * time.Second,
	}
	s.ShouldReconnectOnError = false
	s.SyncEvents = true // handlers hand work to goroutines Run owns
	s.Identify.Intents = 0
	s.Identify.Compress = false
	s.LogLevel = -1 // discordgo logs to the standard logger; Run logs what matters through slog
	return s, nil
}

// register overwrites /radar, retrying what may pass later.
func (g *Gateway) register(ctx context.Context, s *discordgo.Session) error {
	backoff := g.MinBackoff
	for {
		_, err := s.ApplicationCommandBulkOverwrite(g.appID, g.guildID, Commands(g.topics), requestOptions(ctx)...)
		if err == nil {
			g.log.Info("registered /radar", slog.String("guild", g.guildID))
			return nil
		}
		err = mapError("register /radar", err)
		var rl *alert.RateLimitedError
		switch {
		case errors.Is(err, alert.ErrPermanent):
			return err
		case errors.As(err, &rl):
			backoff = max(backoff, rl.RetryAfter)
		}
		g.log.Warn("register /radar failed", slog.Any("err", err), slog.Duration("retry_in", backoff))
		if !sleep(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(backoff*2, g.MaxBackoff)
	}
}

// interaction answers one interaction: at once when the answer is ready
// within DeferAfter, else deferred and then edited in.
func (g *Gateway) interaction(ctx context.Context, s *discordgo.Session, i *discordgo.Interaction) {
	cmd, ok := command(i)
	if !ok {
		return
	}
	log := g.log.With(slog.String("command", cmd.Name), slog.String("interaction", i.ID))
	done := make(chan alert.Reply, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		done <- call(ctx, g.handle, cmd, log)
	}()
	defer wg.Wait()

	t := time.NewTimer(g.DeferAfter)
	defer t.Stop()
	select {
	case r := <-done:
		g.respond(ctx, s, i, Response{Type: ResponseMessage, Data: ReplyData(r)}, log)
		return
	case <-ctx.Done():
		return
	case <-t.C:
	}
	if !g.respond(ctx, s, i, Response{Type: ResponseDeferred, Data: &ResponseData{Flags: FlagEphemeral, AllowedMentions: AllowedMentions{Parse: []string{}}}}, log) {
		return
	}
	select {
	case r := <-done:
		d := ReplyData(r)
		d.Flags = 0 // the deferral made it ephemeral; an edit cannot change flags
		endpoint := discordgo.EndpointWebhookMessage(i.AppID, i.Token, "@original")
		if _, err := s.RequestWithBucketID(http.MethodPatch, endpoint, d, bucket("edit", i.ID), requestOptions(ctx)...); err != nil {
			log.Warn("edit deferred answer", slog.Any("err", mapError("edit answer", err)))
		}
	case <-ctx.Done():
	}
}

func (g *Gateway) respond(ctx context.Context, s *discordgo.Session, i *discordgo.Interaction, r Response, log *slog.Logger) bool {
	endpoint := discordgo.EndpointInteractionResponse(i.ID, i.Token)
	if _, err := s.RequestWithBucketID(http.MethodPost, endpoint, r, bucket("callback", i.ID), requestOptions(ctx)...); err != nil {
		log.Warn("answer interaction", slog.Any("err", mapError("answer", err)))
		return false
	}
	return true
}

// bucket spreads interaction answers over a few discordgo buckets: one
// bucket serialises its requests, and one per interaction would pile up in
// discordgo's map for ever.
func bucket(kind, id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("interaction-%s-%d", kind, h.Sum32()%8)
}

// permanentClose tells gateway close codes that reconnecting cannot fix.
func permanentClose(err error) bool {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return false
	}
	switch ce.Code {
	case 4004, 4010, 4011, 4012, 4013, 4014: // authentication failed, shard and intent errors
		return true
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
