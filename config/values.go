package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

func checkListen(addr string) error {
	if addr == "" {
		return nil // turns the server off
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("it needs host:port")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}

// checkHTTPURL accepts absolute http and https URLs with a host.
func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("is not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("does not start with https:// or http://")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("has no host name")
	}
	return nil
}

func checkFeedURL(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	return checkHTTPURL(s)
}

// checkWebhookURL accepts Discord webhook URLs: /api/webhooks/ID/TOKEN, or
// with an API version, /api/v10/webhooks/ID/TOKEN. Its errors never quote
// the URL, which holds the webhook's secret token.
func checkWebhookURL(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if err := checkHTTPURL(s); err != nil {
		return errors.New("is not an http(s) URL")
	}
	u, _ := url.Parse(s)
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) == 5 && parts[0] == "api" && strings.HasPrefix(parts[1], "v") {
		parts = append(parts[:1], parts[2:]...)
	}
	if len(parts) != 4 || parts[0] != "api" || parts[1] != "webhooks" || !isSnowflake(parts[2]) || parts[3] == "" {
		return errors.New("is not a webhook URL (its path must be /api/webhooks/ID/TOKEN)")
	}
	return nil
}

// isSnowflake reports whether s looks like a Discord ID: digits only.
func isSnowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func validTopicID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// slug turns a would-be topic id into a valid one, for suggestions.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "my-topic"
	}
	return b.String()
}

// searchable are the item fields a topic may search, in their default order.
var searchable = []string{"title", "summary", "content", "categories"}

// fieldsIn reads a topic's `in` list.
func (d *decoder) fieldsIn(e entry) []string {
	ls, ok := d.list(e.value, "topic in")
	if !ok {
		return nil
	}
	if len(ls) == 0 {
		d.add(valueLine(e), "topic in is an empty list, so the topic searches nothing", "list fields among "+strings.Join(searchable, ", ")+", or remove in: to search all four")
		return nil
	}
	var out []string
	for _, l := range ls {
		f := strings.ToLower(strings.TrimSpace(l.v))
		if !contains(searchable, f) {
			d.add(l.line, fmt.Sprintf("topic in names %q, which is not a field", l.v), "use "+strings.Join(searchable, ", "))
			continue
		}
		if !contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}
