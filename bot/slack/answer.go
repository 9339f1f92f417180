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

// Handler answers one /radar command. The bot package provides the real one.
type Handler func(ctx context.Context, cmd alert.Command) alert.Reply

const (
	// ackBudget is how long a command may take before the answer is sent
	// later through response_url: Slack wants the ack within 3 seconds.
	ackBudget = 2500 * time.Millisecond
	// lateBudget bounds a command that missed the ack; it stays under the
	// 10 seconds a shutdown may take.
	lateBudget = 8 * time.Second
)

// stillWorking is the ack of a command that is taking longer than ackBudget.
func stillWorking() SlashResponse {
	return RenderReply(alert.Reply{Text: "Still working on it — the answer will follow here shortly."})
}

// answerer runs Handlers under Slack's 3-second rule.
type answerer struct {
	h      Handler
	client *http.Client // for response_url
	logger *slog.Logger
}

// answer runs the handler for sc. It calls ack exactly once, within
// ackBudget, with the answer or, when the handler is slower, with a short
// note; then it waits for the handler and posts its answer to the command's
// response_url. It returns when all of that is done or ctx ends.
func (a *answerer) answer(ctx context.Context, sc slackgo.SlashCommand, ack func(SlashResponse)) {
	cmd := commandFrom(sc)
	hctx, cancel := context.WithTimeout(ctx, lateBudget)
	defer cancel()
	done := make(chan alert.Reply, 1)
	go func() { done <- a.run(hctx, cmd) }() // waited for below: done is always received or hctx cancelled
	timer := time.NewTimer(ackBudget)
	defer timer.Stop()
	select {
	case r := <-done:
		ack(RenderReply(r))
		return
	case <-timer.C:
		ack(stillWorking())
	case <-ctx.Done():
		<-done // shutting down: the handler sees hctx cancelled
		return
	}
	r := <-done
	if err := a.postLate(ctx, sc.ResponseURL, RenderReply(r)); err != nil {
		a.logger.Warn("late slash command answer not delivered",
			slog.String("command", cmd.Name), slog.String("error", err.Error()))
	}
}

// run calls the handler, turning a panic into an error answer.
func (a *answerer) run(ctx context.Context, cmd alert.Command) (r alert.Reply) {
	defer func() {
		if p := recover(); p != nil {
			a.logger.Error("slash command handler panicked", slog.String("command", cmd.Name), slog.Any("panic", p))
			r = alert.Reply{Text: "Something went wrong answering that. Try again, or /radar help.", Error: true}
		}
	}()
	return a.h(ctx, cmd)
}

// postLate sends an answer to a slash command's response_url.
func (a *answerer) postLate(ctx context.Context, responseURL string, resp SlashResponse) error {
	if !strings.HasPrefix(responseURL, "https://") && !strings.HasPrefix(responseURL, "http://") {
		return fmt.Errorf("no usable response_url")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	msg := &slackgo.WebhookMessage{
		Text:         resp.Text,
		ResponseType: resp.ResponseType,
		Blocks:       &slackgo.Blocks{BlockSet: resp.Blocks},
	}
	if err := slackgo.PostWebhookCustomHTTPContext(ctx, responseURL, a.client, msg); err != nil {
		// The response_url is a capability: keep it out of logs.
		return fmt.Errorf("post to response_url: %w", redact(err, responseURL))
	}
	return nil
}

func newAnswerer(h Handler, logger *slog.Logger) *answerer {
	return &answerer{
		h: h,
		client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		logger: logger,
	}
}
