package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	slackgo "github.com/slack-go/slack"
)

// MaxCommandBody caps the body of POST /slack/commands; Slack's forms are a
// few hundred bytes.
const MaxCommandBody = 64 << 10

// commandHandler serves Slack's slash command requests over HTTP.
type commandHandler struct {
	secret string
	a      *answerer
	logger *slog.Logger
}

// NewCommandHandler returns the handler of POST /slack/commands. It refuses
// (401) a request whose X-Slack-Signature does not match the signing secret
// over "v0:TIMESTAMP:BODY" or whose timestamp is more than 5 minutes off,
// caps the body at MaxCommandBody (413), and answers within Slack's 3
// seconds with an ephemeral JSON answer; an answer that takes longer follows
// through the command's response_url before the request's handler returns.
func NewCommandHandler(signingSecret string, h Handler, logger *slog.Logger) http.Handler {
	logger = orDiscard(logger).With(slog.String("component", "slack-commands"))
	return &commandHandler{secret: signingSecret, a: newAnswerer(h, logger), logger: logger}
}

func (c *commandHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCommandBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return
	}
	// NewSecretsVerifier refuses missing headers, a malformed signature and a
	// timestamp more than 5 minutes from now; Ensure compares the HMAC in
	// constant time.
	sv, err := slackgo.NewSecretsVerifier(r.Header, c.secret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		c.logger.Warn("slash command refused", slog.String("reason", err.Error()), slog.String("remote", r.RemoteAddr))
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed form body", http.StatusBadRequest)
		return
	}
	sc := slackgo.SlashCommand{
		TeamID:      form.Get("team_id"),
		ChannelID:   form.Get("channel_id"),
		UserID:      form.Get("user_id"),
		Command:     form.Get("command"),
		Text:        form.Get("text"),
		ResponseURL: form.Get("response_url"),
	}
	// The late answer must outlive Slack hanging up after the ack.
	ctx := context.WithoutCancel(r.Context())
	c.a.answer(ctx, sc, func(resp SlashResponse) {
		writeAnswer(w, resp)
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
	})
}

func writeAnswer(w http.ResponseWriter, resp SlashResponse) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		http.Error(w, "cannot render answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
