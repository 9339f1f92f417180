package slacktest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is a way for the fake to misbehave. Build one with RateLimited,
// Status, SlackError, MalformedJSON, Slow or Hang, and arm it with
// Server.Fail (the next n calls) or Server.FailAlways.
type Fault struct {
	kind       faultKind
	status     int
	retryAfter string
	code       string
	delay      time.Duration
	method     string // Web API method it applies to; "" means chat.postMessage
}

type faultKind int

const (
	faultStatus faultKind = iota
	faultSlackError
	faultMalformed
	faultSlow
	faultHang
)

// RateLimited answers HTTP 429 with Retry-After set to retryAfter (seconds,
// as Slack sends it, or any text); an empty retryAfter sends no header.
func RateLimited(retryAfter string) Fault {
	return Fault{kind: faultStatus, status: http.StatusTooManyRequests, retryAfter: retryAfter}
}

// RateLimitedFor answers HTTP 429 with Retry-After of d, rounded up to whole seconds.
func RateLimitedFor(d time.Duration) Fault {
	secs := int((d + time.Second - 1) / time.Second)
	return RateLimited(strconv.Itoa(secs))
}

// Status answers with an HTTP status such as 500, 502 or 503 and an HTML body,
// as Slack's edge does.
func Status(code int) Fault { return Fault{kind: faultStatus, status: code} }

// SlackError answers HTTP 200 {"ok":false,"error":code}, e.g.
// "channel_not_found", "invalid_auth", "ratelimited". retryAfter, when given,
// is sent as the Retry-After header.
func SlackError(code string, retryAfter ...string) Fault {
	f := Fault{kind: faultSlackError, code: code}
	if len(retryAfter) > 0 {
		f.retryAfter = retryAfter[0]
	}
	return f
}

// MalformedJSON answers HTTP 200 with a body that is not JSON.
func MalformedJSON() Fault { return Fault{kind: faultMalformed} }

// Slow answers normally after d (or when the client gives up or the server closes).
func Slow(d time.Duration) Fault { return Fault{kind: faultSlow, delay: d} }

// Hang never answers: it holds the request until the client gives up or the
// server is closed.
func Hang() Fault { return Fault{kind: faultHang} }

// On makes the fault apply to another Web API method, e.g. "auth.test" or
// "apps.connections.open", instead of chat.postMessage.
func (f Fault) On(method string) Fault {
	f.method = method
	return f
}

func (f Fault) appliesTo(method string) bool {
	if f.method == "" {
		return method == "chat.postMessage"
	}
	return f.method == method
}

// armed is a fault with how many more calls it spoils (-1: every call).
type armed struct {
	fault Fault
	left  int
}

// Fail makes the next n calls of the fault's method misbehave. Faults armed
// earlier are used up first.
func (s *Server) Fail(n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &armed{fault: f, left: n})
}

// FailAlways makes every call of the fault's method misbehave until Heal.
func (s *Server) FailAlways(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &armed{fault: f, left: -1})
}

// Heal removes every armed fault.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// nextFault takes the fault for this call of method, if any.
func (s *Server) nextFault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, a := range s.faults {
		if !a.fault.appliesTo(method) {
			continue
		}
		if a.left > 0 {
			a.left--
			if a.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return a.fault, true
	}
	return Fault{}, false
}

// misbehave answers the request as f says. It reports false when the request
// should then be answered normally (a Slow fault).
func (s *Server) misbehave(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f.kind {
	case faultStatus:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte("<html><body>" + http.StatusText(f.status) + "</body></html>"))
	case faultSlackError:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		writeJSON(w, map[string]any{"ok": false, "error": f.code})
	case faultMalformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":tru`))
	case faultSlow:
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
		case <-s.done:
		}
		return false
	case faultHang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
	}
	return true
}
