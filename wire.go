// Wiring: how each configured channel, transport and feed schedule becomes a
// running part.

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"golang.org/x/time/rate"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot"
	"github.com/policyradar/policyradar/bot/console"
	discordbot "github.com/policyradar/policyradar/bot/discord"
	slackbot "github.com/policyradar/policyradar/bot/slack"
	"github.com/policyradar/policyradar/config"
	"github.com/policyradar/policyradar/feeds"
	"github.com/policyradar/policyradar/rules"
	"github.com/policyradar/policyradar/store"
)

// outlets builds one sink per configured channel.
func (m *Main) outlets(stdout io.Writer) ([]bot.Outlet, error) {
	var out []bot.Outlet
	var con *console.Sender
	for _, ch := range m.cfg.Channels {
		o := bot.Outlet{ChannelInfo: bot.ChannelInfo{Key: ch.Key(), Topics: ch.Topics, Mention: ch.Mention}}
		log := m.log.With(slog.String("channel", ch.Key()))
		switch ch.Kind {
		case config.KindSlack:
			o.Platform = "slack"
			o.Sink = slackbot.NewSender(m.cfg.Slack.Token, m.cfg.Slack.APIURL, ch.Target, log)
			o.Limiter = rate.NewLimiter(rate.Every(time.Second), 1)
		case config.KindDiscord:
			s, err := discordbot.NewBotSender(m.cfg.Discord.Token, m.cfg.Discord.APIURL, ch.Target, log)
			if err != nil {
				return nil, fmt.Errorf("discord channel %s: %w", ch.Target, err)
			}
			o.Platform, o.Sink = "discord", s
			o.Limiter = rate.NewLimiter(rate.Every(time.Second), 5)
		case config.KindDiscordWebhook:
			s, err := discordbot.NewWebhookSender(ch.Target, log)
			if err != nil {
				return nil, fmt.Errorf("discord webhook %s: %w", ch.Key(), err)
			}
			o.Platform, o.Sink = "discord_webhook", s
			o.Limiter = rate.NewLimiter(rate.Every(time.Second), 5)
		case config.KindConsole:
			if con == nil {
				con = console.New(stdout)
			}
			o.Platform, o.Sink = "console", con
		default:
			return nil, fmt.Errorf("channel of unknown kind %q", ch.Kind)
		}
		out = append(out, o)
	}
	return out, nil
}

func (m *Main) saveNextPoll(url string, next time.Time, _ int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, ok, err := m.store.FeedState(ctx, url)
	if err != nil || !ok {
		return
	}
	st.NextPoll = next
	if err := m.store.SaveFeedState(ctx, st); err != nil {
		m.log.Warn("cannot record next poll", slog.String("feed", url), slog.String("error", err.Error()))
	}
}

// scheduled restores each feed's schedule from the store.
func (m *Main) scheduled(ctx context.Context) []feeds.Scheduled {
	states, err := m.store.FeedStates(ctx)
	if err != nil {
		m.log.Warn("cannot read feed states; polling every feed now", slog.String("error", err.Error()))
	}
	byURL := map[string]store.FeedState{}
	for _, s := range states {
		byURL[s.URL] = s
	}
	out := make([]feeds.Scheduled, len(m.feeds))
	for i, f := range m.feeds {
		s := byURL[f.URL]
		next := s.NextPoll
		if s.Failures == 0 && next.After(time.Now().Add(f.Interval)) {
			next = time.Time{} // the interval was shortened in the config
		}
		out[i] = feeds.Scheduled{Feed: f, NextPoll: next, Failures: s.Failures}
	}
	return out
}

func feedURLs(fs []alert.Feed) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.URL
	}
	return out
}

func ruleTopics(cfg *config.Config) []rules.Topic {
	out := make([]rules.Topic, len(cfg.Topics))
	for i, t := range cfg.Topics {
		out[i] = rules.Topic{ID: t.ID, Any: t.Any, All: t.All, None: t.None, In: t.In}
	}
	return out
}

func topicInfos(cfg *config.Config) []bot.TopicInfo {
	out := make([]bot.TopicInfo, len(cfg.Topics))
	for i, t := range cfg.Topics {
		out[i] = bot.TopicInfo{Topic: alert.Topic{ID: t.ID, Name: t.Name, Color: t.Color},
			High: t.Priority == "high", Keywords: len(t.Any) + len(t.All) + len(t.None)}
	}
	return out
}

// slashCommands turns on the /radar transports the config asks for.
func (m *Main) slashCommands(topics []bot.TopicInfo) error {
	h := m.commands.Handle
	if m.cfg.Slack.AppToken != "" {
		sm := slackbot.NewSocketMode(m.cfg.Slack.AppToken, m.cfg.Slack.Token, m.cfg.Slack.APIURL, h, m.log)
		m.services = append(m.services, service{name: "slack socket mode", run: sm.Run})
	}
	if m.cfg.Slack.SigningSecret != "" {
		m.routes["/slack/commands"] = slackbot.NewCommandHandler(m.cfg.Slack.SigningSecret, h, m.log)
	}
	if m.cfg.Discord.ApplicationID != "" {
		ts := make([]alert.Topic, len(topics))
		for i, t := range topics {
			ts[i] = t.Topic
		}
		gw, err := discordbot.NewGateway(m.cfg.Discord.Token, m.cfg.Discord.APIURL, m.cfg.Discord.ApplicationID,
			m.cfg.Discord.GuildID, ts, h, m.log)
		if err != nil {
			return fmt.Errorf("discord gateway: %w", err)
		}
		m.services = append(m.services, service{name: "discord gateway", run: gw.Run})
	}
	if m.cfg.Discord.PublicKey != "" {
		ih, err := discordbot.NewInteractionsHandler(m.cfg.Discord.PublicKey, h, m.log)
		if err != nil {
			return fmt.Errorf("discord.public_key: %w", err)
		}
		m.routes["/discord/interactions"] = ih
	}
	return nil
}
