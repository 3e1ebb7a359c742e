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
		return c.RegisterFunc("loaxa_fold", Fold, true)
	}})
}

// Fold is s as a search compares it: lower case, without diacritics, đ as
// d. "Cắt ĐIỆN" and "cat dien" fold alike.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining mark: the tone or the hat
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
