package discord

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// MaxInteractionBody caps the body of POST /discord/interactions.
const MaxInteractionBody = 64 << 10

// MaxClockSkew is how far X-Signature-Timestamp may be from our clock.
const MaxClockSkew = 5 * time.Minute

// Interactions answers POST /discord/interactions.
type Interactions struct {
	key    ed25519.PublicKey
	handle Handler
	log    *slog.Logger
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // signatures accepted, until their timestamp goes stale
}

// NewInteractionsHandler verifies each request with the application's
// Ed25519 public key (hex, as the developer portal shows it), answers PING
// with {"type":1} and /radar with an ephemeral message (type 4, flag 64).
// A bad, missing, stale or replayed signature gets 401.
//
// discordgo.VerifyInteraction is not used: it reads the whole body without a
// cap and ignores how old the timestamp is.
func NewInteractionsHandler(publicKey string, h Handler, logger *slog.Logger) (http.Handler, error) {
	return newInteractions(publicKey, h, logger, time.Now)
}

func newInteractions(publicKey string, h Handler, logger *slog.Logger, now func() time.Time) (*Interactions, error) {
	key, err := hex.DecodeString(strings.TrimSpace(publicKey))
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, errors.New("discord public_key: want the 64 hexadecimal digits of the application's Public Key")
	}
	if h == nil {
		return nil, errors.New("discord interactions: no command handler")
	}
	return &Interactions{
		key: ed25519.PublicKey(key), handle: h, now: now, seen: map[string]time.Time{},
		log: orDiscard(logger).With(slog.String("component", "discord-interactions")),
	}, nil
}

func (x *Interactions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInteractionBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "bad request body", http.StatusBadRequest)
		return
	}
	if err := x.verify(r.Header, body); err != nil {
		x.log.Info("refused interaction", slog.String("reason", err.Error()), slog.String("remote", r.RemoteAddr))
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}

	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		http.Error(w, "bad interaction", http.StatusBadRequest)
		return
	}
	switch i.Type {
	case discordgo.InteractionPing:
		writeResponse(w, Response{Type: ResponsePong})
	case discordgo.InteractionApplicationCommand:
		cmd, ok := command(&i)
		if !ok {
			http.Error(w, "bad interaction", http.StatusBadRequest)
			return
		}
		reply := call(r.Context(), x.handle, cmd, x.log.With(slog.String("command", cmd.Name)))
		writeResponse(w, Response{Type: ResponseMessage, Data: ReplyData(reply)})
	default:
		http.Error(w, "unsupported interaction type", http.StatusBadRequest)
	}
}

// verify checks X-Signature-Ed25519 over X-Signature-Timestamp + body and
// that the timestamp is within MaxClockSkew of now.
func (x *Interactions) verify(h http.Header, body []byte) error {
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("missing or malformed signature")
	}
	ts := h.Get("X-Signature-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("missing or malformed timestamp")
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(x.key, msg, sig) {
		return errors.New("signature does not match")
	}
	if skew := x.now().Sub(time.Unix(sec, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("timestamp %s off", skew.Round(time.Second))
	}
	return x.once(string(sig), time.Unix(sec, 0).Add(MaxClockSkew))
}

// once refuses a signature seen before: a replayed request. Signatures are
// kept only while their timestamp would still pass.
func (x *Interactions) once(sig string, until time.Time) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.now()
	if t, ok := x.seen[sig]; ok && now.Before(t) {
		return errors.New("replayed request")
	}
	if len(x.seen) >= 1024 {
		for k, t := range x.seen {
			if !now.Before(t) {
				delete(x.seen, k)
			}
		}
	}
	x.seen[sig] = until
	return nil
}

func writeResponse(w http.ResponseWriter, r Response) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(r)
}
