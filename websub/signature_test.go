package websub_test

import (
	"strings"
	"testing"

	"github.com/policyradar/policyradar/websub"
)

func TestSignature(t *testing.T) {
	body := []byte("The quick brown fox jumps over the lazy dog")
	tests := []struct {
		name   string
		header string
		secret string
		want   bool
	}{
		// Known HMAC vectors (key "key").
		{"sha1 vector", "sha1=de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9", "key", true},
		{"sha256 vector", "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "key", true},
		{"upper-case hex", "sha256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8", "key", true},
		{"sha384 signed", websub.Sign("sha384", "key", body), "key", true},
		{"sha512 signed", websub.Sign("sha512", "key", body), "key", true},
		{"wrong secret", "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "kex", false},
		{"method mismatch", "sha1=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "key", false},
		{"one digit off", "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd9", "key", false},
		{"truncated", "sha256=f7bc83f430538424", "key", false},
		{"missing", "", "key", false},
		{"no method", "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8", "key", false},
		{"unknown method", "md5=80070713463e7749b90c2dc24911e275", "key", false},
		{"not hex", "sha256=" + strings.Repeat("z", 64), "key", false},
		{"empty secret never valid", websub.Sign("sha256", "", body), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := websub.ValidSignature(tt.header, tt.secret, body); got != tt.want {
				t.Errorf("ValidSignature(%q) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
	if got := websub.Sign("md5", "key", body); got != "" {
		t.Errorf("Sign with an unknown method = %q, want empty", got)
	}
}

// FuzzValidSignature: only the exact HMAC (hex in either case, the
// header trimmed) is ever accepted.
func FuzzValidSignature(f *testing.F) {
	f.Add("sha256=00", []byte("body"))
	f.Add(websub.Sign("sha1", "secret", []byte("x")), []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if !websub.ValidSignature(header, "secret", body) {
			return
		}
		h := strings.TrimSpace(header)
		method, _, _ := strings.Cut(h, "=")
		if want := websub.Sign(strings.ToLower(method), "secret", body); !strings.EqualFold(h, want) {
			t.Fatalf("accepted %q for %q, want only %q", header, body, want)
		}
	})
}
