package discord_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/discord"
	"github.com/policyradar/policyradar/bot/discord/discordtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var testTopics = []alert.Topic{{ID: "export-controls", Name: "Export controls"}, {ID: "misuse", Name: "Misuse"}}

// stub is a Handler that records what it was asked and answers predictably.
type stub struct {
	mu    sync.Mutex
	cmds  []alert.Command
	block chan struct{} // when set, answers wait for it
	panic bool
}

func (s *stub) handle(ctx context.Context, cmd alert.Command) alert.Reply {
	s.mu.Lock()
	s.cmds = append(s.cmds, cmd)
	block, p := s.block, s.panic
	s.mu.Unlock()
	if p {
		panic("handler bug")
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
		}
	}
	return alert.Reply{
		Title: "Answer to " + cmd.Name,
		Items: []alert.ReplyItem{{Title: "@everyone <@1> item", Link: "https://example.org/a", Source: "Src", Published: time.Unix(1700000000, 0), Topics: []string{"misuse"}}},
		Lines: []string{"line one", "line two"},
	}
}

func (s *stub) last() alert.Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cmds) == 0 {
		return alert.Command{}
	}
	return s.cmds[len(s.cmds)-1]
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// runGateway runs a Gateway against srv until the test ends, and waits
// until it is connected.
func runGateway(t *testing.T, srv *discordtest.Server, h discord.Handler, guild string, deferAfter time.Duration) {
	t.Helper()
	g, err := discord.NewGateway("tok", srv.APIURL(), "1234", guild, testTopics, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.DeferAfter, g.MinBackoff = deferAfter, 10*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	if err := srv.WaitReady(waitCtx(t), 1); err != nil {
		t.Fatalf("gateway never connected: %v", err)
	}
}

var subcommands = []struct {
	name     string
	in       discordtest.Interaction
	wantArgs []string
	wantText string
}{
	{"latest", discordtest.Interaction{Subcommand: "latest"}, nil, "latest"},
	{"latest topic count", discordtest.Interaction{Subcommand: "latest", Options: []discordtest.Option{{Name: "count", Value: 3}, {Name: "topic", Value: "export-controls"}}}, []string{"export-controls", "3"}, "latest export-controls 3"},
	{"search", discordtest.Interaction{Subcommand: "search", Options: []discordtest.Option{{Name: "words", Value: "open  weights"}}}, []string{"open", "weights"}, "search open weights"},
	{"topics", discordtest.Interaction{Subcommand: "topics"}, nil, "topics"},
	{"feeds", discordtest.Interaction{Subcommand: "feeds"}, nil, "feeds"},
	{"help", discordtest.Interaction{Subcommand: "help"}, nil, "help"},
}

// checkAnswer checks an ephemeral answer that pings nobody.
func checkAnswer(t *testing.T, a discordtest.Answer, wantTitle string) {
	t.Helper()
	if len(a.Embeds) != 1 || a.Embeds[0].Title != wantTitle {
		t.Fatalf("embeds %+v, want title %q", a.Embeds, wantTitle)
	}
	if am := a.AllowedMentions; am == nil || am.Parse == nil || len(am.Parse)+len(am.Users)+len(am.Roles) != 0 {
		t.Errorf("allowed_mentions %+v, want parse []", am)
	}
	d := a.Embeds[0].Description
	if !strings.Contains(d, "[@\u200beveryone \\<@1\\> item](https://example.org/a)") || !strings.Contains(d, "line one\nline two") {
		t.Errorf("description %q", d)
	}
}

func TestGatewaySubcommands(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	defer srv.Close()
	h := &stub{}
	runGateway(t, srv, h.handle, "", 10*time.Second)
	for _, tt := range subcommands {
		t.Run(tt.name, func(t *testing.T) {
			answers := interact(t, srv, tt.in, 1)
			a := answers[0]
			if a.Kind != "callback" || a.Type != discord.ResponseMessage || a.Flags != discord.FlagEphemeral {
				t.Errorf("answer %s type %d flags %d, want callback type 4 flags 64", a.Kind, a.Type, a.Flags)
			}
			cmd := h.last()
			want := alert.Command{Platform: "discord", Name: tt.in.Subcommand, Args: tt.wantArgs, Text: tt.wantText, User: "42", Channel: "555"}
			if !reflect.DeepEqual(cmd, want) {
				t.Errorf("command %+v, want %+v", cmd, want)
			}
			checkAnswer(t, a, "Answer to "+tt.in.Subcommand)
		})
	}
}

func TestGatewayRegistersCommands(t *testing.T) {
	t.Parallel()
	for _, guild := range []string{"", "777"} {
		t.Run("guild "+guild, func(t *testing.T) {
			srv := discordtest.New()
			defer srv.Close()
			runGateway(t, srv, (&stub{}).handle, guild, time.Second)
			regs := srv.Registrations()
			if len(regs) != 1 || regs[0].AppID != "1234" || regs[0].GuildID != guild {
				t.Fatalf("registrations %+v", regs)
			}
			cmds := regs[0].Commands
			if len(cmds) != 1 || cmds[0].Name != "radar" {
				t.Fatalf("commands %+v", cmds)
			}
			var subs []string
			var choices []string
			for _, o := range cmds[0].Options {
				subs = append(subs, o.Name)
				if o.Name == "latest" {
					for _, c := range o.Options[0].Choices {
						choices = append(choices, c.Value.(string))
					}
				}
			}
			if want := []string{"latest", "search", "topics", "feeds", "help"}; !reflect.DeepEqual(subs, want) {
				t.Errorf("subcommands %v, want %v", subs, want)
			}
			if want := []string{"export-controls", "misuse"}; !reflect.DeepEqual(choices, want) {
				t.Errorf("topic choices %v, want %v", choices, want)
			}
		})
	}
}

func TestGatewayRegistrationRefused(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	defer srv.Close()
	srv.Fail(discordtest.Fault{Path: "/commands", Status: 401})
	g, err := discord.NewGateway("bad", srv.APIURL(), "1234", "", testTopics, (&stub{}).handle, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Run(waitCtx(t)); !errors.Is(err, alert.ErrPermanent) {
		t.Fatalf("Run = %v, want a permanent error", err)
	}
}

func TestGatewaySlowAnswerIsDeferred(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	defer srv.Close()
	h := &stub{block: make(chan struct{})}
	runGateway(t, srv, h.handle, "", 20*time.Millisecond)
	id, err := srv.Interact(subcommands[0].in)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := srv.WaitAnswers(waitCtx(t), id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a := answers[0]; a.Kind != "callback" || a.Type != discord.ResponseDeferred || a.Flags != discord.FlagEphemeral {
		t.Fatalf("first answer %+v, want deferred type 5 flags 64", a)
	}
	close(h.block)
	answers, err = srv.WaitAnswers(waitCtx(t), id, 2)
	if err != nil {
		t.Fatal(err)
	}
	if answers[1].Kind != "edit" {
		t.Fatalf("second answer %+v, want an edit of @original", answers[1])
	}
	checkAnswer(t, answers[1], "Answer to latest")
}

func TestGatewayHandlerPanic(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	defer srv.Close()
	runGateway(t, srv, (&stub{panic: true}).handle, "", 10*time.Second)
	for range 2 { // the bot survives and answers again
		answers := interact(t, srv, subcommands[0].in, 1)
		if e := answers[0].Embeds; answers[0].Type != discord.ResponseMessage || len(e) != 1 || !strings.Contains(e[0].Description, "went wrong") {
			t.Fatalf("answer %+v", answers[0])
		}
	}
}

func TestGatewayReconnects(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	defer srv.Close()
	h := &stub{}
	runGateway(t, srv, h.handle, "", 10*time.Second)
	for n := 2; n <= 3; n++ {
		srv.DropConnections()
		if err := srv.WaitReady(waitCtx(t), n); err != nil {
			t.Fatalf("no reconnect %d: %v", n, err)
		}
		answers := interact(t, srv, subcommands[3].in, 1)
		checkAnswer(t, answers[0], "Answer to topics")
	}
	if identifies, resumes := srv.Sessions(); identifies+resumes != 3 || resumes < 1 {
		t.Errorf("identifies %d resumes %d, want 3 sessions with a resume", identifies, resumes)
	}
	if srv.Heartbeats() == 0 {
		t.Error("no heartbeat")
	}
}

func TestGatewayIgnoresOtherInteractions(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	defer srv.Close()
	h := &stub{}
	runGateway(t, srv, h.handle, "", 10*time.Second)
	if _, err := srv.Interact(discordtest.Interaction{Type: 3}); err != nil { // a button press
		t.Fatal(err)
	}
	id, err := srv.Interact(subcommands[4].in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.WaitAnswers(waitCtx(t), id, 1); err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.cmds) != 1 {
		t.Errorf("handler called %d times, want 1", len(h.cmds))
	}
}

func TestNewGatewayRefusesBadConfig(t *testing.T) {
	h := (&stub{}).handle
	for name, args := range map[string][4]string{
		"no token":    {"", "http://127.0.0.1:1/api/v10", "1", ""},
		"bad app":     {"t", "http://127.0.0.1:1/api/v10", "app", ""},
		"bad guild":   {"t", "http://127.0.0.1:1/api/v10", "1", "guild"},
		"bad api url": {"t", "127.0.0.1/api", "1", ""},
	} {
		if _, err := discord.NewGateway(args[0], args[1], args[2], args[3], nil, h, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := discord.NewGateway("t", "http://127.0.0.1:1/api/v10", "1", "", nil, nil, nil); err == nil {
		t.Error("nil handler accepted")
	}
}

func TestGatewayStopsWhileDiscordIsDown(t *testing.T) {
	t.Parallel()
	srv := discordtest.New()
	srv.Close() // nothing listens: registration keeps failing
	g, err := discord.NewGateway("tok", srv.APIURL(), "1234", "", testTopics, (&stub{}).handle, nil)
	if err != nil {
		t.Fatal(err)
	}
	g.MinBackoff = 10 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := g.Run(ctx); err != nil {
		t.Fatalf("Run = %v, want nil when its context ends", err)
	}
}

// interact sends one /radar interaction and waits for its first n answers.
func interact(t *testing.T, srv *discordtest.Server, in discordtest.Interaction, n int) []discordtest.Answer {
	t.Helper()
	id, err := srv.Interact(in)
	if err != nil {
		t.Fatal(err)
	}
	answers, err := srv.WaitAnswers(waitCtx(t), id, n)
	if err != nil {
		t.Fatal(err)
	}
	return answers
}
