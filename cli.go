package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/policyradar/policyradar/config"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const usageText = `Policy Radar watches feeds about open-source AI policy and posts alerts.

Usage:
  policyradar run     [-config FILE]          watch feeds, post alerts, answer slash commands
  policyradar once    [-config FILE]          poll every feed once, deliver queued alerts, exit
  policyradar check   [-config FILE]          validate the config
  policyradar explain [-config FILE] [-json] SOURCE
                                              show what each item of a feed URL or file matches
  policyradar healthcheck [-url URL]          exit 0 if a running instance is healthy
  policyradar version

The config is -config, else $POLICYRADAR_CONFIG, else ./config.yaml, else
/etc/policyradar/config.yaml, else the built-in default (curated feeds and
topics, alerts on the console).
`

type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	e := env{stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run", "once":
		return e.serve(ctx, cmd, rest)
	case "check":
		return e.check(rest)
	case "explain":
		return e.explain(ctx, rest)
	case "healthcheck":
		return e.healthcheck(ctx, rest)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "policyradar %s\n", version)
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	default:
		fmt.Fprintf(stderr, "policyradar: unknown command %q\n\n%s", cmd, usageText)
		return exitUsage
	}
}

// flags parses a subcommand's flags; ok false means exit with code.
func (e env) flags(name string, args []string, define func(*flag.FlagSet)) (fs *flag.FlagSet, code int, ok bool) {
	fs = flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	define(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return fs, exitOK, false
		}
		return fs, exitUsage, false
	}
	return fs, 0, true
}

// loadConfig finds and loads the config, or the built-in default.
func (e env) loadConfig(flagPath string) (*config.Config, error) {
	path, err := config.Lookup(flagPath, e.getenv)
	if err != nil {
		return nil, err
	}
	if path == "" {
		return config.Default(e.getenv)
	}
	return config.Load(path, e.getenv)
}

func (e env) check(args []string) int {
	var path string
	fs, code, ok := e.flags("check", args, func(fs *flag.FlagSet) {
		fs.StringVar(&path, "config", "", "config file")
	})
	if !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "policyradar check: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := e.loadConfig(path)
	if err != nil {
		fmt.Fprintln(e.stderr, err)
		return exitError
	}
	name := cfg.Path
	if cfg.Builtin {
		name = "built-in default config"
	}
	fmt.Fprintf(e.stdout, "%s: OK — %d feeds, %d topics, %d channel(s)\n", name, len(cfg.Feeds), len(cfg.Topics), len(cfg.Channels))
	if cfg.Discord.ApplicationID != "" {
		fmt.Fprintf(e.stdout, "Invite the Discord bot with: %s\n", config.DiscordInviteURL(cfg.Discord.ApplicationID))
	}
	return exitOK
}

func (e env) healthcheck(ctx context.Context, args []string) int {
	var url, path string
	fs, code, ok := e.flags("healthcheck", args, func(fs *flag.FlagSet) {
		fs.StringVar(&url, "url", "", "health URL (default: http://<http.listen>/healthz)")
		fs.StringVar(&path, "config", "", "config file, for http.listen")
	})
	if !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "policyradar healthcheck: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if url == "" {
		listen := "127.0.0.1:8080"
		if cfg, err := e.loadConfig(path); err == nil {
			listen = cfg.HTTP.Listen
		}
		if listen == "" {
			fmt.Fprintln(e.stderr, "policyradar healthcheck: http.listen is off in the config; pass -url")
			return exitError
		}
		host := listen
		if strings.HasPrefix(host, ":") || strings.HasPrefix(host, "0.0.0.0:") {
			host = "127.0.0.1" + host[strings.LastIndexByte(host, ':'):]
		}
		url = "http://" + host + "/healthz"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "policyradar healthcheck: %v\n", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "unhealthy: %v\n", err)
		return exitError
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(e.stderr, "unhealthy: %s %s\n", resp.Status, strings.TrimSpace(string(body)))
		return exitError
	}
	fmt.Fprintf(e.stdout, "healthy: %s\n", strings.TrimSpace(string(body)))
	return exitOK
}
