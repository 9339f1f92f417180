package feeds

import (
	"bytes"
	"mime"
	"regexp"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16BE = []byte{0xFE, 0xFF}
	bomUTF16LE = []byte{0xFF, 0xFE}

	xmlDecl     = regexp.MustCompile(`^<\?xml[^>]*\?>`)
	xmlEncoding = regexp.MustCompile(`encoding\s*=\s*["']([^"']*)["']`)
)

// toUTF8 returns the document as UTF-8 with no BOM, no leading white space
// and no XML declaration (so the XML decoder does not convert it again).
// Which encoding the bytes are in is decided, most certain first, by the
// BOM, the XML declaration, the HTTP Content-Type charset, and else by the
// bytes: valid UTF-8 stays, and each byte that is not valid UTF-8 is read as
// Windows-1252 (what undeclared Latin-1 feeds really are).
//
// One exception: a document that declares a legacy encoding yet is valid
// UTF-8 with non-ASCII in it is taken as UTF-8, because text in a legacy
// encoding practically never forms valid multi-byte UTF-8 and mislabelled
// UTF-8 feeds are common.
func toUTF8(data []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		data = data[len(bomUTF8):]
	case bytes.HasPrefix(data, bomUTF16BE), bytes.HasPrefix(data, bomUTF16LE):
		if out, err := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder().Bytes(data); err == nil {
			return dropDecl(bytes.TrimLeft(out, " \t\r\n"))
		}
	}
	data = bytes.TrimLeft(data, " \t\r\n")

	var enc encoding.Encoding
	if decl := xmlDecl.Find(data); decl != nil {
		data = data[len(decl):]
		if m := xmlEncoding.FindSubmatch(decl); m != nil {
			enc = lookup(string(m[1]))
		}
	}
	if enc == nil {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
			enc = lookup(params["charset"])
		}
	}
	if enc != nil && !isUTF8(enc) && !(utf8.Valid(data) && hasNonASCII(data)) {
		if out, err := enc.NewDecoder().Bytes(data); err == nil {
			data = out
		}
	}
	if !utf8.Valid(data) {
		data = repairUTF8(data)
	}
	return data
}

// lookup finds an encoding by its WHATWG label (so ISO-8859-1 is read as
// Windows-1252 and GB2312 as GBK, as browsers do); nil if unknown.
func lookup(label string) encoding.Encoding {
	e, err := htmlindex.Get(label)
	if err != nil {
		return nil
	}
	return e
}

func isUTF8(e encoding.Encoding) bool {
	name, _ := htmlindex.Name(e)
	return name == "utf-8"
}

func dropDecl(data []byte) []byte {
	if m := xmlDecl.Find(data); m != nil {
		return data[len(m):]
	}
	return data
}

func hasNonASCII(data []byte) bool {
	for _, c := range data {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// repairUTF8 keeps valid UTF-8 sequences and reads every other byte as
// Windows-1252.
func repairUTF8(data []byte) []byte {
	out := make([]byte, 0, len(data)+len(data)/8)
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			r = charmap.Windows1252.DecodeByte(data[0])
		}
		out = utf8.AppendRune(out, r)
		data = data[size:]
	}
	return out
}
