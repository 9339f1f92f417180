package discord_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/discord"
)

func TestReplyEmbed(t *testing.T) {
	many := make([]alert.ReplyItem, 200)
	for i := range many {
		many[i] = alert.ReplyItem{Title: strings.Repeat("long title ", 15), Link: "https://example.org/(x) y", Source: "S", Published: time.Unix(1, 0)}
	}
	tests := []struct {
		name  string
		reply alert.Reply
		check func(t *testing.T, title, desc string, color int)
	}{
		{"error", alert.Reply{Text: "Usage: /radar latest", Error: true}, func(t *testing.T, _, desc string, color int) {
			if desc != "Usage: /radar latest" || color == 0x2563eb {
				t.Errorf("desc %q color %x", desc, color)
			}
		}},
		{"too many items", alert.Reply{Title: "Latest", Items: many}, func(t *testing.T, _, desc string, _ int) {
			if n := utf8.RuneCountInString(desc); n > discord.MaxDescription {
				t.Errorf("description has %d characters", n)
			}
			if !strings.Contains(desc, "more") || !strings.Contains(desc, "https://example.org/%28x%29%20y") {
				t.Errorf("description ends %q", desc[len(desc)-200:])
			}
		}},
		{"empty", alert.Reply{}, func(t *testing.T, _, desc string, _ int) {
			if desc == "" {
				t.Error("empty embed")
			}
		}},
		{"hostile lines", alert.Reply{Title: "@here", Lines: []string{"@everyone", "[x](https://evil)"}}, func(t *testing.T, title, desc string, _ int) {
			if strings.Contains(title+desc, "@here") || strings.Contains(desc, "@everyone") || strings.Contains(desc, "[x]") {
				t.Errorf("title %q desc %q", title, desc)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := discord.ReplyEmbed(tt.reply)
			tt.check(t, e.Title, e.Description, e.Color)
			if discord.EmbedLength(e) > discord.MaxEmbedTotal {
				t.Errorf("embed has %d characters", discord.EmbedLength(e))
			}
		})
	}
	if d := discord.ReplyData(alert.Reply{}); d.Flags != discord.FlagEphemeral || d.AllowedMentions.Parse == nil {
		t.Errorf("reply data %+v", d)
	}
}
