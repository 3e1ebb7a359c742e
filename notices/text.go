package notices

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Slug makes a hamlet code from a name: without diacritics, lower case,
// words joined by '-', at most 40 bytes. "Khóm 1" → "khom-1",
// "Ấp Đông Hòa" → "ap-dong-hoa". It returns "" when nothing is left.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		r = unicode.ToLower(r)
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s
}

// nfcTrim NFC-normalises s and trims surrounding space.
func nfcTrim(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }
