package notices

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxMessageRunes is Zalo's limit on one text message, counted in runes of
// the NFC-normalised text.
const MaxMessageRunes = 2000

// minSplitRunes is the smallest limit SplitMessage honours: below it the
// "(k/n) " marker would leave no room for text.
const minSplitRunes = 16

// SplitMessage normalises text as Render does and returns it as messages of
// at most limit runes each (MaxMessageRunes when limit <= 0; limits below 16
// are raised to 16). Text that fits is returned whole, without a marker.
// Longer text is cut into parts that each start with a "(k/n) " marker, so
// that a chat preview shows at once which part it is:
//
//	(1/3) 📢 THÔNG BÁO …
//	(2/3) …
//	(3/3) … — UBND phường An Hòa
//
// A part ends at a paragraph break, else at the end of a sentence, else at a
// line break, as long as it is at least half full; failing that, at the last
// such break or space; and inside a word only when no space is left, never
// inside a grapheme cluster as far as emoji sequences and combining marks go.
// The white space at a cut is dropped and nothing else is. The parts are
// balanced, so the last one is not a lone footer. SplitMessage returns nil
// for text that is empty after normalisation.
func SplitMessage(text string, limit int) []string {
	if limit <= 0 {
		limit = MaxMessageRunes
	}
	limit = max(limit, minSplitRunes)
	text = cleanText(text)
	if text == "" {
		return nil
	}
	if utf8.RuneCountInString(text) <= limit {
		return []string{text}
	}
	// The marker "(k/n) " takes 4 runes plus the digits of k and n. Try one
	// digit for n first, then more until the count of parts fits.
	for digits, bound := 1, 10; ; digits, bound = digits+1, bound*10 {
		pieces := splitText(text, limit-(2*digits+4))
		if len(pieces) < bound {
			n := strconv.Itoa(len(pieces))
			for i, p := range pieces {
				pieces[i] = "(" + strconv.Itoa(i+1) + "/" + n + ") " + p
			}
			return pieces
		}
	}
}

// splitText cuts text into pieces of at most limit runes, trimmed of the
// white space at the cuts. It first finds how many pieces a greedy split
// needs, then looks for the smallest window that still needs no more, so
// that the pieces are balanced.
func splitText(text string, limit int) []string {
	rs := []rune(text)
	greedy := cutAll(rs, limit)
	k := len(greedy)
	if k <= 1 {
		return greedy
	}
	step := max(limit/50, 1)
	for w := (len(rs) + k - 1) / k; w < limit; w += step {
		if p := cutAll(rs, w); len(p) <= k {
			return p
		}
	}
	return greedy
}

func cutAll(rs []rune, limit int) []string {
	var out []string
	for {
		rs = trimSpaceLeft(rs)
		if len(rs) == 0 {
			return out
		}
		if len(rs) <= limit {
			return append(out, string(rs))
		}
		c := findCut(rs, limit)
		out = append(out, string(trimSpaceRight(rs[:c])))
		rs = rs[c:]
	}
}

// findCut returns where to end the next piece of rs, which is longer than
// limit and starts with a non-space: 0 < cut <= limit. Candidates are the
// starts of white-space runs; a paragraph break, sentence end or line break
// wins if the piece would be at least half full, in that order; then the
// latest of them however short, then the latest space, unless the word that
// follows is longer than limit; then the latest grapheme boundary.
func findCut(rs []rune, limit int) int {
	var para, sentence, line, word, next int
	for i := 1; i <= limit; i++ {
		if !unicode.IsSpace(rs[i]) || unicode.IsSpace(rs[i-1]) {
			continue
		}
		j, newlines := i, 0
		for ; j < len(rs) && unicode.IsSpace(rs[j]); j++ {
			if rs[j] == '\n' {
				newlines++
			}
		}
		if j < len(rs) && !graphemeBoundary(rs, j) {
			continue // a space carrying a combining mark: keep them together
		}
		word, next = i, j
		if newlines >= 1 {
			line = i
		}
		if newlines >= 2 {
			para = i
		}
		if endsSentence(rs, i, j) {
			sentence = i
		}
	}
	for _, c := range [...]int{para, sentence, line} {
		if c > 0 && c >= limit/2 {
			return c
		}
	}
	// A word too long for any part will be cut anyway: cutting before it
	// would only add a short part.
	if word > 0 && !tooLong(rs[next:], limit) {
		for _, c := range [...]int{para, sentence, line, word} {
			if c > 0 {
				return c
			}
		}
	}
	for c := limit; c > 0; c-- {
		if graphemeBoundary(rs, c) {
			return c
		}
	}
	return limit // hundreds of combining marks in a row: any rune boundary will do
}

// tooLong reports whether the word at the start of rs is longer than limit.
func tooLong(rs []rune, limit int) bool {
	for i, r := range rs {
		if unicode.IsSpace(r) {
			return false
		}
		if i >= limit {
			return true
		}
	}
	return len(rs) > limit
}

