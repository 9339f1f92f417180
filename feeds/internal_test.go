package feeds

import (
	"testing"
	"time"

	"github.com/policyradar/policyradar/internal/realfeeds"
)

func TestLinkHeader(t *testing.T) {
	tests := []struct {
		name      string
		values    []string
		hub, self string
	}{
		{"none", nil, "", ""},
		{"both in one", []string{`<https://hub.example/>; rel="hub", <https://example.org/feed>; rel="self"`}, "https://hub.example/", "https://example.org/feed"},
		{"two headers, bare rel", []string{`<https://example.org/feed>; rel=self`, `<https://hub.example/>;rel=hub`}, "https://hub.example/", "https://example.org/feed"},
		{"several rels", []string{`<https://h/>; rel="hub alternate"`}, "https://h/", ""},
		{"comma in URL", []string{`<https://example.org/a,b>; rel="self"`}, "", "https://example.org/a,b"},
		{"other rels ignored", []string{`<https://example.org/next>; rel="next"`}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hub, self := linkHeader(tt.values)
			if hub != tt.hub || self != tt.self {
				t.Errorf("got %q, %q; want %q, %q", hub, self, tt.hub, tt.self)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, v string
		want    time.Duration
	}{
		{"empty", "", 0},
		{"seconds", "120", 2 * time.Minute},
		{"zero", "0", 0},
		{"negative", "-5", 0},
		{"huge capped", "99999999", 6 * time.Hour},
		{"http date", "Wed, 01 Jan 2025 12:30:00 GMT", 30 * time.Minute},
		{"past date", "Wed, 01 Jan 2025 11:00:00 GMT", 0},
		{"junk", "later", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.v, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.v, got, tt.want)
			}
		})
	}
}

func TestJitter(t *testing.T) {
	tests := []struct {
		name string
		r    float64
		want time.Duration
	}{
		{"lowest", 0, 90 * time.Second},
		{"middle", 0.5, 100 * time.Second},
		{"near highest", 0.999999, 110 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jitter(100*time.Second, tt.r)
			if d := got - tt.want; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("jitter(100s, %v) = %s, want %s", tt.r, got, tt.want)
			}
		})
	}
}

func TestFirstPoll(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		interval time.Duration
		r        float64
		want     time.Duration
	}{
		{"at once", time.Hour, 0, 0},
		{"long interval spread over 5s", time.Hour, 0.5, 2500 * time.Millisecond},
		{"short interval spread over it", time.Second, 0.5, 500 * time.Millisecond},
		{"never beyond 5s", 24 * time.Hour, 0.999, 4995 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstPoll(now, tt.interval, tt.r).Sub(now); got != tt.want {
				t.Errorf("firstPoll(%s, %v) = +%s, want +%s", tt.interval, tt.r, got, tt.want)
			}
		})
	}
}

func TestToUTF8(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		contentType string
		want        string
	}{
		{"utf-8 unchanged", "<rss>é</rss>", "", "<rss>é</rss>"},
		{"bom and space dropped", "\xef\xbb\xbf \n<rss/>", "", "<rss/>"},
		{"declared latin-1", `<?xml version="1.0" encoding="ISO-8859-1"?><rss>` + "\xe9\x80" + `</rss>`, "", "<rss>é€</rss>"},
		{"declared latin-1 but really utf-8", `<?xml version="1.0" encoding="iso-8859-1"?><rss>é</rss>`, "", "<rss>é</rss>"},
		{"undeclared latin-1", "<rss>S\xe3o Paulo</rss>", "", "<rss>São Paulo</rss>"},
		{"mixed utf-8 and latin-1", "<rss>é \xe9</rss>", "", "<rss>é é</rss>"},
		{"http charset", "<rss>\xe9</rss>", "text/xml; charset=ISO-8859-1", "<rss>é</rss>"},
		{"declaration beats http charset", `<?xml version="1.0" encoding="windows-1252"?><rss>` + "\x93" + `</rss>`, "text/xml; charset=utf-8", "<rss>\u201c</rss>"},
		{"declared gb2312", `<?xml version="1.0" encoding="gb2312"?><t>` + "\xd6\xd0\xce\xc4" + `</t>`, "", "<t>中文</t>"},
		{"utf-16 with BOM", "\xff\xfe<\x00a\x00/\x00>\x00", "", "<a/>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(toUTF8([]byte(tt.in), tt.contentType)); got != tt.want {
				t.Errorf("toUTF8(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseLooseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"Seg, 24 Set 2018 19:42:40 -0300", time.Date(2018, 9, 24, 22, 42, 40, 0, time.UTC), true},
		{"mer, 16 nov 2022 00:38:15 +0100", time.Date(2022, 11, 15, 23, 38, 15, 0, time.UTC), true},
		{"Di, 3 Dez. 2024 10:00:00 +0000", time.Date(2024, 12, 3, 10, 0, 0, 0, time.UTC), true},
		{"2020/1/10 14:33:00", time.Date(2020, 1, 10, 14, 33, 0, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseLooseDate(tt.in)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseLooseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestParseHubInRSS reads the hub golem.de advertises with atom:link.
func TestParseHubInRSS(t *testing.T) {
	data := realfeeds.Read(t, "golem-iso88591.xml")
	doc, err := parseDocument(data, "", "https://rss.golem.de/rss.php?feed=RSS2.0", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if doc.hub != "http://golem.superfeedr.com/" || doc.self != "https://rss.golem.de/rss.php?feed=RSS2.0" {
		t.Errorf("hub, self = %q, %q", doc.hub, doc.self)
	}
}
