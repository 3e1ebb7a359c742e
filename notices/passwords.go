package notices

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The password rule (OWASP ASVS L1 §2.1): at least MinPassword characters,
// at most MaxPasswordBytes bytes, and not guessable. A password is
// guessable when, once every weak part is taken out, fewer than
// minStrongChars characters are left. Weak parts are: a word of the
// shipped list (passwords.txt, leet spellings included), the user name,
// the commune's and the hamlets' names, a run of the keyboard or of the
// alphabet or digits ("qwerty", "4567", "fedc"), a character repeated, a
// chunk repeated ("ab12ab12"), and a year (19xx, 20xx). So "Password1234!",
// "matkhau123456", "qwertyuiop12", "123456789012" and "khom1khom1khom1"
// are refused, and "mưa chiều nay to" or a random 12 characters pass.
//
// Passwords are Unicode-normalised to NFC before they are checked, counted,
// hashed or verified: a Mac types "ư" as two code points (NFD), a phone as
// one (NFC), and both must sign in. Hashes made before this rule from NFD
// input still verify (Authenticate tries the forms in turn) and are
// rehashed from the NFC form on the first success.
//
// bcrypt ignores everything after 72 bytes, so a longer password is
// refused, not truncated or pre-hashed: refusing keeps every existing hash
// verifying as it was, and Authenticate refuses a longer password too, so
// that no suffix past the 72nd byte is ever ignored.

// MaxPasswordBytes is bcrypt's limit.
const MaxPasswordBytes = 72

// minStrongChars is how many characters must be left outside weak parts.
const minStrongChars = 6

//go:embed passwords.txt
var passwordList string

// weakWords is the shipped list, folded.
var weakWords = func() []string {
	var ws []string
	for _, line := range strings.Split(passwordList, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			if w = fold(w); utf8.RuneCountInString(w) >= 3 {
				ws = append(ws, w)
			}
		}
	}
	return ws
}()

// keyboards are sequences of adjacent keys; a run of 3 or more of them,
// forwards or backwards, is weak.
var keyboards = []string{
	"`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp",
	"zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0",
	"abcdefghijklmnopqrstuvwxyz", "01234567890",
}

// ValidatePassword checks a new password for username against the rule
// above. words are more names that must not make up a password (the
// commune's and the hamlets'); each is split into its words, joined too.
func ValidatePassword(username, password string, words ...string) error {
	var es FieldErrors
	password = norm.NFC.String(password) // what is hashed, so what is counted
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPassword:
		es.add("password", "Mật khẩu quá ngắn (%d ký tự); hãy dùng ít nhất %d ký tự, ví dụ một câu ngắn dễ nhớ.",
			n, MinPassword)
	case len(password) > MaxPasswordBytes:
		es.add("password", "Mật khẩu dài %d byte, quá giới hạn %d byte (chữ có dấu tốn 2–3 byte mỗi chữ); "+
			"hãy dùng mật khẩu ngắn hơn.", len(password), MaxPasswordBytes)
	case !utf8.ValidString(password) || strings.ContainsFunc(password, unicode.IsControl):
		es.add("password", "Mật khẩu có ký tự điều khiển (như Tab); hãy chỉ dùng chữ, số, dấu câu và dấu cách.")
	default:
		if msg := guessable(username, password, words); msg != "" {
			es.add("password", "%s", msg)
		}
	}
	return es.Err()
}

