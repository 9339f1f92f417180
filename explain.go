package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/rules"
)

type explained struct {
	Title     string   `json:"title"`
	Link      string   `json:"link"`
	Published string   `json:"published"`
	Topics    []string `json:"topics"`
	Keywords  []string `json:"keywords"`
}

// explain prints what each item of a feed matches. It changes no state.
func (e env) explain(ctx context.Context, args []string) int {
	var path string
	var asJSON bool
	fs, code, ok := e.flags("explain", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "config file")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object a line")
	})
	if !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(e.stderr, "usage: policyradar explain [-config FILE] [-json] SOURCE  (a feed URL or file)")
		return exitUsage
	}
	source := fs.Arg(0)
	cfg, err := e.loadConfig(path)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitError
	}
	set, err := rules.Compile(ruleTopics(cfg))
	if err != nil {
		fmt.Fprintf(e.stderr, "policyradar explain: %v\n", err)
		return exitError
	}
	items, err := e.readSource(ctx, source, cfg.Poll.Timeout, cfg.Poll.MaxBody)
	if err != nil {
		fmt.Fprintf(e.stderr, "policyradar explain: %v\n", err)
		return exitError
	}
	var only []string
	for _, f := range cfg.Feeds {
		if f.URL == source {
			only = f.Topics
		}
	}
	enc := json.NewEncoder(e.stdout)
	matched := 0
	for _, it := range items {
		x := explained{Title: it.Title, Link: it.Link, Topics: []string{}, Keywords: []string{}}
		if it.Dated {
			x.Published = it.Published.UTC().Format(time.RFC3339)
		}
		for _, m := range set.Match(it, only...) {
			x.Topics = append(x.Topics, m.Topic)
			for _, k := range m.Keywords {
				if !contains(x.Keywords, k) {
					x.Keywords = append(x.Keywords, k)
				}
			}
		}
		if len(x.Topics) > 0 {
			matched++
		}
		if asJSON {
			if err := enc.Encode(x); err != nil {
				return exitError
			}
			continue
		}
		mark := "  "
		if len(x.Topics) > 0 {
			mark = "✔ "
		}
		fmt.Fprintf(e.stdout, "%s%s\n   %s\n", mark, oneLine(x.Title), x.Link)
		when := x.Published
		if when == "" {
			when = "no date"
		}
		if len(x.Topics) > 0 {
			fmt.Fprintf(e.stdout, "   %s · topics: %s · keywords: %s\n", when, strings.Join(x.Topics, ", "), strings.Join(x.Keywords, ", "))
		} else {
			fmt.Fprintf(e.stdout, "   %s · no topic\n", when)
		}
	}
	if !asJSON {
		fmt.Fprintf(e.stdout, "\n%d items, %d match a topic\n", len(items), matched)
	}
	return exitOK
}

func (e env) readSource(ctx context.Context, source string, timeout time.Duration, maxBody int64) ([]alert.Item, error) {
	if strings.HasPrefix(source, "http://") || strings.HasPrefix(source, "https://") {
		f := feeds.NewFetcher(feeds.Options{UserAgent: userAgent(), Timeout: timeout, MaxBody: maxBody})
		res, err := f.Fetch(ctx, feeds.Request{URL: source})
		if err != nil {
			return nil, err
		}
		return res.Items, nil
	}
	st, err := os.Stat(source)
	if err != nil {
		return nil, fmt.Errorf("%s is neither an http(s) URL nor a readable file: %w", source, err)
	}
	if maxBody > 0 && st.Size() > maxBody {
		return nil, fmt.Errorf("%s is %d bytes, more than poll.max_body (%d)", source, st.Size(), maxBody)
	}
	data, err := os.ReadFile(source)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(source)
	_, items, err := feeds.Parse(data, "file://"+filepath.ToSlash(abs), time.Now())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return items, nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
