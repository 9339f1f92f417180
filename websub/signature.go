package websub

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"strings"
)

// signers are the X-Hub-Signature methods of WebSub 7.1. SHA-1 is weak, but
// the spec lists it and most hubs still sign with it for old subscribers;
// an HMAC-SHA1 with a 256-bit random secret is not practically forgeable.
var signers = map[string]func() hash.Hash{
	"sha1":   sha1.New,
	"sha256": sha256.New,
	"sha384": sha512.New384,
	"sha512": sha512.New,
}

// Sign returns an X-Hub-Signature value ("sha256=hex…") of body with
// secret; "" for a method WebSub does not name.
func Sign(method, secret string, body []byte) string {
	h, ok := signers[method]
	if !ok {
		return ""
	}
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return method + "=" + hex.EncodeToString(m.Sum(nil))
}

// ValidSignature reports whether header (an X-Hub-Signature value) is an
// HMAC of body with secret by one of the WebSub methods, compared in
// constant time. A missing header, an unknown method or an empty secret is
// never valid.
func ValidSignature(header, secret string, body []byte) bool {
	method, sig, ok := strings.Cut(strings.TrimSpace(header), "=")
	h, known := signers[strings.ToLower(method)]
	if !ok || !known || secret == "" {
		return false
	}
	got, err := hex.DecodeString(sig)
	if err != nil {
		return false
	}
	m := hmac.New(h, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}
