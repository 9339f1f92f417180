package alert_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
)

func TestPermanentError(t *testing.T) {
	cause := errors.New("channel_not_found")
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"reason only", alert.Permanent("channel_not_found", nil), "channel_not_found"},
		{"reason and another cause", alert.Permanent("403 Forbidden", errors.New("Missing Access")), "403 Forbidden: Missing Access"},
		{"reason already in the cause", alert.Permanent("channel_not_found", fmt.Errorf("post to slack:C1: %w", cause)), "post to slack:C1: channel_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
			if !errors.Is(tc.err, alert.ErrPermanent) {
				t.Error("errors.Is(err, ErrPermanent) is false")
			}
		})
	}
	if err := alert.Permanent("x", cause); !errors.Is(err, cause) {
		t.Error("the cause is not reachable with errors.Is")
	}
}

func TestRateLimitedError(t *testing.T) {
	var err error = fmt.Errorf("post: %w", &alert.RateLimitedError{RetryAfter: 3 * time.Second, Global: true})
	var rl *alert.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second || !rl.Global {
		t.Fatalf("errors.As = %+v", rl)
	}
	if errors.Is(err, alert.ErrPermanent) {
		t.Error("a rate limit is not permanent")
	}
}
