// Package slack is Policy Radar's Slack adapter: alerts as Block Kit messages
// through chat.postMessage, and the /radar slash command over Socket Mode and HTTP.
package slack

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/policyradar/policyradar/alert"
)

// DefaultAPIURL is Slack's Web API.
const DefaultAPIURL = "https://slack.com/api/"

// requestTimeout bounds one Web API call when the caller's context has no
// deadline of its own, so a hung connection cannot stall a channel forever.
const requestTimeout = 30 * time.Second

// Sender posts alerts to one Slack channel.
type Sender struct {
	api     *slackgo.Client
	token   string
	channel string
	logger  *slog.Logger
}

// NewSender returns a Sender posting to channelID with the bot token through
// the Web API at apiURL (e.g. "https://slack.com/api/").
func NewSender(token, apiURL, channelID string, logger *slog.Logger) *Sender {
	logger = orDiscard(logger)
	return &Sender{
		api:     newClient(token, apiURL),
		token:   token,
		channel: channelID,
		logger:  logger.With(slog.String("channel", "slack:"+channelID)),
	}
}

// newClient builds a slack-go client whose HTTP client records each
// response's status and Retry-After for classify, and never follows
// redirects: the token travels in the form body and must not be re-posted to
// wherever a redirect points.
func newClient(token, apiURL string, opts ...slackgo.Option) *slackgo.Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	hc := &http.Client{
		Timeout: requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	opts = append([]slackgo.Option{slackgo.OptionAPIURL(apiURL), slackgo.OptionHTTPClient(recordingClient{c: hc})}, opts...)
	return slackgo.New(token, opts...)
}

// Send posts the alert. It returns the message timestamp. Errors:
// *alert.RateLimitedError on 429 / ratelimited; alert.Permanent(...) for
// channel_not_found, not_in_channel, invalid_auth and other errors that
// retrying cannot fix; anything else is retried with backoff by the caller.
func (s *Sender) Send(ctx context.Context, a alert.Alert) (string, error) {
	text, blocks := Blocks(a)
	resp := &response{}
	ctx = context.WithValue(ctx, responseKey{}, resp)
	_, ts, err := s.api.PostMessageContext(ctx, s.channel,
		slackgo.MsgOptionText(text, false), // escaped by Blocks, the mention kept live
		slackgo.MsgOptionBlocks(blocks...),
		// Alerts already carry title, snippet and source; an unfurl would
		// repeat them in a large card, and the linked site would learn of
		// every channel an item is posted to.
		slackgo.MsgOptionDisableLinkUnfurl(),
		slackgo.MsgOptionDisableMediaUnfurl(),
		// No automatic linking of bare names: only explicit markup counts,
		// and all markup from feeds is escaped.
		slackgo.MsgOptionParse(false),
		slackgo.MsgOptionLinkNames(false),
	)
	if err != nil {
		if isContextErr(ctx, err) {
			return "", fmt.Errorf("post alert %d: %w", a.ID, ctx.Err())
		}
		err = redact(classify(err, resp), s.token)
		s.logger.Debug("post failed", slog.Int64("alert", a.ID), slog.String("error", err.Error()))
		return "", fmt.Errorf("post alert %d: %w", a.ID, err)
	}
	return ts, nil
}
