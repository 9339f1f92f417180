// Package crash_test proves the delivery promises of SPEC.md from outside the
// process: the real binary (built by internal/proctest) runs against fake
// feed, Slack and Discord servers in this test process and is killed,
// stopped, starved of disk and fed a corrupt database.
package crash_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policyradar/policyradar/bot/discord/discordtest"
	"github.com/policyradar/policyradar/bot/slack/slacktest"
	"github.com/policyradar/policyradar/feeds/feedtest"
	"github.com/policyradar/policyradar/store"
)

const (
	feedPath     = "/wire.xml"
	slackToken   = "xoxb-crash-0123456789-abcdefSECRET"
	discordToken = "crash-discord-bot-token-SECRET"
)

// topics route the items: item n matches topics[n%len(topics)] only, which
// goes to its own Slack channel and its own Discord channel. Policy Radar
// posts about one alert a second to a channel, as both platforms ask, so
// spreading them over channels keeps the run short.
var topics = []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot"}

func slackChannelOf(topic string) string { return "C0" + fmt.Sprintf("%X", topic) }

func discordChannelOf(topic string) string {
	for i, tp := range topics {
		if tp == topic {
			return fmt.Sprintf("1122334455667788%02d", i)
		}
	}
	panic("unknown topic " + topic)
}

// world is a feed server, Slack and Discord fakes, and a proxy in front of
// both fakes that answers slowly, so kills land while a send is in flight,
// before and after the fake accepted it.
type world struct {
	t       *testing.T
	feeds   *feedtest.Server
	slack   *slacktest.Server
	discord *discordtest.Server
	proxy   *httptest.Server
	px      *proxy

	mu    sync.Mutex
	items []feedtest.Item
}

func newWorld(t *testing.T, maxDelay time.Duration) *world {
	w := &world{t: t, feeds: feedtest.New(), slack: slacktest.New(), discord: discordtest.New(), px: &proxy{}}
	w.proxy = httptest.NewServer(w.px.handler(map[string]string{
		"/slack/":   w.slack.URL(),
		"/discord/": w.discord.APIURL() + "/",
	}, maxDelay))
	t.Cleanup(func() {
		w.proxy.CloseClientConnections()
		w.proxy.Close()
		w.feeds.Close()
		w.slack.Close()
		w.discord.Close()
	})
	w.feeds.SetItems(feedPath, "Crash Wire")
	return w
}

// proxy forwards /slack/… and /discord/… to the fakes, sleeping a random
// part of maxDelay before forwarding and again after the fake answered. It
// counts the requests in each phase, so a test can kill the process while
// a post is in flight or after the platform accepted it but before the
// process heard so.
type proxy struct {
	inflight atomic.Int64 // requests in the proxy
	answered atomic.Int64 // requests the fake has answered, waiting to be passed back

}

func (px *proxy) handler(routes map[string]string, maxDelay time.Duration) http.Handler {
	mux := http.NewServeMux()
	for prefix, target := range routes {
		u, err := url.Parse(target)
		if err != nil {
			panic(err)
		}
		rp := &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.Out.URL.Scheme, r.Out.URL.Host = u.Scheme, u.Host
				r.Out.URL.Path = u.Path + r.In.URL.Path[len(prefix):]
				r.Out.Host = u.Host
			},
			ModifyResponse: func(*http.Response) error {
				px.answered.Add(1)
				defer px.answered.Add(-1)
				time.Sleep(rand.N(maxDelay + 1))
				return nil
			},
			// A killed client cuts requests short; that is the point, not news.
			ErrorLog: log.New(io.Discard, "", 0),
		}
		mux.Handle(prefix, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			px.inflight.Add(1)
			defer px.inflight.Add(-1)
			time.Sleep(rand.N(maxDelay + 1))
			rp.ServeHTTP(rw, r)
		}))
	}
	return mux
}

// waitSending waits up to limit for a post in flight (answered: one the fake
// has already accepted) and reports whether it saw one.
func (px *proxy) waitSending(answered bool, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if (answered && px.answered.Load() > 0) || (!answered && px.inflight.Load() > 0) {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

func (w *world) slackURL() string   { return w.proxy.URL + "/slack/" }
func (w *world) discordURL() string { return w.proxy.URL + "/discord" }

// publish adds n items to the feed, each matching one topic.
func (w *world) publish(n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for range n {
		i := len(w.items)
		w.items = append(w.items, feedtest.Item{
			Title:       fmt.Sprintf("%s report n%03d", topics[i%len(topics)], i),
			GUID:        fmt.Sprintf("crash-%d", i),
			Link:        fmt.Sprintf("https://wire.example/%d", i),
			Description: "<p>What happened today.</p>",
			Published:   time.Now().Add(-time.Hour),
		})
	}
	w.feeds.SetItems(feedPath, "Crash Wire", w.items...)
}

func (w *world) published() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.items)
}

