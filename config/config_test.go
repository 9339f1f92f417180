package config_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/config"
)

func mustParse(t *testing.T, src string, getenv func(string) string) *config.Config {
	t.Helper()
	c, err := config.Parse("test.yaml", []byte(src), getenv)
	if err != nil {
		t.Fatalf("Parse:\n%v", err)
	}
	return c
}

const minimal = `feeds:
  - url: https://example.org/feed.xml
topics:
  - id: export-controls
    any: [BIS]
channels:
  - console: true
`

func TestDefaultsApplied(t *testing.T) {
	t.Parallel()
	c := mustParse(t, minimal, noEnv)
	checks := []struct {
		name      string
		got, want any
	}{
		{"storage.path", c.Storage.Path, "data/policyradar.db"},
		{"http.listen", c.HTTP.Listen, "127.0.0.1:8080"},
		{"http.public_url", c.HTTP.PublicURL, ""},
		{"poll.interval", c.Poll.Interval, 10 * time.Minute},
		{"poll.timeout", c.Poll.Timeout, 20 * time.Second},
		{"poll.max_body", c.Poll.MaxBody, int64(10 << 20)},
		{"poll.max_item_age", c.Poll.MaxItemAge, 168 * time.Hour},
		{"poll.backfill", c.Poll.Backfill, 0},
		{"slack.api_url", c.Slack.APIURL, "https://slack.com/api/"},
		{"discord.api_url", c.Discord.APIURL, "https://discord.com/api/v10"},
		{"feed interval", c.Feeds[0].Interval, 10 * time.Minute},
		{"feed topics", len(c.Feeds[0].Topics), 0},
		{"feed line", c.Feeds[0].Line, 2},
		{"topic name", c.Topics[0].Name, "export-controls"},
		{"topic in", c.Topics[0].In, []string{"title", "summary", "content", "categories"}},
		{"topic priority", c.Topics[0].Priority, "normal"},
		{"topic colour", c.Topics[0].Color, config.TopicColor("export-controls")},
		{"topic line", c.Topics[0].Line, 4},
		{"channel kind", c.Channels[0].Kind, config.KindConsole},
		{"channel topics", c.Channels[0].Topics, []string{"export-controls"}},
		{"channel line", c.Channels[0].Line, 7},
		{"topic ids", c.TopicIDs(), []string{"export-controls"}},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
}

func TestDefaultsFollowThePollInterval(t *testing.T) {
	t.Parallel()
	c := mustParse(t, "poll:\n  interval: 3m\n"+minimal, noEnv)
	if c.Feeds[0].Interval != 3*time.Minute {
		t.Errorf("feed interval = %v, want poll.interval 3m", c.Feeds[0].Interval)
	}
}

func TestEveryKeyIsRead(t *testing.T) {
	t.Parallel()
	c, err := config.Load(filepath.Join("..", "testdata", "config", "good.yaml"), env(map[string]string{"SLACK_APP_TOKEN": "xapp-1"}))
	if err != nil {
		t.Fatal(err)
	}
	want := config.Config{
		Path:    filepath.Join("..", "testdata", "config", "good.yaml"),
		Storage: config.Storage{Path: "/var/lib/policyradar/radar.db"},
		HTTP:    config.HTTP{Listen: ":9090", PublicURL: "https://radar.example.org"},
		Poll:    config.Poll{Interval: 5 * time.Minute, Timeout: 30 * time.Second, MaxBody: 512 << 10, MaxItemAge: 72 * time.Hour, Backfill: 2},
		Feeds: []config.Feed{
			{URL: "https://example.org/feed.xml", Name: "Example", Interval: 2 * time.Minute, Topics: []string{"export-controls"}, Line: 17},
			{URL: "http://127.0.0.1:8081/atom.xml", Interval: 5 * time.Minute, Line: 21},
		},
		Topics: []config.Topic{
			{ID: "export-controls", Name: "Export controls",
				Any: []string{"export control*", "entity list", "BIS", `/\bECCN\s*[0-9][a-e][0-9]{3}\b/`},
				All: []string{}, None: []string{"Bank for International Settlements"},
				In: []string{"title", "summary"}, Priority: "high", Color: 0xd97706, Line: 24},
			{ID: "model-releases", Name: "model-releases", Any: []string{"open weights"},
				In: []string{"title", "summary", "content", "categories"}, Priority: "normal", Color: config.TopicColor("model-releases"), Line: 32},
		},
		Channels: []config.Channel{
			{Kind: config.KindSlack, Target: "C0123ABCD", Topics: []string{"export-controls"}, Mention: "<!here>", Line: 36},
			{Kind: config.KindDiscord, Target: "112233445566778899", Topics: []string{"export-controls", "model-releases"}, Line: 39},
			{Kind: config.KindDiscordWebhook, Target: "https://discord.com/api/webhooks/123456789012345678/abcDEF-token_1", Topics: []string{"model-releases"}, Line: 40},
			{Kind: config.KindConsole, Topics: []string{"export-controls", "model-releases"}, Line: 42},
		},
		Slack:   config.Slack{Token: "xoxb-test", AppToken: "xapp-1", APIURL: "http://127.0.0.1:8082/api/"},
		Discord: config.Discord{Token: "discord-test", ApplicationID: "998877665544332211", GuildID: "123123123123123123", APIURL: "http://127.0.0.1:8083/api/v10"},
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load(good.yaml) =\n%+v\nwant\n%+v", *c, want)
	}
}

func TestListenEmptyTurnsTheServerOff(t *testing.T) {
	t.Parallel()
	for name, src := range map[string]string{
		"quoted empty": "http:\n  listen: \"\"\n",
		"no value":     "http:\n  listen:\n",
		"empty var":    "http:\n  listen: ${LISTEN}\n",
	} {
		c := mustParse(t, src+minimal, noEnv)
		if c.HTTP.Listen != "" {
			t.Errorf("%s: listen = %q, want \"\"", name, c.HTTP.Listen)
		}
	}
}

func TestEnvExpansion(t *testing.T) {
	t.Parallel()
	getenv := env(map[string]string{"TOKEN": "xoxb-secret", "DIR": "/data", "EMPTY": "", "N": "4", "CHAN": "C42"})
	tests := []struct {
		name, value, want string
	}{
		{"set", "${TOKEN}", "xoxb-secret"},
		{"inside text", "${DIR}/radar.db", "/data/radar.db"},
		{"unset is empty", "a${NOPE}b", "ab"},
		{"default when unset", "${NOPE:-fallback}", "fallback"},
		{"default when empty", "${EMPTY:-fallback}", "fallback"},
		{"default unused when set", "${DIR:-/tmp}", "/data"},
		{"default may be empty", "x${NOPE:-}y", "xy"},
		{"double dollar is a dollar", "cost$$5", "cost$5"},
		{"escaped reference stays", "$${TOKEN}", "${TOKEN}"},
		{"lone dollar stays", "a$b$", "a$b$"},
		{"two references", "${DIR}${DIR}", "/data/data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := mustParse(t, "storage:\n  path: \""+tt.value+"\"\n"+minimal, getenv)
			if c.Storage.Path != tt.want {
				t.Errorf("%q expanded to %q, want %q", tt.value, c.Storage.Path, tt.want)
			}
		})
	}
	t.Run("everywhere strings are", func(t *testing.T) {
		t.Parallel()
		c := mustParse(t, `poll:
  backfill: ${N}
  interval: ${INTERVAL:-2m}
slack:
  token: ${TOKEN}
feeds:
  - url: https://example.org/${CHAN}.xml
topics:
  - id: t
    any: ["${CHAN}", "/^a$/"]
channels:
  - slack: ${CHAN}
`, getenv)
		if c.Poll.Backfill != 4 || c.Poll.Interval != 2*time.Minute || c.Slack.Token != "xoxb-secret" ||
			c.Feeds[0].URL != "https://example.org/C42.xml" || c.Channels[0].Target != "C42" ||
			!reflect.DeepEqual(c.Topics[0].Any, []string{"C42", "/^a$/"}) {
			t.Errorf("not expanded everywhere: %+v", c)
		}
	})
	t.Run("bad reference", func(t *testing.T) {
		t.Parallel()
		es := problems(t, "storage:\n  path: ${1DIR}\n"+minimal, getenv)
		if len(es) != 1 || es[0].Line != 2 || !strings.Contains(es[0].Msg, "${1DIR} is not a valid variable reference") {
			t.Errorf("got %v", es)
		}
	})
}

