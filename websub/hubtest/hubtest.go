// Package hubtest is a fake WebSub hub on 127.0.0.1 for tests. It takes
// subscribe and unsubscribe requests, verifies intent by GETting the
// callback with a challenge, and publishes signed content to verified
// callbacks; it can also send forged and unsigned content, deny
// subscriptions and fail requests. It records everything it saw and did.
//
//	hub := hubtest.New()
//	defer hub.Close()
//	// serve a feed with <atom:link rel="hub" href="hub.URL()"/>, then:
//	hub.Publish(topic, "application/rss+xml", body)
package hubtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policyradar/policyradar/websub"
)

// Request is one subscribe or unsubscribe request the hub received.
type Request struct {
	Mode, Topic, Callback, Secret string
	LeaseSeconds                  int // as asked; 0 when absent
	Status                        int // the hub's answer
	At                            time.Time
}

// Verification is one verification of intent the hub made.
type Verification struct {
	Mode, Topic, Callback, Challenge string
	LeaseSeconds                     int
	Status                           int  // the callback's answer; 0 on a transport error
	Echoed                           bool // the body was exactly the challenge
	At                               time.Time
}

// Subscription is a verified subscription held by the hub.
type Subscription struct {
	Topic, Callback, Secret string
	Verified, Expires       time.Time
}

// Delivery is one content distribution POSTed to a callback.
type Delivery struct {
	Topic, Callback, Signature string
	Status                     int // the callback's answer; 0 on a transport error
	Err                        error
	Sent, Answered             time.Time
}

// Hub is the fake hub. Its zero value is not usable: call New.
type Hub struct {
	srv    *httptest.Server
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu            sync.Mutex
	lease         time.Duration // granted; 0: as asked, else 10 days
	method        string
	fail          []int
	subs          map[string]Subscription // topic + "\n" + callback
	requests      []Request
	verifications []Verification
	deliveries    []Delivery
	changed       chan struct{} // closed and replaced on every recorded event
}

// New starts a fake hub on 127.0.0.1. Close it when done.
func New() *Hub {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{ctx: ctx, cancel: cancel, method: "sha256", subs: map[string]Subscription{},
		changed: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	return h
}

// URL is the hub's URL, for <link rel="hub">.
func (h *Hub) URL() string { return h.srv.URL + "/hub" }

// Close stops verifications in flight and the server.
func (h *Hub) Close() {
	h.cancel()
	h.wg.Wait()
	h.srv.Close()
	h.client.CloseIdleConnections()
}

// SetLease makes the hub grant this lease whatever is asked (0: as asked).
func (h *Hub) SetLease(d time.Duration) { h.mu.Lock(); h.lease = d; h.mu.Unlock() }

// SetMethod sets the signing method of Publish: sha1, sha256 (default), sha384, sha512.
func (h *Hub) SetMethod(m string) { h.mu.Lock(); h.method = m; h.mu.Unlock() }

// Fail answers the next subscribe or unsubscribe requests with these
// statuses, one each, without verifying them.
func (h *Hub) Fail(statuses ...int) { h.mu.Lock(); h.fail = append(h.fail, statuses...); h.mu.Unlock() }

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/hub" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := Request{Mode: r.PostForm.Get("hub.mode"), Topic: r.PostForm.Get("hub.topic"),
		Callback: r.PostForm.Get("hub.callback"), Secret: r.PostForm.Get("hub.secret"), At: time.Now()}
	req.LeaseSeconds, _ = strconv.Atoi(r.PostForm.Get("hub.lease_seconds"))
	req.Status = http.StatusAccepted
	switch {
	case req.Mode != "subscribe" && req.Mode != "unsubscribe", req.Topic == "", !isHTTP(req.Callback):
		req.Status = http.StatusBadRequest
	case len(req.Secret) >= 200:
		req.Status = http.StatusBadRequest // WebSub 5.1: hub.secret MUST be under 200 bytes
	}
	h.mu.Lock()
	if req.Status == http.StatusAccepted && len(h.fail) > 0 {
		req.Status, h.fail = h.fail[0], h.fail[1:]
	}
	h.requests = append(h.requests, req)
	if req.Status == http.StatusAccepted {
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			h.verify(req)
		}()
	}
	h.notifyLocked()
	h.mu.Unlock()
	w.WriteHeader(req.Status)
}

