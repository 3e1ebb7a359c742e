package notices

import (
	"database/sql"
	"strings"
	"unicode"

	sqlite3 "github.com/mattn/go-sqlite3"
	"golang.org/x/text/unicode/norm"
)

// driverName is the SQLite driver the store opens its database with: the
// mattn driver with loaxa's SQL functions registered on each connection.
const driverName = "sqlite3_loaxa"

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		// loaxa_fold(text) is Fold, for searches that ignore case and
		// diacritics in SQL (so that LIMIT and OFFSET count what matched).
		if err := c.RegisterFunc("loaxa_fold", Fold, true); err != nil {
			return err
		}
		// loaxa_category(text) is CategoryCode: a category in any of its
		// forms filters as one.
		return c.RegisterFunc("loaxa_category", CategoryCode, true)
	}})
}

// Fold is s as a search compares it: lower case, without diacritics, đ as
// d. "Cắt ĐIỆN" and "cat dien" fold alike. It runs on every title and body
// a search reads, so the common letters come from a table.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		case r < rune(len(foldTable)) && foldTable[r] != 0:
			r = foldTable[r]
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark, in text not in NFC: a tone or a hat
		default:
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// foldTable maps each precomposed letter of the Latin blocks (Vietnamese
// is in Latin-1, Latin Extended-A and B, and Latin Extended Additional)
// to its folded form: NFD, marks dropped, lower case, đ as d.
var foldTable = func() (t [0x1f00]rune) {
	for r := rune(0x80); r < rune(len(t)); r++ {
		if !unicode.IsLetter(r) {
			continue
		}
		var base []rune
		for _, d := range norm.NFD.String(string(r)) {
			if !unicode.Is(unicode.Mn, d) {
				base = append(base, d)
			}
		}
		if len(base) != 1 {
			continue // a letter that decomposes into two (none in Vietnamese): ToLower at run time
		}
		f := unicode.ToLower(base[0])
		if f == 'đ' {
			f = 'd'
		}
		t[r] = f
	}
	t['Đ'], t['đ'] = 'd', 'd'
	return t
}()