func TestBuiltinDefault(t *testing.T) {
	t.Parallel()
	c, err := config.Default(noEnv)
	if err != nil {
		t.Fatalf("the built-in default does not load:\n%v", err)
	}
	if !c.Builtin || c.Path != "" {
		t.Errorf("Builtin, Path = %v, %q; want true, \"\"", c.Builtin, c.Path)
	}
	if len(c.Feeds) < 12 {
		t.Errorf("%d feeds, want at least 12", len(c.Feeds))
	}
	ids := map[string]bool{}
	for _, id := range c.TopicIDs() {
		ids[id] = true
	}
	for _, id := range []string{"model-releases", "export-controls", "misuse", "regulation"} {
		if !ids[id] {
			t.Errorf("topic %s missing from the built-in default", id)
		}
	}
	hasConsole := false
	for _, ch := range c.Channels {
		hasConsole = hasConsole || ch.Kind == config.KindConsole
	}
	if !hasConsole {
		t.Error("the built-in default does not print alerts to the console")
	}
	if _, err := config.Parse("copy.yaml", config.DefaultYAML(), noEnv); err != nil {
		t.Errorf("DefaultYAML does not parse: %v", err)
	}
}

func TestChannelKey(t *testing.T) {
	t.Parallel()
	hook := "https://discord.com/api/webhooks/1/secret-token"
	sum := sha256.Sum256([]byte(hook))
	tests := []struct {
		ch   config.Channel
		want string
	}{
		{config.Channel{Kind: config.KindSlack, Target: "C0123"}, "slack:C0123"},
		{config.Channel{Kind: config.KindDiscord, Target: "112233"}, "discord:112233"},
		{config.Channel{Kind: config.KindDiscordWebhook, Target: hook}, "discord_webhook:" + hex.EncodeToString(sum[:])[:12]},
		{config.Channel{Kind: config.KindConsole}, "console"},
	}
	for _, tt := range tests {
		if got := tt.ch.Key(); got != tt.want {
			t.Errorf("Key() = %q, want %q", tt.ch.Key(), tt.want)
		}
	}
}

