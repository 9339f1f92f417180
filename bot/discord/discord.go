// Package discord is Policy Radar's Discord adapter: alerts as embeds through
// the bot REST API or a webhook, and the /radar slash command over the
// gateway and HTTP interactions.
package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/policyradar/policyradar/alert"
)

// requestTimeout bounds one REST request when the caller's context does not.
const requestTimeout = 30 * time.Second

// Sender posts alerts to one Discord channel (bot token) or one webhook.
type Sender struct {
	session  *discordgo.Session
	endpoint string // where messages are POSTed; holds the token for webhooks: never log it
	bucket   string // discordgo rate-limit bucket key
	channel  string // safe name for logs and errors: "discord:ID" or "discord_webhook:ID"
	webhook  bool
	pacer    *pacer
	log      *slog.Logger
}

// NewBotSender posts to channelID with the bot token through the REST API at
// apiURL (e.g. "https://discord.com/api/v10").
func NewBotSender(token, apiURL, channelID string, logger *slog.Logger) (*Sender, error) {
	if token == "" {
		return nil, errors.New("discord: bot token is empty")
	}
	if !snowflake.MatchString(channelID) {
		return nil, fmt.Errorf("discord: channel id %q: want the channel's numeric id", channelID)
	}
	s, err := newSession(token, apiURL)
	if err != nil {
		return nil, err
	}
	return &Sender{
		session:  s.session,
		endpoint: discordgo.EndpointChannelMessages(channelID),
		bucket:   discordgo.EndpointChannelMessages(channelID),
		channel:  "discord:" + channelID,
		pacer:    s.pacer,
		log:      orDiscard(logger).With(slog.String("channel", "discord:"+channelID)),
	}, nil
}

var (
	snowflake   = regexp.MustCompile(`^[0-9]{1,20}$`)
	webhookPath = regexp.MustCompile(`/webhooks/([0-9]{1,20})/([A-Za-z0-9_.-]+)/?$`)
)

// NewWebhookSender posts through a webhook URL (https://discord.com/api/webhooks/ID/TOKEN,
// or the same path under apiURL's host in tests).
func NewWebhookSender(webhookURL string, logger *slog.Logger) (*Sender, error) {
	// Never echo the URL: it holds the webhook's token.
	const want = "want https://discord.com/api/webhooks/ID/TOKEN"
	u, err := url.Parse(webhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("discord webhook URL: " + want)
	}
	m := webhookPath.FindStringSubmatch(u.Path)
	if m == nil {
		return nil, errors.New("discord webhook URL: " + want)
	}
	q := u.Query()
	q.Set("wait", "true") // answer with the message, so we learn its id
	u.RawQuery = q.Encode()
	u.Fragment = ""
	s, err := newSession("", "")
	if err != nil {
		return nil, err
	}
	key := "discord_webhook:" + m[1]
	return &Sender{
		session:  s.session,
		endpoint: u.String(),
		bucket:   key,
		channel:  key,
		webhook:  true,
		pacer:    s.pacer,
		log:      orDiscard(logger).With(slog.String("channel", key)),
	}, nil
}

type session struct {
	session *discordgo.Session
	pacer   *pacer
}

// newSession makes a discordgo session whose HTTP client talks to apiURL and
// hands every 429 back to us (see transport). An empty token makes a session
// for webhooks, which carry their token in the URL.
func newSession(token, apiURL string) (*session, error) {
	p := &pacer{}
	t, err := newTransport(apiURL, p)
	if err != nil {
		return nil, err
	}
	if token != "" && !strings.HasPrefix(token, "Bot ") {
		token = "Bot " + token
	}
	s, err := discordgo.New(token)
	if err != nil {
		return nil, fmt.Errorf("discord session: %w", err)
	}
	s.Client = &http.Client{Transport: t, Timeout: requestTimeout}
	s.MaxRestRetries = 0
	s.ShouldRetryOnRateLimit = false
	s.StateEnabled = false
	return &session{session: s, pacer: p}, nil
}

// requestOptions keep discordgo from retrying on its own: retries, and the
// waits between them, belong to the caller and its context.
func requestOptions(ctx context.Context) []discordgo.RequestOption {
	return []discordgo.RequestOption{
		discordgo.WithContext(ctx),
		discordgo.WithRestRetries(0),
		discordgo.WithRetryOnRatelimit(false),
	}
}

// Send posts the alert as one embed and returns the message id. Errors:
// *alert.RateLimitedError on 429 (larger of Retry-After and retry_after);
// alert.Permanent(...) on 401/403/404 and other 4xx; anything else is
// retried with backoff by the caller.
func (s *Sender) Send(ctx context.Context, a alert.Alert) (string, error) {
	if a.Channel == "" {
		a.Channel = s.channel
	}
	p := Message(a)
	if s.webhook {
		p.Nonce, p.EnforceNonce = "", false // webhooks take no nonce; the queue keeps order instead
	}
	if err := s.pacer.wait(ctx); err != nil {
		return "", fmt.Errorf("post to %s: %w", s.channel, err)
	}
	body, err := s.session.RequestWithBucketID(http.MethodPost, s.endpoint, p, s.bucket, requestOptions(ctx)...)
	if err != nil {
		return "", mapError("post to "+s.channel, err)
	}
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.ID == "" {
		return "", fmt.Errorf("post to %s: unexpected answer %.80q", s.channel, body)
	}
	s.log.Debug("alert posted", slog.Int64("alert", a.ID), slog.String("message", m.ID))
	return m.ID, nil
}

// APIError is an error answer of Discord's REST API.
type APIError struct {
	Status  int    // HTTP status
	Code    int    // Discord's JSON error code, 0 when absent
	Message string // Discord's message, e.g. "Missing Access"
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Code != 0 {
		s += fmt.Sprintf(" (code %d)", e.Code)
	}
	return s
}

// mapError sorts a failed request into the three outcomes a caller acts on:
// rate limited (wait), permanent (give up), anything else (retry). The
// errors it returns never carry the request URL, which for webhooks holds
// a token.
func mapError(what string, err error) error {
	var rl *alert.RateLimitedError
	if errors.As(err, &rl) {
		return rl
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		ae := &APIError{Status: re.Response.StatusCode}
		if re.Message != nil {
			ae.Code, ae.Message = re.Message.Code, re.Message.Message
		}
		if ae.Status >= 400 && ae.Status < 500 {
			reason := fmt.Sprintf("%d %s", ae.Status, http.StatusText(ae.Status))
			if ae.Message != "" {
				reason += ": " + ae.Message
			}
			return alert.Permanent(reason, fmt.Errorf("%s: %w", what, ae))
		}
		return fmt.Errorf("%s: %w", what, ae)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // its text names the URL
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("connection closed: %w", err)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