// guessable explains why password is easy to guess, or returns "".
func guessable(username, password string, names []string) string {
	// Weak parts are looked for in the skeleton: the folded password
	// without spaces and punctuation, so "Mật khẩu 123" is "matkhau123".
	// Only the skeleton's characters count towards what is left.
	var s []rune
	for _, r := range fold(password) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(leetChars, r) {
			s = append(s, r)
		}
	}
	covered := make([]bool, len(s))
	mark := func(i, n int) {
		for k := i; k < i+n && k < len(s); k++ {
			covered[k] = true
		}
	}
	left := func() int {
		c := 0
		for _, v := range covered {
			if !v {
				c++
			}
		}
		return c
	}
	// The user name first: a password built on it says so.
	user := fold(strings.TrimSpace(username))
	for _, w := range nameWords(user) {
		markWord(s, w, mark)
	}
	if user != "" && left() < minStrongChars {
		return "Mật khẩu không được dựa trên tên đăng nhập; hãy chọn mật khẩu khác."
	}
	for _, name := range names {
		for _, w := range nameWords(fold(name)) {
			markWord(s, w, mark)
		}
	}
	for _, w := range weakWords {
		markWord(s, w, mark)
	}
	if left() < minStrongChars {
		return "Mật khẩu này quá phổ biến hoặc ghép từ những từ dễ đoán (như «matkhau», «admin», tên xã, tên thôn); " +
			"hãy chọn mật khẩu khác, ví dụ một câu ngắn chỉ bạn biết."
	}
	markPatterns(s, mark)
	if left() < minStrongChars {
		return "Mật khẩu dễ đoán: có dãy phím liền nhau, dãy số/chữ liên tiếp, năm sinh hoặc ký tự lặp lại " +
			"(như «qwerty», «123456», «aaaa»); hãy chọn mật khẩu khác, ví dụ một câu ngắn chỉ bạn biết."
	}
	return ""
}

// leetChars are the symbols that stand in for letters (see leet).
const leetChars = "!|@$+"

// markWord marks every place w appears in s, as written or in a leet
// spelling (p@ssw0rd, adm1n).
func markWord(s []rune, w string, mark func(i, n int)) {
	wr := []rune(w)
	if len(wr) < 3 || len(wr) > len(s) {
		return
	}
	for i := 0; i+len(wr) <= len(s); i++ {
		ok := true
		for k, r := range wr {
			if c := s[i+k]; c != r && !leet(c, r) {
				ok = false
				break
			}
		}
		if ok {
			mark(i, len(wr))
		}
	}
}

// leet reports whether c is a common stand-in for the letter r.
func leet(c, r rune) bool {
	switch c {
	case '0':
		return r == 'o'
	case '1', '!', '|':
		return r == 'i' || r == 'l'
	case '3':
		return r == 'e'
	case '4', '@':
		return r == 'a'
	case '5', '$':
		return r == 's'
	case '7', '+':
		return r == 't'
	case '8':
		return r == 'b'
	case '9':
		return r == 'g'
	}
	return false
}

// markPatterns marks keyboard and alphabet runs, repeats and years.
func markPatterns(s []rune, mark func(i, n int)) {
	// Runs of three or more adjacent keys or letters, either way.
	for _, kb := range keyboards {
		k := []rune(kb)
		for i := 0; i < len(s); i++ {
			for _, dir := range []int{1, -1} {
				best := 0
				for p := range k {
					if k[p] != s[i] {
						continue
					}
					n := 1
					for q := p + dir; q >= 0 && q < len(k) && i+n < len(s) && k[q] == s[i+n]; q += dir {
						n++
					}
					best = max(best, n)
				}
				if best >= 3 {
					mark(i, best)
				}
			}
		}
	}
	// A character three times or more in a row.
	for i := 0; i+2 < len(s); i++ {
		if s[i] == s[i+1] && s[i] == s[i+2] {
			mark(i, 3)
		}
	}
	// A chunk of 2 to 8 characters repeated: the copies are weak.
	for size := 2; size <= 8; size++ {
		for i := 0; i+2*size <= len(s); i++ {
			if string(s[i:i+size]) == string(s[i+size:i+2*size]) {
				mark(i+size, size)
			}
		}
	}
	// Years 1900–2099.
	for i := 0; i+4 <= len(s); i++ {
		y := string(s[i : i+4])
		if (strings.HasPrefix(y, "19") || strings.HasPrefix(y, "20")) && strings.Trim(y, "0123456789") == "" {
			mark(i, 4)
		}
	}
}

// nameWords splits a folded name into its words of 2 or more characters
// and the joins of neighbouring words ("ubnd xa an phu" → "ubnd", "xa",
// "an", "phu", "ubndxa", "xaan", …, "anphu", "ubndxaanphu"). Short words
// only count when joined (markWord skips words under 3 characters).
func nameWords(name string) []string {
	parts := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var ws []string
	for i := range parts {
		for j := i + 1; j <= len(parts); j++ {
			ws = append(ws, strings.Join(parts[i:j], ""))
		}
	}
	return ws
}

// fold lowers s and drops its diacritics ("Mật Khẩu" → "mat khau").
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
