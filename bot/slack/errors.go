package slack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"github.com/policyradar/policyradar/alert"
)

// defaultRetryAfter is the wait after a rate limit that did not say how long.
const defaultRetryAfter = time.Second

// retryableCodes are the Web API error codes that a later attempt can get past.
// Every other ok:false code is permanent: it names a channel, a token, a scope
// or a message that will be just as wrong next time, and retrying it forever
// would hold up the channel's whole queue.
var retryableCodes = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
	"timeout":             true,
}

// response is what the HTTP client saw of the last response, kept per call so
// that errors can be classified with the status and Retry-After header that
// slack-go does not pass on.
type response struct {
	status     int
	retryAfter string
}

type responseKey struct{}

// recordingClient is the HTTP client handed to slack-go: it notes the status
// and Retry-After of each response in the call's context.
type recordingClient struct{ c *http.Client }

func (rc recordingClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := rc.c.Do(req)
	if resp != nil {
		if r, ok := req.Context().Value(responseKey{}).(*response); ok {
			r.status = resp.StatusCode
			r.retryAfter = resp.Header.Get("Retry-After")
		}
	}
	return resp, err
}

// classify maps an error of chat.postMessage onto what the delivery worker
// branches on: *alert.RateLimitedError, alert.Permanent, or a plain error to
// retry with backoff.
func classify(err error, resp *response) error {
	var rl *slackgo.RateLimitedError
	if errors.As(err, &rl) {
		return &alert.RateLimitedError{RetryAfter: atLeast(rl.RetryAfter), Err: err}
	}
	var sc slackgo.StatusCodeError
	if errors.As(err, &sc) {
		switch {
		case sc.Code == http.StatusTooManyRequests:
			return &alert.RateLimitedError{RetryAfter: retryAfter(resp), Err: err}
		case sc.Code == http.StatusRequestTimeout:
			return fmt.Errorf("slack: %w", err)
		case sc.Code >= 400 && sc.Code < 500:
			return alert.Permanent(sc.Status, err)
		default:
			return fmt.Errorf("slack: %w", err)
		}
	}
	var se slackgo.SlackErrorResponse
	if errors.As(err, &se) {
		code := strings.TrimSpace(se.Err)
		switch {
		case code == "ratelimited" || code == "rate_limited":
			return &alert.RateLimitedError{RetryAfter: retryAfter(resp), Err: err}
		case retryableCodes[code]:
			return fmt.Errorf("slack: %w", err)
		default:
			if se.Needed != "" {
				return alert.Permanent(code, fmt.Errorf("%w (needs scope %s)", err, se.Needed))
			}
			return alert.Permanent(code, err)
		}
	}
	// A Retry-After that is not a number of seconds makes slack-go fail while
	// reading the status; the recorded response still says what happened.
	if resp != nil && resp.status == http.StatusTooManyRequests {
		return &alert.RateLimitedError{RetryAfter: retryAfter(resp), Err: err}
	}
	// Network errors, timeouts, malformed JSON: worth another try.
	return fmt.Errorf("slack: %w", err)
}

// retryAfter reads the Retry-After header (seconds or an HTTP date).
func retryAfter(resp *response) time.Duration {
	if resp == nil || resp.retryAfter == "" {
		return defaultRetryAfter
	}
	v := strings.TrimSpace(resp.retryAfter)
	if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 && secs < 1e6 {
		return atLeast(time.Duration(secs * float64(time.Second)))
	}
	if t, err := http.ParseTime(v); err == nil {
		return atLeast(time.Until(t))
	}
	return defaultRetryAfter
}

// atLeast keeps a rate-limit wait from being zero, which would retry at once.
func atLeast(d time.Duration) time.Duration {
	if d <= 0 {
		return defaultRetryAfter
	}
	return d
}

// redacted keeps a secret out of an error's text while keeping its chain.
type redacted struct {
	err    error
	secret string
}

func (r redacted) Error() string {
	return strings.ReplaceAll(r.err.Error(), r.secret, "[redacted]")
}

func (r redacted) Unwrap() error { return r.err }

func redact(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) {
		return err
	}
	return redacted{err: err, secret: secret}
}

// isContextErr reports whether err comes from ctx ending rather than Slack.
func isContextErr(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
