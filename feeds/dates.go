package feeds

import (
	"strings"
	"time"
)

// localMonths maps month names and abbreviations of languages whose feeds
// put them in RFC 822 dates (Portuguese, Italian, Spanish, French, German)
// to the English abbreviation.
var localMonths = map[string]string{
	"jan": "Jan", "janv": "Jan", "ene": "Jan", "gen": "Jan", "janeiro": "Jan", "gennaio": "Jan", "enero": "Jan", "janvier": "Jan", "januar": "Jan",
	"fev": "Feb", "feb": "Feb", "févr": "Feb", "fevr": "Feb", "fevereiro": "Feb", "febbraio": "Feb", "febrero": "Feb", "février": "Feb", "februar": "Feb",
	"mar": "Mar", "mars": "Mar", "mär": "Mar", "mrz": "Mar", "março": "Mar", "marzo": "Mar", "märz": "Mar",
	"abr": "Apr", "apr": "Apr", "avr": "Apr", "abril": "Apr", "aprile": "Apr", "avril": "Apr",
	"mai": "May", "mag": "May", "may": "May", "maio": "May", "maggio": "May", "mayo": "May",
	"jun": "Jun", "giu": "Jun", "juin": "Jun", "junho": "Jun", "giugno": "Jun", "junio": "Jun", "juni": "Jun",
	"jul": "Jul", "lug": "Jul", "juil": "Jul", "julho": "Jul", "luglio": "Jul", "julio": "Jul", "juillet": "Jul", "juli": "Jul",
	"ago": "Aug", "aug": "Aug", "août": "Aug", "aout": "Aug", "agosto": "Aug", "august": "Aug",
	"set": "Sep", "sep": "Sep", "sept": "Sep", "setembro": "Sep", "settembre": "Sep", "septiembre": "Sep", "septembre": "Sep", "september": "Sep",
	"out": "Oct", "ott": "Oct", "oct": "Oct", "okt": "Oct", "outubro": "Oct", "ottobre": "Oct", "octubre": "Oct", "octobre": "Oct", "oktober": "Oct",
	"nov": "Nov", "novembro": "Nov", "novembre": "Nov", "noviembre": "Nov", "november": "Nov",
	"dez": "Dec", "dic": "Dec", "déc": "Dec", "dec": "Dec", "dezembro": "Dec", "dicembre": "Dec", "diciembre": "Dec", "décembre": "Dec", "dezember": "Dec",
}

var looseLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05",
	"2006/1/2 15:04:05",
	"2006/1/2 15:04",
	"2006-1-2 15:04:05",
	"2006/1/2",
}

// parseLooseDate reads dates gofeed leaves unparsed: RFC 822 dates with
// day and month names in another language, and "2020/1/10 14:33:00"
// (no zone: read as UTC).
func parseLooseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if i := strings.IndexByte(s, ','); i >= 0 && i < 12 {
		s = strings.TrimSpace(s[i+1:])
	}
	fields := strings.Fields(s)
	for i, f := range fields {
		if m, ok := localMonths[strings.TrimSuffix(strings.ToLower(f), ".")]; ok {
			fields[i] = m
		}
	}
	s = strings.Join(fields, " ")
	for _, layout := range looseLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
