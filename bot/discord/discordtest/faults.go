package discordtest

import (
	"bufio"
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault tells the fake how to answer the next matching requests instead of
// (or before) serving them. Zero fields mean "not this".
//
//	srv.Fail(discordtest.Fault{Status: 429, RetryAfter: time.Second, BodyRetryAfter: 3 * time.Second})
//	srv.Fail(discordtest.Fault{Status: 403})           // {"message":"Missing Access","code":50001}
//	srv.Fail(discordtest.Fault{Status: 503, Times: 3}) // three requests in a row
//	srv.Fail(discordtest.Fault{Path: "/webhooks/", Hang: true})
type Fault struct {
	Path  string // only requests whose path contains this; "" matches every request
	Times int    // how many requests it answers; 0 means 1, negative means until ClearFaults

	Status  int    // answer this status: 429, 500, 502, 503, 401, 403, 404, 400...
	Code    int    // Discord's JSON error code for 4xx (a sensible default per status)
	Message string // Discord's error message (a sensible default per status)

	RetryAfter     time.Duration // 429: Retry-After header (whole seconds, rounded up); 0 sends none
	BodyRetryAfter time.Duration // 429: retry_after in the body (seconds, fractional); 0 leaves it out
	Global         bool          // 429: a global limit (body "global": true and X-RateLimit-Global)

	Malformed bool          // serve the request, then answer 200 with broken JSON
	Delay     time.Duration // wait this long, then serve (or fail) as told
	Hang      bool          // never answer, until the client gives up or the server closes
}

// Fail queues a fault; faults apply in the order queued.
func (s *Server) Fail(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults drops every queued fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the first fault matching path and uses up one of its times.
func (s *Server) takeFault(path string) *Fault {
	for i, f := range s.faults {
		if !strings.Contains(path, f.Path) {
			continue
		}
		out := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

// faulty records every request and applies the queued faults around next.
func (s *Server) faulty(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Method: r.Method, Path: r.URL.Path, Authorization: r.Header.Get("Authorization")}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		f := s.takeFault(r.URL.Path)
		s.mu.Unlock()
		rec := &statusWriter{ResponseWriter: w}
		defer func() {
			s.mu.Lock()
			req.Status = rec.status
			s.mu.Unlock()
		}()

		if f == nil {
			next.ServeHTTP(rec, r)
			return
		}
		if f.Hang {
			s.wait(r.Context(), math.MaxInt64)
			return
		}
		if f.Delay > 0 && !s.wait(r.Context(), f.Delay) {
			return
		}
		switch {
		case f.Malformed:
			next.ServeHTTP(&malformedWriter{statusWriter: rec}, r)
		case f.Status == http.StatusTooManyRequests:
			rateLimited(rec, *f)
		case f.Status != 0:
			code, msg := f.Code, f.Message
			if msg == "" {
				code, msg = defaultError(f.Status)
			}
			writeError(rec, f.Status, code, msg)
		default:
			next.ServeHTTP(rec, r)
		}
	})
}

func rateLimited(w http.ResponseWriter, f Fault) {
	h := w.Header()
	if f.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	if f.Global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
		h.Set("X-RateLimit-Remaining", "0")
	}
	body := map[string]any{"message": "You are being rate limited.", "global": f.Global}
	if f.BodyRetryAfter > 0 {
		body["retry_after"] = f.BodyRetryAfter.Seconds()
	}
	writeJSON(w, http.StatusTooManyRequests, body)
}

func defaultError(status int) (int, string) {
	switch status {
	case http.StatusBadRequest:
		return 50035, "Invalid Form Body"
	case http.StatusUnauthorized:
		return 0, "401: Unauthorized"
	case http.StatusForbidden:
		return 50001, "Missing Access"
	case http.StatusNotFound:
		return 10003, "Unknown Channel"
	}
	return 0, http.StatusText(status)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Hijack lets the gateway socket through the recording wrapper.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("discordtest: connection cannot be hijacked")
	}
	w.status = http.StatusSwitchingProtocols
	return h.Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// malformedWriter lets a handler do its work but answers 200 with JSON cut short.
type malformedWriter struct {
	*statusWriter
	wrote bool
}

func (w *malformedWriter) WriteHeader(int) {
	if !w.wrote {
		w.wrote = true
		w.statusWriter.Header().Set("Content-Type", "application/json")
		w.statusWriter.WriteHeader(http.StatusOK)
		_, _ = w.statusWriter.Write([]byte(`{"id": "12`))
	}
}

func (w *malformedWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}