// config is the YAML of a run against this world.
func (w *world) config(httpAddr string, backfill int) string {
	y := fmt.Sprintf(`
storage: {path: data/radar.db}
http: {listen: %q}
poll: {interval: 1s, timeout: 5s, backfill: %d}
feeds:
  - url: %s
    name: Crash Wire
topics:
`, httpAddr, backfill, w.feeds.URL(feedPath))
	for _, tp := range topics {
		y += fmt.Sprintf("  - {id: %s, any: [%s]}\n", tp, tp)
	}
	y += "channels:\n"
	for _, tp := range topics {
		y += fmt.Sprintf("  - {slack: %s, topics: [%s]}\n", slackChannelOf(tp), tp)
		y += fmt.Sprintf("  - {discord: %q, topics: [%s]}\n", discordChannelOf(tp), tp)
	}
	y += fmt.Sprintf(`slack: {token: %s, api_url: %s}
discord: {token: %s, api_url: %s}
`, slackToken, w.slackURL(), discordToken, w.discordURL())
	return y
}

var itemNumber = regexp.MustCompile(`report n(\d{3})`)

func numberIn(s string) (int, bool) {
	m := itemNumber.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	return n, err == nil
}

// tally counts, per item number, the Slack posts (in the right channel) and
// the Discord messages created.
type tally struct {
	slack, discord map[int]int
	misrouted      []string
}

func (w *world) tally() tally {
	tl := tally{slack: map[int]int{}, discord: map[int]int{}}
	for _, p := range w.slack.Posts() {
		n, ok := numberIn(p.Text)
		if !ok || p.Channel != slackChannelOf(topics[n%len(topics)]) {
			tl.misrouted = append(tl.misrouted, p.Channel+": "+p.Text)
			continue
		}
		tl.slack[n]++
	}
	for _, tp := range topics {
		for _, m := range w.discord.Messages(discordChannelOf(tp)) {
			if len(m.Embeds) == 0 {
				tl.misrouted = append(tl.misrouted, "discord without embed: "+m.Content)
				continue
			}
			n, ok := numberIn(m.Embeds[0].Title)
			if !ok || topics[n%len(topics)] != tp {
				tl.misrouted = append(tl.misrouted, "discord "+m.ChannelID+": "+m.Embeds[0].Title)
				continue
			}
			if m.Nonce == "" || !m.EnforceNonce {
				tl.misrouted = append(tl.misrouted, "discord message without nonce and enforce_nonce: "+m.Embeds[0].Title)
			}
			tl.discord[n]++
		}
	}
	return tl
}

// complete reports whether each of the first n items reached both platforms.
func (tl tally) complete(n int) bool {
	for i := range n {
		if tl.slack[i] == 0 || tl.discord[i] == 0 {
			return false
		}
	}
	return true
}

// check fails t for every lost item, every Discord duplicate, and more Slack
// repeats than slackRepeats allows.
func (tl tally) check(t *testing.T, n, slackRepeats int) {
	t.Helper()
	var lostSlack, lostDiscord, dupDiscord []int
	repeats := 0
	for i := range n {
		switch c := tl.slack[i]; {
		case c == 0:
			lostSlack = append(lostSlack, i)
		case c > 1:
			repeats += c - 1
		}
		switch c := tl.discord[i]; {
		case c == 0:
			lostDiscord = append(lostDiscord, i)
		case c > 1:
			dupDiscord = append(dupDiscord, i)
		}
	}
	if len(lostSlack) > 0 {
		t.Errorf("%d alerts never reached Slack: items %v", len(lostSlack), lostSlack)
	}
	if len(lostDiscord) > 0 {
		t.Errorf("%d alerts never reached Discord: items %v", len(lostDiscord), lostDiscord)
	}
	if len(dupDiscord) > 0 {
		t.Errorf("Discord created more than one message for items %v (nonce + enforce_nonce must prevent it)", dupDiscord)
	}
	t.Logf("%d items: Slack repeated %d posts (%d allowed)", n, repeats, slackRepeats)
	if repeats > slackRepeats {
		t.Errorf("Slack got %d repeated posts, more than the %d allowed", repeats, slackRepeats)
	}
	if len(tl.misrouted) > 0 {
		t.Errorf("posts in the wrong place or of unknown items: %q", tl.misrouted)
	}
	if extra := len(tl.slack) + len(tl.discord) - 2*n; extra > 0 {
		t.Errorf("%d posts of items beyond the %d published", extra, n)
	}
}

// postedButQueued opens the database of a killed process and returns, per
// Slack channel, the items the fake already holds a post of while the
// database still has them queued: the posts the killed process had in
// flight, which the next run will send again.
func (w *world) postedButQueued(t *testing.T, db string) map[string][]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatalf("open the database of the killed process: %v", err)
	}
	defer st.Close()
	posted := w.tally().slack
	out := map[string][]int{}
	for _, tp := range topics {
		ch := slackChannelOf(tp)
		queued, err := st.Pending(ctx, "slack:"+ch, time.Now().Add(24*time.Hour), 10000)
		if err != nil {
			t.Fatalf("read the queue: %v", err)
		}
		for _, a := range queued {
			if n, ok := numberIn(a.Item.Title); ok && posted[n] > 0 {
				out[ch] = append(out[ch], n)
			}
		}
	}
	return out
}
