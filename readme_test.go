package main

import (
	"os"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/config"
)

// TestReadmeConfigIsValid keeps the README's sample config loadable, so a
// reader who copies it gets a working start.
func TestReadmeConfigIsValid(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\nstorage:")
	if !ok {
		t.Fatal("README.md has no ```yaml sample starting with storage:")
	}
	sample, _, _ := strings.Cut(rest, "```")
	env := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DISCORD_BOT_TOKEN": "t",
		"DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/abc"}
	if _, err := config.Parse("README.md", []byte("storage:"+sample), func(k string) string { return env[k] }); err != nil {
		t.Fatalf("the README's sample config does not load:\n%v", err)
	}
}
