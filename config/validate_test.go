package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/config"
)

// noEnv is a getenv with nothing set.
func noEnv(string) string { return "" }

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// problems returns the Errors that Parse reported, failing if it reported none.
func problems(t *testing.T, src string, getenv func(string) string) config.Errors {
	t.Helper()
	c, err := config.Parse("test.yaml", []byte(src), getenv)
	if err == nil {
		t.Fatalf("Parse accepted a bad config: %+v", c)
	}
	var es config.Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, not config.Errors: %v", err, err)
	}
	return es
}

func TestParseReportsEachMistakeWithItsLine(t *testing.T) {
	t.Parallel()
	const ok = "feeds:\n  - url: https://example.org/feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n"
	tests := []struct {
		name string
		src  string
		line int
		want string
	}{
		{"unknown key suggests the nearest", "poll:\n  intervall: 5m\n" + ok, 2, "unknown key `intervall` in poll — did you mean `interval`?"},
		{"unknown top-level key", "chanels: []\n" + ok, 1, "did you mean `channels`?"},
		{"unknown key far from any lists them", "poll:\n  frobnicate: 1\n" + ok, 2, "known keys here: interval, timeout"},
		{"unknown key in a feed", "feeds:\n  - url: https://example.org/feed.xml\n    nmae: x\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 3, "unknown key `nmae` in a feed — did you mean `name`?"},
		{"repeated key", "poll:\n  interval: 5m\n  interval: 6m\n" + ok, 3, "`interval` twice (first on line 2)"},
		{"wrong type: mapping for a scalar", "storage:\n  path:\n    x: 1\n" + ok, 3, "storage.path must be a single value, not a mapping"},
		{"wrong type: scalar for a section", "poll: 5m\n" + ok, 1, "poll must be a mapping of keys, not text"},
		{"wrong type: feeds not a list", "feeds: https://example.org/feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 1, "feeds must be a list"},
		{"wrong type: backfill not a number", "poll:\n  backfill: lots\n" + ok, 2, `poll.backfill "lots" is not a whole number`},
		{"bad duration", "poll:\n  interval: 10 minutes\n" + ok, 2, `poll.interval "10 minutes" is not a duration — write a duration in Go syntax`},
		{"duration without unit", "poll:\n  timeout: 30\n" + ok, 2, "poll.timeout 30 has no unit"},
		{"interval under a second", "poll:\n  interval: 500ms\n" + ok, 2, "poll.interval 500ms is too short — write 1s or more"},
		{"feed interval under a second", "feeds:\n  - url: https://example.org/feed.xml\n    interval: 0s\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 3, "feed interval 0s is too short"},
		{"bad size", "poll:\n  max_body: 10 parsecs\n" + ok, 2, `poll.max_body "10 parsecs" is not a size`},
		{"zero size", "poll:\n  max_body: 0\n" + ok, 2, "must be more than 0"},
		{"negative backfill", "poll:\n  backfill: -1\n" + ok, 2, "poll.backfill -1 is negative"},
		{"feed URL without scheme", "feeds:\n  - url: example.org/feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 2, "does not start with https:// or http://"},
		{"feed URL not http", "feeds:\n  - url: ftp://example.org/feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 2, `feed url "ftp://example.org/feed.xml" does not start with https://`},
		{"feed URL without host", "feeds:\n  - url: https:///feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 2, "has no host name"},
		{"feed without url", "feeds:\n  - name: Example\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 2, "a feed has no url"},
		{"duplicate feed URL", "feeds:\n  - url: https://example.org/feed.xml\n  - url: https://EXAMPLE.org/feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 3, "listed twice (first on line 2)"},
		{"bad public_url", "http:\n  public_url: radar.example.org\n" + ok, 2, "http.public_url"},
		{"public_url without a listener", "http:\n  listen: \"\"\n  public_url: https://radar.example.org\n" + ok, 3, "http.listen is off"},
		{"bad api_url", "slack:\n  api_url: localhost:8080\n" + ok, 2, "slack.api_url"},
		{"bad discord api_url", "discord:\n  api_url: ws://discord.com/api\n" + ok, 2, "discord.api_url"},
		{"bad listen address", "http:\n  listen: localhost\n" + ok, 2, "http.listen \"localhost\" is not a listen address"},
		{"duplicate topic id", "topics:\n  - id: t\n    any: [x]\n  - id: t\n    any: [y]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, `topic id "t" is used twice (first on line 2)`},
		{"topic id with capitals", "topics:\n  - id: Export Controls\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 2, `like "export-controls"`},
		{"topic without id", "topics:\n  - any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 2, "a topic has no id"},
		{"feed names unknown topic", "feeds:\n  - url: https://example.org/feed.xml\n    topics: [t, tt]\ntopics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 3, `a feed names topic "tt", which is not defined`},
		{"channel names unknown topic", "channels:\n  - console: true\n    topics:\n      - export-control\ntopics:\n  - id: export-controls\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 4, "did you mean `export-controls`?"},
		{"slack channel without token", "channels:\n  - slack: C0123ABCD\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "a slack: channel needs slack.token"},
		{"slack token from an unset variable", "slack:\n  token: ${SLACK_BOT_TOKEN}\nchannels:\n  - slack: C0123ABCD\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 4, "slack.token, which is empty"},
		{"discord channel without token", "channels:\n  - discord: \"112233445566778899\"\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "a discord: channel needs discord.token"},
		{"channel with no kind", "channels:\n  - topics: [t]\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "a channel says nowhere to post"},
		{"channel with two kinds", "channels:\n  - console: true\n    discord_webhook: https://discord.com/api/webhooks/1/x\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "a channel has console and discord_webhook together"},
		{"slack channel by name", "slack:\n  token: xoxb-1\nchannels:\n  - slack: \"#general\"\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 4, "use the channel ID (C0123ABCD), not its name"},
		{"discord channel not digits", "discord:\n  token: t\nchannels:\n  - discord: general\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 4, `discord channel "general" is not a channel ID`},
		{"webhook with a wrong path", "channels:\n  - discord_webhook: https://discord.com/channels/1/2\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "its path must be /api/webhooks/ID/TOKEN"},
		{"webhook not a URL", "channels:\n  - discord_webhook: discord.com/api/webhooks/1/2\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "discord_webhook is not an http(s) URL"},
		{"console false", "channels:\n  - console: false\ntopics:\n  - id: t\n    any: [x]\nfeeds:\n  - url: https://example.org/feed.xml\n", 2, "write console: true"},
		{"invalid regex", "topics:\n  - id: t\n    any:\n      - BIS\n      - /export(s/\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 5, "invalid regular expression /export(s/: missing closing )"},
		{"regex with look-ahead", "topics:\n  - id: t\n    any: [x]\n    none: [\"/a(?=b)/\"]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, "topic none: invalid regular expression"},
		{"regex matching empty text", "topics:\n  - id: t\n    any: [/x*/]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 3, "matches empty text"},
		{"empty keyword", "topics:\n  - id: t\n    any: [x]\n    all: [\"\"]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, "topic all: a keyword is empty"},
		{"topic without keywords", "topics:\n  - id: t\n    none: [x]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 2, "add at least one keyword under any:"},
		{"bad priority", "topics:\n  - id: t\n    any: [x]\n    priority: urgent\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, `priority "urgent" is not known — write normal or high`},
		{"bad colour", "topics:\n  - id: t\n    any: [x]\n    color: orange\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, `write "#rrggbb"`},
		{"unquoted colour is a comment", "topics:\n  - id: t\n    any: [x]\n    color: #d97706\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, "an unquoted # starts a comment"},
		{"unknown in field", "topics:\n  - id: t\n    any: [x]\n    in: [title, body]\nfeeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 4, `topic in names "body", which is not a field`},
		{"no feeds", "topics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\n", 1, "the configuration has no feeds"},
		{"empty feeds list", "topics:\n  - id: t\n    any: [x]\nchannels:\n  - console: true\nfeeds: []\n", 6, "the configuration has no feeds"},
		{"no topics", "feeds:\n  - url: https://example.org/feed.xml\nchannels:\n  - console: true\n", 1, "the configuration has no topics"},
		{"no channels", "feeds:\n  - url: https://example.org/feed.xml\ntopics:\n  - id: t\n    any: [x]\nchannels:\n", 6, "the configuration has no channels"},
		{"unterminated variable", "storage:\n  path: ${DATA_DIR/radar.db\n" + ok, 2, "has a ${ without its closing }"},
		{"YAML syntax error", "feeds:\n  - url: [https://example.org\n", 2, "YAML syntax error"},
		{"tab indentation", "poll:\n\tinterval: 5m\n" + ok, 2, "YAML syntax error"},
		{"second document", ok + "---\npoll:\n  interval: 5m\n", 9, "a second YAML document starts here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			es := problems(t, tt.src, noEnv)
			if len(es) != 1 {
				t.Fatalf("want 1 problem, got %d:\n%v", len(es), es)
			}
			e := es[0]
			if e.File != "test.yaml" || e.Line != tt.line || !strings.Contains(e.Msg, tt.want) {
				t.Errorf("got  %v\nwant test.yaml:%d: …%s…", e, tt.line, tt.want)
			}
			if !strings.Contains(e.Msg, " — ") {
				t.Errorf("message does not say what to write instead: %q", e.Msg)
			}
			if got, prefix := es.Error(), "test.yaml:"; !strings.HasPrefix(got, prefix) {
				t.Errorf("Error() = %q, want it to start with %q", got, prefix)
			}
		})
	}
}

func TestParseReportsAllMistakesAtOnce(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "testdata", "config", "bad-many.yaml")
	_, err := config.Load(path, noEnv)
	if err == nil {
		t.Fatal("Load accepted bad-many.yaml")
	}
	var es *config.Errors // Load's own type, *Errors
	if !errors.As(err, &es) {
		t.Fatalf("error is %T, not *config.Errors", err)
	}
	want := []string{
		path + ":3: unknown key `intervall` in poll — did you mean `interval`?",
		path + `:4: poll.timeout "soon" is not a duration`,
		path + `:6: feed url "example.org/feed.xml" does not start with https:// or http://`,
		path + ":8: a feed names topic \"export-control\", which is not defined — did you mean `export-controls`? (topics are export-controls)",
		path + ":11: topic any: invalid regular expression /(unclosed/",
		path + `:12: topic id "export-controls" is used twice (first on line 10)`,
		path + ":15: a slack: channel needs slack.token",
		path + ":16: a discord: channel needs discord.token",
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i+1, lines[i], w)
		}
	}
}

func TestParseGoodConfig(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"good.yaml", "minimal.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join("..", "testdata", "config", name)
			c, err := config.Load(path, noEnv)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.Path != path || c.Builtin {
				t.Errorf("Path, Builtin = %q, %v; want %q, false", c.Path, c.Builtin, path)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := config.Load(path, noEnv)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v, want an error wrapping fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("message %q does not name the file and say it does not exist", err)
	}
}
