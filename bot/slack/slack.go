// Package slack is Policy Radar's Slack adapter: alerts as Block Kit messages
// through chat.postMessage, and the /radar slash command over Socket Mode and HTTP.
package slack

import (
	"context"
	"log/slog"

	"github.com/policyradar/policyradar/alert"
)

// Sender posts alerts to one Slack channel.
type Sender struct{}

// NewSender returns a Sender posting to channelID with the bot token through
// the Web API at apiURL (e.g. "https://slack.com/api/").
func NewSender(token, apiURL, channelID string, logger *slog.Logger) *Sender {
	panic("slack: NewSender not implemented")
}

// Send posts the alert. It returns the message timestamp. Errors:
// *alert.RateLimitedError on 429 / ratelimited; alert.Permanent(...) for
// channel_not_found, not_in_channel, invalid_auth and other errors that
// retrying cannot fix; anything else is retried with backoff by the caller.
func (s *Sender) Send(ctx context.Context, a alert.Alert) (string, error) {
	panic("slack: Send not implemented")
}
