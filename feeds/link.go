package feeds

import (
	"net/url"
	"strings"
)

// NormalizeLink resolves raw against base and removes the fragment and the
// tracking parameters utm_*, fbclid, gclid, mc_cid, mc_eid, ref_src. Scheme
// and host are lower-cased; other query parameters keep their order and
// their encoding. A link that cannot be parsed comes back trimmed.
func NormalizeLink(raw, base string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if !u.IsAbs() || u.Host == "" && u.Opaque == "" {
		if b, err := url.Parse(strings.TrimSpace(base)); err == nil && b.IsAbs() {
			u = b.ResolveReference(u)
		}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	u.Fragment, u.RawFragment = "", ""
	if u.RawQuery != "" {
		u.RawQuery = stripTracking(u.RawQuery)
	}
	if u.RawQuery == "" {
		u.ForceQuery = false
	}
	out := u.String()
	if t := strings.TrimSpace(out); t != out {
		// Dropping the fragment or a parameter left white space at an end
		// ("? #"): normalise what remains, so a second pass changes nothing.
		return NormalizeLink(t, "")
	}
	return out
}

// stripTracking drops tracking parameters and empty pieces, keeping the
// rest byte for byte in their order.
func stripTracking(rawQuery string) string {
	parts := strings.Split(rawQuery, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		key, _, _ := strings.Cut(p, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if isTrackingParam(strings.ToLower(key)) {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(kept, "&")
}

func isTrackingParam(key string) bool {
	if strings.HasPrefix(key, "utm_") {
		return true
	}
	switch key {
	case "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src":
		return true
	}
	return false
}
