package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/policyradar/policyradar/alert"
	"github.com/policyradar/policyradar/bot/discord"
	"github.com/policyradar/policyradar/bot/discord/discordtest"
)

type signer struct {
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey
}

func newSigner(t *testing.T) signer {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	return signer{pub, priv}
}

func (s signer) sign(ts string, body []byte) string {
	return hex.EncodeToString(ed25519.Sign(s.priv, append([]byte(ts), body...)))
}

func post(t *testing.T, url string, body []byte, sig, ts string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if sig != "" {
		req.Header.Set("X-Signature-Ed25519", sig)
	}
	if ts != "" {
		req.Header.Set("X-Signature-Timestamp", ts)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.Bytes()
}

func newInteractionsServer(t *testing.T, h discord.Handler) (signer, string) {
	t.Helper()
	s := newSigner(t)
	handler, err := discord.NewInteractionsHandler(hex.EncodeToString(s.pub), h, nil)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(ts.Close)
	return s, ts.URL + "/discord/interactions"
}

func now() string { return strconv.FormatInt(time.Now().Unix(), 10) }

func TestInteractionsPing(t *testing.T) {
	s, url := newInteractionsServer(t, (&stub{}).handle)
	body := []byte(`{"id":"1","application_id":"1234","type":1,"token":"t","version":1}`)
	ts := now()
	status, out := post(t, url, body, s.sign(ts, body), ts)
	if status != http.StatusOK || strings.TrimSpace(string(out)) != `{"type":1}` {
		t.Fatalf("%d %s", status, out)
	}
}

func TestInteractionsSubcommands(t *testing.T) {
	fake := discordtest.New() // only builds interaction bodies
	defer fake.Close()
	h := &stub{}
	s, url := newInteractionsServer(t, h.handle)
	for _, tt := range subcommands {
		t.Run(tt.name, func(t *testing.T) {
			_, body := fake.InteractionJSON(tt.in)
			ts := now()
			status, out := post(t, url, body, s.sign(ts, body), ts)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, out)
			}
			var resp struct {
				Type int `json:"type"`
				Data struct {
					Flags int `json:"flags"`
				} `json:"data"`
			}
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatal(err)
			}
			if resp.Type != 4 || resp.Data.Flags != 64 {
				t.Errorf("type %d flags %d, want 4 and 64", resp.Type, resp.Data.Flags)
			}
			var a struct {
				Data discordtest.Answer `json:"data"`
			}
			if err := json.Unmarshal(out, &a); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), `"allowed_mentions":{"parse":[]}`) {
				t.Errorf("allowed_mentions not empty: %s", out)
			}
			checkAnswer(t, discordtest.Answer{Embeds: a.Data.Embeds, AllowedMentions: &discordtest.AllowedMentions{Parse: []string{}}}, "Answer to "+tt.in.Subcommand)
			want := alert.Command{Platform: "discord", Name: tt.in.Subcommand, Args: tt.wantArgs, Text: tt.wantText, User: "42", Channel: "555"}
			if cmd := h.last(); !reflect.DeepEqual(cmd, want) {
				t.Errorf("command %+v, want %+v", cmd, want)
			}
		})
	}
}

func TestInteractionsRefused(t *testing.T) {
	fake := discordtest.New()
	defer fake.Close()
	h := &stub{}
	s, url := newInteractionsServer(t, h.handle)
	other := newSigner(t)
	_, body := fake.InteractionJSON(subcommands[0].in)
	ts := now()
	stale := strconv.FormatInt(time.Now().Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(6*time.Minute).Unix(), 10)
	tampered := bytes.Replace(body, []byte(`"latest"`), []byte(`"feeds"`), 1)
	tests := []struct {
		name     string
		body     []byte
		sig, ts  string
		wantCode int
	}{
		{"forged", body, other.sign(ts, body), ts, 401},
		{"missing signature", body, "", ts, 401},
		{"missing timestamp", body, s.sign(ts, body), "", 401},
		{"malformed signature", body, "zz" + s.sign(ts, body)[2:], ts, 401},
		{"tampered body", tampered, s.sign(ts, body), ts, 401},
		{"other timestamp", body, s.sign(ts, body), ts + "1", 401},
		{"stale", body, s.sign(stale, body), stale, 401},
		{"future", body, s.sign(future, body), future, 401},
		{"too large", bytes.Repeat([]byte(" "), discord.MaxInteractionBody+1), "", ts, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, out := post(t, url, tt.body, tt.sig, tt.ts); status != tt.wantCode {
				t.Errorf("status %d (%s), want %d", status, out, tt.wantCode)
			}
		})
	}
	h.mu.Lock()
	n := len(h.cmds)
	h.mu.Unlock()
	if n != 0 {
		t.Errorf("handler ran %d times for refused requests", n)
	}

	t.Run("replayed", func(t *testing.T) {
		sig := s.sign(ts, body)
		if status, out := post(t, url, body, sig, ts); status != 200 {
			t.Fatalf("first: %d %s", status, out)
		}
		if status, _ := post(t, url, body, sig, ts); status != 401 {
			t.Errorf("replay: %d, want 401", status)
		}
	})
}

func TestNewInteractionsHandlerRefusesBadKey(t *testing.T) {
	for _, key := range []string{"", "abc", strings.Repeat("zz", 32), strings.Repeat("ab", 31)} {
		if _, err := discord.NewInteractionsHandler(key, (&stub{}).handle, nil); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}
