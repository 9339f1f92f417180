// Package discord is Policy Radar's Discord adapter: alerts as embeds through
// the bot REST API or a webhook, and the /radar slash command over the
// gateway and HTTP interactions.
package discord

import (
	"context"
	"log/slog"

	"github.com/policyradar/policyradar/alert"
)

// Sender posts alerts to one Discord channel (bot token) or one webhook.
type Sender struct{}

// NewBotSender posts to channelID with the bot token through the REST API at
// apiURL (e.g. "https://discord.com/api/v10").
func NewBotSender(token, apiURL, channelID string, logger *slog.Logger) (*Sender, error) {
	panic("discord: NewBotSender not implemented")
}

// NewWebhookSender posts through a webhook URL (https://discord.com/api/webhooks/ID/TOKEN,
// or the same path under apiURL's host in tests).
func NewWebhookSender(webhookURL string, logger *slog.Logger) (*Sender, error) {
	panic("discord: NewWebhookSender not implemented")
}

// Send posts the alert as one embed and returns the message id. Errors:
// *alert.RateLimitedError on 429 (larger of Retry-After and retry_after);
// alert.Permanent(...) on 401/403/404 and other 4xx; anything else is
// retried with backoff by the caller.
func (s *Sender) Send(ctx context.Context, a alert.Alert) (string, error) {
	panic("discord: Send not implemented")
}
