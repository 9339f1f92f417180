// Package config loads and validates Policy Radar's YAML configuration and
// holds the built-in default configuration. There is no global config.
package config

import (
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Config is a loaded, validated, defaulted configuration.
type Config struct {
	Path     string // file it was read from; "" for the built-in default
	Builtin  bool   // true when this is the embedded default
	Storage  Storage
	HTTP     HTTP
	Poll     Poll
	Feeds    []Feed
	Topics   []Topic
	Channels []Channel
	Slack    Slack
	Discord  Discord
}

type Storage struct {
	Path string // default "data/policyradar.db"
}

type HTTP struct {
	Listen    string // default "127.0.0.1:8080"; "" turns the server off
	PublicURL string
}

type Poll struct {
	Interval   time.Duration // default 10m
	Timeout    time.Duration // default 20s
	MaxBody    int64         // bytes, default 10 MiB; YAML accepts "10MiB", "512KiB", "1MB", plain integers
	MaxItemAge time.Duration // default 168h
	Backfill   int           // default 0
}

type Feed struct {
	URL      string
	Name     string
	Interval time.Duration // defaulted to Poll.Interval
	Topics   []string
	Line     int // line in the file, for messages
}

type Topic struct {
	ID       string
	Name     string // defaulted to ID
	Any      []string
	All      []string
	None     []string
	In       []string // defaulted to title, summary, content, categories
	Priority string   // "normal" (default) or "high"
	Color    int      // 0xRRGGBB; defaulted to a colour derived from the id
	Line     int
}

// Channel kinds.
const (
	KindSlack          = "slack"
	KindDiscord        = "discord"
	KindDiscordWebhook = "discord_webhook"
	KindConsole        = "console"
)

type Channel struct {
	Kind    string   // one of the Kind constants
	Target  string   // Slack channel ID, Discord channel ID, webhook URL; "" for console
	Topics  []string // defaulted to every topic id
	Mention string
	Line    int
}

type Slack struct {
	Token         string
	AppToken      string
	SigningSecret string
	APIURL        string // default "https://slack.com/api/"
}

type Discord struct {
	Token         string
	ApplicationID string
	PublicKey     string
	GuildID       string
	APIURL        string // default "https://discord.com/api/v10"
}

// Load reads, expands (${VAR}, ${VAR:-default} via getenv), validates and
// defaults the file at path. Every problem is reported at once: the error is
// an *Errors whose Error() is one "FILE:LINE: what is wrong — what to write instead" per line.
// A file that does not exist gives an error that wraps fs.ErrNotExist.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("config file %s: %w — check the path, or give no -config to use the built-in default", path, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data, getenv)
}

// Parse is Load on bytes already read; name is used in messages and as Path.
// A nil getenv means os.Getenv.
func Parse(name string, data []byte, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	d := &decoder{problems: problems{file: name}, getenv: getenv, anchors: map[string]ast.Node{}}
	root, ok := d.parseYAML(data)
	if !ok {
		return nil, d.err()
	}
	c := &Config{Path: name}
	m := meta{malformed: map[string]bool{}}
	d.decodeConfig(root, c, &m)
	d.check(c, &m)
	if err := d.err(); err != nil {
		return nil, err
	}
	applyDefaults(c, &m)
	return c, nil
}

//go:embed default.yaml
var defaultYAML []byte

// DefaultName is the file name the built-in default configuration has in messages.
const DefaultName = "(built-in default)"

// Default returns the built-in default configuration (embedded default.yaml).
func Default(getenv func(string) string) (*Config, error) {
	c, err := Parse(DefaultName, defaultYAML, getenv)
	if err != nil {
		return nil, err
	}
	c.Path, c.Builtin = "", true
	return c, nil
}

// DefaultYAML returns the text of the built-in default configuration, a
// starting point for a config file of one's own.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Lookup finds the config file: flag, else $POLICYRADAR_CONFIG, else
// ./config.yaml, else /etc/policyradar/config.yaml, if they exist. It returns
// "" when none exists, meaning "use Default".
// A file named by the flag or the variable must exist.
func Lookup(flag string, getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if flag != "" {
		return flag, mustExist(flag, "-config")
	}
	if p := getenv("POLICYRADAR_CONFIG"); p != "" {
		return p, mustExist(p, "$POLICYRADAR_CONFIG")
	}
	for _, p := range []string{"config.yaml", SystemPath} {
		st, err := os.Stat(p)
		switch {
		case err == nil && !st.IsDir():
			return p, nil
		case err == nil:
			// Docker makes an empty folder where a missing host file was mounted.
			return "", fmt.Errorf("config file %s is a directory — mount or create the YAML file itself", p)
		case errors.Is(err, fs.ErrNotExist):
		default:
			return "", fmt.Errorf("look for %s: %w", p, err)
		}
	}
	return "", nil
}

// SystemPath is where a system-wide install (Docker image, systemd unit)
// keeps its config; Lookup tries it after ./config.yaml.
const SystemPath = "/etc/policyradar/config.yaml"

func mustExist(path, source string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("config file %s (from %s): %w — check the path", path, source, fs.ErrNotExist)
	case err != nil:
		return fmt.Errorf("config file %s (from %s): %w", path, source, err)
	case st.IsDir():
		return fmt.Errorf("config file %s (from %s) is a directory — name the YAML file inside it", path, source)
	}
	return nil
}

// TopicIDs lists the ids of the topics, in the order of the file.
func (c *Config) TopicIDs() []string {
	ids := make([]string, 0, len(c.Topics))
	for _, t := range c.Topics {
		ids = append(ids, t.ID)
	}
	return ids
}

// DiscordPermissions is what the bot asks for when invited: View Channel,
// Send Messages and Embed Links.
const DiscordPermissions = 1<<10 | 1<<11 | 1<<14

// DiscordInviteURL is the address that adds the bot, with its slash commands
// and DiscordPermissions, to a server.
func DiscordInviteURL(applicationID string) string {
	return "https://discord.com/oauth2/authorize?client_id=" + url.QueryEscape(applicationID) +
		"&scope=bot+applications.commands&permissions=" + strconv.Itoa(DiscordPermissions)
}
