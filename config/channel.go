package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Key names a channel in the store and in logs without revealing secrets:
// "slack:C0123", "discord:1122…", "discord_webhook:<first 12 hex of sha256(url)>", "console".
func (c Channel) Key() string {
	switch c.Kind {
	case KindConsole:
		return KindConsole
	case KindDiscordWebhook:
		sum := sha256.Sum256([]byte(c.Target))
		return KindDiscordWebhook + ":" + hex.EncodeToString(sum[:])[:12]
	default:
		return c.Kind + ":" + c.Target
	}
}

func (d *decoder) decodeChannel(n ast.Node) (Channel, channelMeta) {
	ch := Channel{Line: line(d.resolve(n))}
	var cm channelMeta
	var kinds []string
	isMap := d.fields(n, "a channel", channelKeys, func(e entry) {
		switch e.key {
		case KindSlack:
			kinds = append(kinds, e.key)
			if s, ok := d.str(e.value, "slack channel"); ok {
				ch.Kind, ch.Target = KindSlack, strings.TrimSpace(s)
				switch {
				case ch.Target == "":
					d.add(valueLine(e), "slack channel ID is empty", "write the channel ID (C0123ABCD); in Slack it is under the channel's name › About")
				case strings.ContainsAny(ch.Target, " \t#"):
					d.add(valueLine(e), fmt.Sprintf("slack channel %q is a channel name, not an ID", s), "use the channel ID (C0123ABCD), not its name")
				}
			}
		case KindDiscord:
			kinds = append(kinds, e.key)
			if s, ok := d.str(e.value, "discord channel"); ok {
				ch.Kind, ch.Target = KindDiscord, strings.TrimSpace(s)
				if !isSnowflake(ch.Target) {
					d.add(valueLine(e), fmt.Sprintf("discord channel %q is not a channel ID", s), `write the channel's numeric ID in quotes, like "112233445566778899" (Developer Mode › right-click the channel › Copy Channel ID)`)
				}
			}
		case KindDiscordWebhook:
			kinds = append(kinds, e.key)
			if s, ok := d.str(e.value, "discord_webhook"); ok {
				ch.Kind, ch.Target = KindDiscordWebhook, strings.TrimSpace(s)
				if err := checkWebhookURL(ch.Target); err != nil {
					// The URL holds a secret token: describe it, do not repeat it.
					d.add(valueLine(e), "discord_webhook "+err.Error(), "paste the webhook URL Discord gives, https://discord.com/api/webhooks/ID/TOKEN")
				}
			}
		case KindConsole:
			kinds = append(kinds, e.key)
			if on, ok := d.boolean(e.value, "console"); ok {
				ch.Kind = KindConsole
				if !on {
					d.add(valueLine(e), "console: false adds a channel that prints nothing", "write console: true, or remove this channel")
				}
			}
		case "topics":
			cm.topics, _ = d.list(e.value, "channel topics")
			ch.Topics = values(cm.topics)
			if ch.Topics != nil && len(ch.Topics) == 0 {
				d.add(valueLine(e), "channel topics is an empty list, so the channel gets nothing", "list topic ids, or remove topics: to get every topic")
			}
		case "mention":
			ch.Mention, _ = d.str(e.value, "mention")
		}
	})
	switch {
	case !isMap:
	case len(kinds) == 0:
		d.add(ch.Line, "a channel says nowhere to post", "give it exactly one of slack: CHANNEL_ID, discord: \"CHANNEL_ID\", discord_webhook: URL or console: true")
	case len(kinds) > 1:
		d.add(ch.Line, "a channel has "+strings.Join(kinds, " and ")+" together", "write one channel a list entry, each with exactly one of slack, discord, discord_webhook or console")
	}
	return ch, cm
}

func (d *decoder) decodeSlack(n ast.Node, s *Slack) {
	d.fields(n, "slack", slackKeys, func(e entry) {
		switch e.key {
		case "token":
			s.Token, _ = d.str(e.value, "slack.token")
		case "app_token":
			s.AppToken, _ = d.str(e.value, "slack.app_token")
		case "signing_secret":
			s.SigningSecret, _ = d.str(e.value, "slack.signing_secret")
		case "api_url":
			d.httpURL(e, "slack.api_url", &s.APIURL)
		}
	})
}

func (d *decoder) decodeDiscord(n ast.Node, dc *Discord) {
	d.fields(n, "discord", discordKeys, func(e entry) {
		switch e.key {
		case "token":
			dc.Token, _ = d.str(e.value, "discord.token")
		case "application_id":
			d.snowflake(e, "discord.application_id", &dc.ApplicationID)
		case "public_key":
			if s, ok := d.str(e.value, "discord.public_key"); ok {
				dc.PublicKey = strings.TrimSpace(s)
				if b, err := hex.DecodeString(dc.PublicKey); dc.PublicKey != "" && (err != nil || len(b) != 32) {
					d.add(valueLine(e), "discord.public_key is not 64 hexadecimal digits", "copy the Public Key from the Discord developer portal (General Information)")
				}
			}
		case "guild_id":
			d.snowflake(e, "discord.guild_id", &dc.GuildID)
		case "api_url":
			d.httpURL(e, "discord.api_url", &dc.APIURL)
		}
	})
}

// snowflake reads an optional Discord ID.
func (d *decoder) snowflake(e entry, what string, dst *string) {
	s, ok := d.str(e.value, what)
	if !ok {
		return
	}
	*dst = strings.TrimSpace(s)
	if *dst != "" && !isSnowflake(*dst) {
		d.add(valueLine(e), fmt.Sprintf("%s %q is not a Discord ID", what, s), `write its numeric ID in quotes, like "112233445566778899"`)
	}
}

// httpURL reads an optional http(s) URL.
func (d *decoder) httpURL(e entry, what string, dst *string) {
	s, ok := d.str(e.value, what)
	if !ok {
		return
	}
	*dst = strings.TrimSpace(s)
	if *dst == "" {
		return
	}
	if err := checkHTTPURL(*dst); err != nil {
		d.add(valueLine(e), fmt.Sprintf("%s %q %v", what, s, err), "write a full address starting with https:// (or http://)")
	}
}
