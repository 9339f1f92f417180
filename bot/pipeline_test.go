package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/feeds"
)

// staticFetcher serves one fixed result.
type staticFetcher struct{ res *feeds.Result }

func (f staticFetcher) Fetch(context.Context, feeds.Request) (*feeds.Result, error) {
	return f.res, nil
}

// everything matches every item to topic "t".
type everything struct{}

func (everything) Match(alert.Item, ...string) []alert.Match {
	return []alert.Match{{Topic: "t", Keywords: []string{"kw"}}}
}

func TestHugeFeedKeepsTheNewestItems(t *testing.T) {
	st := openStore(t)
	const n = bot.MaxItemsPerPoll + 500
	base := time.Now().Add(-time.Hour)
	items := make([]alert.Item, n)
	for i := range items {
		// Oldest first in the document, to show the cap goes by date, not position.
		items[i] = alert.Item{FeedURL: "http://127.0.0.1/huge", Key: fmt.Sprint(i), Link: fmt.Sprintf("http://127.0.0.1/%d", i),
			Title: fmt.Sprint("item ", i), Published: base.Add(time.Duration(i) * time.Second), Dated: true}
	}
	p := bot.NewPipeline(bot.PipelineOptions{Fetcher: staticFetcher{&feeds.Result{Items: items}}, Matcher: everything{}, Store: st,
		Channels: []bot.ChannelInfo{{Key: "test:1", Topics: []string{"t"}}}, Backfill: -1})
	if err := p.Poll(context.Background(), alert.Feed{URL: "http://127.0.0.1/huge"}); err != nil {
		t.Fatal(err)
	}
	fs, _, err := st.FeedState(context.Background(), "http://127.0.0.1/huge")
	if err != nil {
		t.Fatal(err)
	}
	if fs.ItemsSeen != bot.MaxItemsPerPoll {
		t.Fatalf("recorded %d items, want the cap %d", fs.ItemsSeen, bot.MaxItemsPerPoll)
	}
	latest, err := st.Latest(context.Background(), "", 1)
	if err != nil || len(latest) != 1 || latest[0].Title != fmt.Sprint("item ", n-1) {
		t.Fatalf("newest recorded item = %+v (%v), want item %d", latest, err, n-1)
	}
}