func TestTopicColorIsStableAndVaried(t *testing.T) {
	t.Parallel()
	seen := map[int]bool{}
	for _, id := range []string{"model-releases", "export-controls", "misuse", "regulation", "a", "b", "c"} {
		c := config.TopicColor(id)
		if c != config.TopicColor(id) || c <= 0 || c > 0xffffff {
			t.Errorf("TopicColor(%q) = %#x, not a stable colour", id, c)
		}
		seen[c] = true
	}
	if len(seen) < 3 {
		t.Errorf("seven ids got only %d colours", len(seen))
	}
}

func TestDiscordInviteURL(t *testing.T) {
	t.Parallel()
	got := config.DiscordInviteURL("1234567890")
	want := "https://discord.com/oauth2/authorize?client_id=1234567890&scope=bot+applications.commands&permissions=19456"
	if got != want {
		t.Errorf("DiscordInviteURL = %s\nwant %s", got, want)
	}
}

func TestLookup(t *testing.T) {
	// Not parallel: it changes the working directory.
	dir := t.TempDir()
	t.Chdir(dir)
	flagFile := filepath.Join(dir, "flag.yaml")
	envFile := filepath.Join(dir, "env.yaml")
	for _, f := range []string{flagFile, envFile} {
		if err := os.WriteFile(f, []byte(minimal), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	withEnv := env(map[string]string{"POLICYRADAR_CONFIG": envFile})
	missingEnv := env(map[string]string{"POLICYRADAR_CONFIG": filepath.Join(dir, "gone.yaml")})

	steps := []struct {
		name    string
		flag    string
		getenv  func(string) string
		local   bool // ./config.yaml exists
		want    string
		wantErr string
	}{
		{"nothing: use the default", "", noEnv, false, "", ""},
		{"./config.yaml", "", noEnv, true, "config.yaml", ""},
		{"environment beats ./config.yaml", "", withEnv, true, envFile, ""},
		{"flag beats environment", flagFile, withEnv, true, flagFile, ""},
		{"missing flag file", filepath.Join(dir, "nope.yaml"), withEnv, true, "", "nope.yaml (from -config): file does not exist"},
		{"missing environment file", "", missingEnv, true, "", "gone.yaml (from $POLICYRADAR_CONFIG): file does not exist"},
		{"flag names a directory", dir, noEnv, false, "", "is a directory"},
	}
	for _, s := range steps {
		os.Remove("config.yaml")
		if s.local {
			if err := os.WriteFile("config.yaml", []byte(minimal), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		got, err := config.Lookup(s.flag, s.getenv)
		switch {
		case s.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), s.wantErr) {
				t.Errorf("%s: error %v, want one containing %q", s.name, err, s.wantErr)
			}
		case err != nil:
			t.Errorf("%s: %v", s.name, err)
		case got != s.want:
			t.Errorf("%s: Lookup = %q, want %q", s.name, got, s.want)
		}
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	c := mustParse(t, `feeds:
  - &slow
    url: https://example.org/a.xml
    interval: 1h
    topics: [t]
  - <<: *slow
    url: https://example.org/b.xml
    interval: 2h
topics:
  - id: t
    any: &words [BIS, "entity list"]
    none: *words
channels:
  - console: true
`, noEnv)
	if c.Feeds[0].Interval != time.Hour || c.Feeds[1].Interval != 2*time.Hour || !reflect.DeepEqual(c.Feeds[1].Topics, []string{"t"}) {
		t.Errorf("merge keys not applied: %+v", c.Feeds)
	}
	if !reflect.DeepEqual(c.Topics[0].None, []string{"BIS", "entity list"}) {
		t.Errorf("alias not followed: none = %q", c.Topics[0].None)
	}
}

func BenchmarkParseDefault(b *testing.B) {
	data := config.DefaultYAML()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := config.Parse("bench.yaml", data, noEnv); err != nil {
			b.Fatal(err)
		}
	}
}
