package slack

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	slackgo "github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// SocketMode answers /radar over a Socket Mode WebSocket: no public URL is
// needed, only an app-level token (xapp-…) with connections:write.
//
// slack-go's socketmode.Client does the connection work: it reconnects at
// once when the socket drops or Slack sends "disconnect", backs off
// (exponentially, up to 5 minutes) while apps.connections.open or the dial
// fails, and treats a socket without a server ping for 30 seconds as dead.
// It gives up only on an auth failure (invalid_auth, token_revoked, …):
// SocketMode then retries with its own backoff for other errors and returns
// on an auth failure, which retrying cannot fix.
type SocketMode struct {
	api    *slackgo.Client
	a      *answerer
	logger *slog.Logger
}

// NewSocketMode returns a Socket Mode client for the app token, with the
// bot token and Web API at apiURL (e.g. "https://slack.com/api/"), answering
// slash commands with h.
func NewSocketMode(appToken, botToken, apiURL string, h Handler, logger *slog.Logger) *SocketMode {
	logger = orDiscard(logger).With(slog.String("component", "slack-socket-mode"))
	return &SocketMode{
		api:    newClient(botToken, apiURL, slackgo.OptionAppLevelToken(appToken)),
		a:      newAnswerer(h, logger),
		logger: logger,
	}
}

// fatalCodes are the errors of apps.connections.open that no retry fixes.
var fatalCodes = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
	"not_allowed_token_type": true, "missing_scope": true,
}

// Run connects and answers slash commands until ctx is done, then returns nil
// once every goroutine it started has stopped. It returns an error early
// only when Slack refuses the app token.
func (s *SocketMode) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	client := socketmode.New(s.api, socketmode.OptionLog(log.New(discardWriter{}, "", 0)))

	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	fatal := make(chan error, 1)
	wg.Go(func() { fatal <- s.connect(ctx, client) })

	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-fatal:
			if err != nil {
				return err
			}
			return nil
		case evt := <-client.Events:
			if err := s.event(ctx, client, evt, &wg); err != nil {
				return err
			}
		}
	}
}

// connect keeps client.RunContext going until ctx ends or the token is refused.
func (s *SocketMode) connect(ctx context.Context, client *socketmode.Client) error {
	wait := time.Second
	for {
		err := client.RunContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if fatalError(err) {
			s.logger.Error("slack refused the app token; slash commands over socket mode are off",
				slog.String("error", err.Error()))
			return fmt.Errorf("slack socket mode: %w", err)
		}
		s.logger.Warn("socket mode stopped; reconnecting",
			slog.String("error", fmt.Sprint(err)), slog.Duration("in", wait))
		t := time.NewTimer(wait + rand.N(wait/2))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		wait = min(2*wait, 5*time.Minute)
	}
}

func fatalError(err error) bool {
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) && fatalCodes[se.Err] {
		return true
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) && (sc.Code == http.StatusUnauthorized || sc.Code == http.StatusForbidden || sc.Code == http.StatusNotFound) {
		return true
	}
	return err != nil && fatalCodes[err.Error()]
}

// event handles one event of the socketmode client. It returns an error
// when the connection can never succeed.
func (s *SocketMode) event(ctx context.Context, client *socketmode.Client, evt socketmode.Event, wg *sync.WaitGroup) error {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		s.logger.Info("socket mode connected")
	case socketmode.EventTypeConnectionError:
		ce, ok := evt.Data.(*slackgo.ConnectionErrorEvent)
		if !ok {
			return nil
		}
		// slack-go retries every error but a few auth codes forever; a
		// token of the wrong kind or without connections:write is just as
		// hopeless.
		if fatalError(ce.ErrorObj) {
			s.logger.Error("slack refused the app token; slash commands over socket mode are off",
				slog.String("error", ce.ErrorObj.Error()))
			return fmt.Errorf("slack socket mode: %w", ce.ErrorObj)
		}
		s.logger.Warn("socket mode connection failed", slog.Int("attempt", ce.Attempt),
			slog.Duration("retry_in", ce.Backoff), slog.String("error", fmt.Sprint(ce.ErrorObj)))
	case socketmode.EventTypeInvalidAuth:
		s.logger.Error("socket mode: invalid app token")
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slackgo.SlashCommand)
		if !ok || evt.Request == nil {
			return nil
		}
		envelope := evt.Request.EnvelopeID
		wg.Go(func() {
			s.a.answer(ctx, sc, func(resp SlashResponse) {
				if err := client.AckCtx(ctx, envelope, resp); err != nil {
					s.logger.Warn("slash command ack failed", slog.String("error", err.Error()))
				}
			})
		})
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeInteractive:
		// Not subscribed to; ack so that Slack does not retry them.
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			_ = client.AckCtx(ctx, evt.Request.EnvelopeID, nil)
		}
	}
	return nil
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }
