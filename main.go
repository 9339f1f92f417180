// Policy Radar watches RSS, Atom and JSON feeds for news about open-source AI
// policy, filters items with keyword rules and posts alerts to Slack, Discord
// and the console. main is the only place that knows every part: it reads the
// config, builds the parts, wires them and handles SIGINT/SIGTERM.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

const projectURL = "https://github.com/policyradar/policyradar"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

func userAgent() string { return "policyradar/" + version + " (+" + projectURL + ")" }
