// Package config loads and validates Policy Radar's YAML configuration and
// holds the built-in default configuration. There is no global config.
package config

import "time"

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

// Key names a channel in the store and in logs without revealing secrets:
// "slack:C0123", "discord:1122…", "discord_webhook:<first 12 hex of sha256(url)>", "console".
func (c Channel) Key() string { panic("config: Channel.Key not implemented") }

// Load reads, expands (${VAR}, ${VAR:-default} via getenv), validates and
// defaults the file at path. Every problem is reported at once: the error is
// an *Errors whose Error() is one "FILE:LINE: what is wrong — what to write instead" per line.
func Load(path string, getenv func(string) string) (*Config, error) {
	panic("config: Load not implemented")
}

// Parse is Load on bytes already read; name is used in messages.
func Parse(name string, data []byte, getenv func(string) string) (*Config, error) {
	panic("config: Parse not implemented")
}

// Default returns the built-in default configuration (embedded default.yaml).
func Default(getenv func(string) string) (*Config, error) {
	panic("config: Default not implemented")
}

// Lookup finds the config file: flag, else $POLICYRADAR_CONFIG, else
// ./config.yaml if it exists. It returns "" when none exists, meaning "use Default".
func Lookup(flag string, getenv func(string) string) (string, error) {
	panic("config: Lookup not implemented")
}