// closers may follow the punctuation that ends a sentence.
const closers = "\"'”’»)]}"

// abbreviations end in a period without ending a sentence (lower case).
// Single letters (initials, "Q. 1", "P. 5") are handled apart.
var abbreviations = map[string]bool{
	"tp": true, "tx": true, "tt": true, "kp": true, "ths": true, "ts": true,
	"pgs": true, "gs": true, "bs": true, "ks": true, "ls": true, "đc": true,
	"đ/c": true, "đt": true, "sđt": true, "tr": true, "v/v": true,
}

// endsSentence reports whether the white-space run rs[i:j] follows the end
// of a sentence: ".", "!", "?" or "…", maybe followed by closing quotes or
// brackets. A period does not end a sentence after an abbreviation, an
// initial, a list number at the start of a line ("1.", "II."), or when a
// lower-case letter follows.
func endsSentence(rs []rune, i, j int) bool {
	k := i - 1
	for k > 0 && strings.ContainsRune(closers, rs[k]) {
		k--
	}
	switch rs[k] {
	case '!', '?', '…':
		return true
	case '.':
	default:
		return false
	}
	if k > 0 && rs[k-1] == '.' {
		return true // "..."
	}
	s := k
	for s > 0 && !unicode.IsSpace(rs[s-1]) && !strings.ContainsRune("([{«“\"'", rs[s-1]) {
		s--
	}
	tok := strings.ToLower(string(rs[s:k]))
	switch {
	case tok == "":
		return false
	case abbreviations[tok]:
		return false
	case utf8.RuneCountInString(tok) == 1 && unicode.IsLetter(rs[s]):
		return false
	case (s == 0 || rs[s-1] == '\n') && isListNumber(tok):
		return false
	case j < len(rs) && unicode.IsLower(rs[j]):
		return false
	}
	return true
}

func isListNumber(tok string) bool {
	digits := strings.Trim(tok, "0123456789.") == ""
	roman := strings.Trim(tok, "ivxlc") == ""
	return digits || roman
}

// graphemeBoundary reports whether rs may be cut before rs[c] without
// splitting a user-perceived character: not before a combining mark,
// variation selector, emoji modifier, tag or joiner, not after a zero-width
// joiner, and not between the two regional indicators of a flag. This is the
// part of Unicode's grapheme rules (UAX #29) that Vietnamese text and emoji
// need; Hangul and Indic clusters are not handled.
func graphemeBoundary(rs []rune, c int) bool {
	if c <= 0 || c >= len(rs) {
		return true
	}
	if isExtend(rs[c]) || rs[c-1] == '\u200d' {
		return false
	}
	if isRegionalIndicator(rs[c]) {
		n := 0
		for k := c - 1; k >= 0 && isRegionalIndicator(rs[k]); k-- {
			n++
		}
		return n%2 == 0
	}
	return true
}

func isExtend(r rune) bool {
	switch {
	case r == '\u200c', r == '\u200d': // zero-width non-joiner and joiner
		return true
	case r >= 0x1f3fb && r <= 0x1f3ff: // emoji skin-tone modifiers
		return true
	case r >= 0xe0020 && r <= 0xe007f: // tags (subdivision flags)
		return true
	}
	// Mn covers the variation selectors and Vietnamese tone marks left
	// decomposed, Me the keycap, Mc spacing marks.
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

func isRegionalIndicator(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }

func trimSpaceLeft(rs []rune) []rune {
	for len(rs) > 0 && unicode.IsSpace(rs[0]) {
		rs = rs[1:]
	}
	return rs
}

func trimSpaceRight(rs []rune) []rune {
	for len(rs) > 0 && unicode.IsSpace(rs[len(rs)-1]) {
		rs = rs[:len(rs)-1]
	}
	return rs
}

// cleanText normalises resident-facing text: valid UTF-8, NFC, "\n" line
// endings, no control characters but tabs, no trailing spaces, at most one
// blank line in a row, no blank lines at either end. Invalid bytes (a
// program inserting Windows-1258 or Latin-1) become U+FFFD here, as JSON
// would turn them on the way to Zalo: the text stored for a delivery is the
// text Zalo shows, so reconciliation can find it.
func cleanText(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u2028", "\n", "\u2029", "\n\n").Replace(s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRightFunc(stripControls(l), unicode.IsSpace)
		if l == "" {
			blank++
			continue
		}
		if len(out) > 0 && blank > 0 {
			out = append(out, "")
		}
		blank = 0
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// cleanLine is cleanText for one-line fields: every run of white space,
// line breaks included, becomes one space.
func cleanLine(s string) string {
	return strings.Join(strings.Fields(cleanText(s)), " ")
}

func stripControls(s string) string {
	if strings.IndexFunc(s, isStrippedControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isStrippedControl(r) {
			return -1
		}
		return r
	}, s)
}

func isStrippedControl(r rune) bool {
	return r != '\t' && r != '\n' && unicode.IsControl(r)
}
