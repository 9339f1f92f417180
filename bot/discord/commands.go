package discord

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/policyradar/policyradar/alert"
)

// Handler answers a /radar command; the bot package provides the real one.
type Handler func(ctx context.Context, cmd alert.Command) alert.Reply

// CommandName is the slash command Policy Radar registers.
const CommandName = "radar"

// maxChoices is Discord's limit on the choices of one option.
const maxChoices = 25

// Commands is the /radar definition registered with Discord: subcommands
// latest (a choice of the configured topics, count 1–20), search, topics,
// feeds and help. With more topics than Discord allows choices, topic is
// free text.
func Commands(topics []alert.Topic) []*discordgo.ApplicationCommand {
	topic := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: "topic",
		Description: "Only items of this topic",
	}
	if len(topics) <= maxChoices {
		for _, t := range topics {
			name := t.Name
			if name == "" {
				name = t.ID
			}
			topic.Choices = append(topic.Choices, &discordgo.ApplicationCommandOptionChoice{
				Name: truncate(oneLine(name), 100), Value: t.ID,
			})
		}
	}
	one := 1.0
	return []*discordgo.ApplicationCommand{{
		Type:        discordgo.ChatApplicationCommand,
		Name:        CommandName,
		Description: "What is new in open-source AI policy",
		Options: []*discordgo.ApplicationCommandOption{
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: "latest",
				Description: "The newest alerted items",
				Options: []*discordgo.ApplicationCommandOption{topic, {
					Type: discordgo.ApplicationCommandOptionInteger, Name: "count",
					Description: "How many (default 5)", MinValue: &one, MaxValue: 20,
				}},
			},
			{
				Type: discordgo.ApplicationCommandOptionSubCommand, Name: "search",
				Description: "The newest stored items that match your words",
				Options: []*discordgo.ApplicationCommandOption{{
					Type: discordgo.ApplicationCommandOptionString, Name: "words",
					Description: "Words to look for", Required: true, MaxLength: 200,
				}},
			},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "topics", Description: "Each topic with its keywords and recent items"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "feeds", Description: "Each feed's health and failed alerts"},
			{Type: discordgo.ApplicationCommandOptionSubCommand, Name: "help", Description: "How to use /radar"},
		},
	}}
}

// argOrder is the order in which option values become Command.Args.
var argOrder = []string{"topic", "count", "words"}

// command turns a slash-command interaction into a platform-neutral Command.
// ok is false for anything that is not an application command.
func command(i *discordgo.Interaction) (alert.Command, bool) {
	if i == nil || i.Type != discordgo.InteractionApplicationCommand {
		return alert.Command{}, false
	}
	data, ok := i.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok {
		return alert.Command{}, false
	}
	cmd := alert.Command{Platform: "discord", Name: "help", Channel: i.ChannelID}
	switch {
	case i.Member != nil && i.Member.User != nil:
		cmd.User = i.Member.User.ID
	case i.User != nil:
		cmd.User = i.User.ID
	}
	if len(data.Options) > 0 && data.Options[0] != nil && data.Options[0].Type == discordgo.ApplicationCommandOptionSubCommand {
		sub := data.Options[0]
		cmd.Name = sub.Name
		for _, name := range argOrder {
			for _, o := range sub.Options {
				if o != nil && o.Name == name {
					cmd.Args = append(cmd.Args, optionWords(o.Value)...)
				}
			}
		}
	}
	cmd.Text = strings.TrimSpace(cmd.Name + " " + strings.Join(cmd.Args, " "))
	return cmd, true
}

func optionWords(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(v)
	case float64:
		return []string{strconv.FormatFloat(v, 'f', -1, 64)}
	case bool:
		return []string{strconv.FormatBool(v)}
	case nil:
		return nil
	}
	return strings.Fields(fmt.Sprint(v))
}

// call runs h, turning a panic into an apology so one bad command cannot
// take the bot down.
func call(ctx context.Context, h Handler, cmd alert.Command, log *slog.Logger) (r alert.Reply) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("slash command panicked", slog.String("command", cmd.Name),
				slog.Any("panic", p), slog.String("stack", string(debug.Stack())))
			r = alert.Reply{Text: "Sorry, something went wrong answering that. Try /radar help.", Error: true}
		}
	}()
	return h(ctx, cmd)
}
