package slack_test

import (
	"os"
	"slices"
	"testing"

	"github.com/goccy/go-yaml"
)

// The app manifest in deploy/ is what users paste into Slack: it must ask for
// exactly the scopes the adapter uses and declare /radar for Socket Mode.
func TestAppManifest(t *testing.T) {
	b, err := os.ReadFile("../../deploy/slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			SlashCommands []struct {
				Command   string `yaml:"command"`
				UsageHint string `yaml:"usage_hint"`
			} `yaml:"slash_commands"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	scopes := slices.Sorted(slices.Values(m.OAuth.Scopes.Bot))
	if want := []string{"chat:write", "chat:write.public", "commands"}; !slices.Equal(scopes, want) {
		t.Errorf("bot scopes %v, want %v", scopes, want)
	}
	if !m.Settings.SocketMode {
		t.Error("socket mode is off")
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/radar" ||
		m.Features.SlashCommands[0].UsageHint != "latest [topic] [count] | search WORDS | topics | feeds | help" {
		t.Errorf("slash commands %+v", m.Features.SlashCommands)
	}
}