// verify GETs the callback with a challenge and applies the request if the
// challenge comes back.
func (h *Hub) verify(req Request) {
	h.mu.Lock()
	lease := h.lease
	h.mu.Unlock()
	if lease <= 0 {
		lease = 10 * 24 * time.Hour
		if req.LeaseSeconds > 0 {
			lease = time.Duration(req.LeaseSeconds) * time.Second
		}
	}
	v := Verification{Mode: req.Mode, Topic: req.Topic, Callback: req.Callback, Challenge: randomHex(16)}
	params := url.Values{"hub.mode": {req.Mode}, "hub.topic": {req.Topic}, "hub.challenge": {v.Challenge}}
	if req.Mode == "subscribe" {
		v.LeaseSeconds = int(lease / time.Second)
		params.Set("hub.lease_seconds", strconv.Itoa(v.LeaseSeconds))
	}
	v.Status, v.Echoed = h.get(req.Callback, params, v.Challenge)
	v.At = time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.verifications = append(h.verifications, v)
	if v.Status/100 == 2 && v.Echoed {
		key := req.Topic + "\n" + req.Callback
		if req.Mode == "subscribe" {
			h.subs[key] = Subscription{Topic: req.Topic, Callback: req.Callback, Secret: req.Secret,
				Verified: v.At, Expires: v.At.Add(lease)}
		} else {
			delete(h.subs, key)
		}
	}
	h.notifyLocked()
}

// get GETs callback with params added and reports the status and whether
// the body equals want.
func (h *Hub) get(callback string, params url.Values, want string) (int, bool) {
	u, err := url.Parse(callback)
	if err != nil {
		return 0, false
	}
	q := u.Query()
	for k, vs := range params {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(h.ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, false
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, want != "" && string(body) == want
}

// Deny tells a callback that its subscription to topic was denied (hub.mode=denied).
func (h *Hub) Deny(topic, callback, reason string) int {
	status, _ := h.get(callback, url.Values{"hub.mode": {"denied"}, "hub.topic": {topic}, "hub.reason": {reason}}, "")
	h.mu.Lock()
	delete(h.subs, topic+"\n"+callback)
	h.notifyLocked()
	h.mu.Unlock()
	return status
}

// Subscriptions returns the verified, unexpired subscriptions to topic
// ("" for every topic).
func (h *Hub) Subscriptions(topic string) []Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Subscription
	now := time.Now()
	for _, s := range h.subs {
		if (topic == "" || s.Topic == topic) && s.Expires.After(now) {
			out = append(out, s)
		}
	}
	return out
}

// Requests returns the subscribe and unsubscribe requests received, oldest first.
func (h *Hub) Requests() []Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Request(nil), h.requests...)
}

// Verifications returns the verifications of intent made, oldest first.
func (h *Hub) Verifications() []Verification {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Verification(nil), h.verifications...)
}

// Deliveries returns the content distributions sent, oldest first.
func (h *Hub) Deliveries() []Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Delivery(nil), h.deliveries...)
}

// Publish POSTs body to every verified callback of topic, signed with its
// secret, and returns the deliveries. A callback answering 410 is dropped.
func (h *Hub) Publish(topic, contentType string, body []byte) []Delivery {
	h.mu.Lock()
	method := h.method
	h.mu.Unlock()
	var out []Delivery
	for _, s := range h.Subscriptions(topic) {
		d := h.Send(topic, s.Callback, contentType, body, websub.Sign(method, s.Secret, body))
		if d.Status == http.StatusGone {
			h.mu.Lock()
			delete(h.subs, s.Topic+"\n"+s.Callback)
			h.mu.Unlock()
		}
		out = append(out, d)
	}
	return out
}

// Send POSTs body to callback with the given X-Hub-Signature ("" sends
// none): the way to forge content.
func (h *Hub) Send(topic, callback, contentType string, body []byte, signature string) Delivery {
	d := Delivery{Topic: topic, Callback: callback, Signature: signature, Sent: time.Now()}
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, callback, strings.NewReader(string(body)))
	if err == nil {
		req.Header.Set("Content-Type", contentType)
		req.Header.Add("Link", fmt.Sprintf(`<%s>; rel="hub"`, h.URL()))
		req.Header.Add("Link", fmt.Sprintf(`<%s>; rel="self"`, topic))
		if signature != "" {
			req.Header.Set("X-Hub-Signature", signature)
		}
		var resp *http.Response
		if resp, err = h.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d.Status = resp.StatusCode
		}
	}
	d.Err, d.Answered = err, time.Now()
	h.mu.Lock()
	h.deliveries = append(h.deliveries, d)
	h.notifyLocked()
	h.mu.Unlock()
	return d
}

// Await returns once cond holds, re-checking after every event the hub
// records, or ctx's error.
func (h *Hub) Await(ctx context.Context, cond func() bool) error {
	for {
		h.mu.Lock()
		ch := h.changed
		h.mu.Unlock()
		if cond() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("hubtest: %w", ctx.Err())
		}
	}
}

func (h *Hub) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func isHTTP(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
