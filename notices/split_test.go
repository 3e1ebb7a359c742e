package notices

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// checkParts asserts what every split must give: parts within limit runes,
// NFC, non-empty, numbered "(k/n) " in order when there is more than one,
// and no cut inside an emoji sequence or before a combining mark.
func checkParts(t *testing.T, parts []string, limit int) {
	t.Helper()
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > limit {
			t.Errorf("part %d/%d has %d runes; want at most %d", i+1, len(parts), n, limit)
		}
		if !norm.NFC.IsNormalString(p) {
			t.Errorf("part %d/%d is not NFC: %q", i+1, len(parts), prefix(p, 60))
		}
		c := content(t, parts, i)
		if c == "" || strings.TrimSpace(c) != c {
			t.Errorf("part %d/%d content %q is empty or has white space at an end", i+1, len(parts), prefix(c, 60))
			continue
		}
		if first, _ := utf8.DecodeRuneInString(c); isExtend(first) {
			t.Errorf("part %d/%d starts with %U, which belongs to the previous character", i+1, len(parts), first)
		}
		if last, _ := utf8.DecodeLastRuneInString(c); last == '\u200d' {
			t.Errorf("part %d/%d ends with a zero-width joiner", i+1, len(parts))
		}
		if n := countRI(c, false); n%2 != 0 {
			t.Errorf("part %d/%d ends with half a flag", i+1, len(parts))
		}
		if n := countRI(c, true); n%2 != 0 {
			t.Errorf("part %d/%d starts with half a flag", i+1, len(parts))
		}
	}
}

// content returns part i without its "(k/n) " marker, failing if the marker
// is missing or wrong. A single part has no marker.
func content(t *testing.T, parts []string, i int) string {
	t.Helper()
	if len(parts) == 1 {
		if strings.HasPrefix(parts[0], "(1/1)") {
			t.Errorf("a single message carries a marker: %q", prefix(parts[0], 20))
		}
		return parts[0]
	}
	marker := fmt.Sprintf("(%d/%d) ", i+1, len(parts))
	c, ok := strings.CutPrefix(parts[i], marker)
	if !ok {
		t.Errorf("part %d starts %q; want the marker %q", i+1, prefix(parts[i], 12), marker)
	}
	return c
}

func countRI(s string, leading bool) int {
	rs := []rune(s)
	n := 0
	for k := range rs {
		if !leading {
			k = len(rs) - 1 - k
		}
		if !isRegionalIndicator(rs[k]) {
			break
		}
		n++
	}
	return n
}

// cutGaps asserts that the parts' contents are full, in order, with only
// white space dropped between them, and returns what was dropped at each cut.
func cutGaps(t *testing.T, full string, parts []string) []string {
	t.Helper()
	var gaps []string
	pos := 0
	for i := range parts {
		c := content(t, parts, i)
		rest := full[pos:]
		trimmed := strings.TrimLeftFunc(rest, unicode.IsSpace)
		if i == 0 && len(trimmed) != len(rest) {
			t.Fatalf("full text starts with white space")
		}
		if !strings.HasPrefix(trimmed, c) {
			t.Fatalf("part %d/%d content is not the text that follows the previous part:\npart: %q\ntext: %q", i+1, len(parts), prefix(c, 60), prefix(trimmed, 60))
		}
		if i > 0 {
			gaps = append(gaps, rest[:len(rest)-len(trimmed)])
		}
		pos += len(rest) - len(trimmed) + len(c)
	}
	if pos != len(full) {
		t.Fatalf("parts end at byte %d of %d: %q is lost", pos, len(full), prefix(full[pos:], 60))
	}
	return gaps
}

func TestSplitMessage(t *testing.T) {
	para := func(n int, sentence string) string { return strings.TrimSpace(strings.Repeat(sentence+" ", n)) }
	tests := []struct {
		name  string
		text  string
		limit int
		parts int
		gaps  []string // what each cut dropped, in order
	}{
		{"fits", "Họp khóm lúc 19 giờ.", 20, 1, nil},
		{"empty", " \n\n ", 20, 0, nil},
		{"paragraphs", para(3, "Bà con chú ý.") + "\n\n" + para(3, "Ngày mai cắt điện.") + "\n\n" + para(2, "Xin cảm ơn."), 90, 2, []string{"\n\n"}},
		{"sentence beats an early paragraph", "Họp khóm.\n\n" + para(6, "Bà con đến đúng giờ."), 80, 2, []string{" "}},
		{"line", "Chương trình:\n- Văn nghệ chào mừng\n- Biểu dương gia đình văn hóa\n- Liên hoan cuối năm", 60, 2, []string{"\n"}},
		{"abbreviation is no sentence end", "Đoàn công tác của TP. Hồ Chí Minh sẽ đến làm việc với UBND phường vào sáng mai nhé bà con", 70, 2, []string{" "}},
		{"words", strings.Repeat("phường ", 30), 50, 5, []string{" ", " ", " ", " "}},
		{"no spaces", strings.Repeat("đường", 40), 66, 4, []string{"", "", ""}},
		{"flag never halved", strings.Repeat("🇻🇳", 30), 23, 4, []string{"", "", ""}},
		{"ten parts widen the marker", strings.Repeat("Bà con chú ý. ", 50), 70, 12, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := SplitMessage(tt.text, tt.limit)
			if len(parts) != tt.parts {
				t.Fatalf("SplitMessage(%q, %d) = %d parts %q; want %d", prefix(tt.text, 30), tt.limit, len(parts), parts, tt.parts)
			}
			checkParts(t, parts, tt.limit)
			if len(parts) == 0 {
				return
			}
			gaps := cutGaps(t, cleanText(tt.text), parts)
			if tt.gaps != nil && fmt.Sprintf("%q", gaps) != fmt.Sprintf("%q", tt.gaps) {
				t.Errorf("cuts dropped %q; want %q\nparts: %q", gaps, tt.gaps, parts)
			}
		})
	}
}

func TestSplitMessageBalanced(t *testing.T) {
	// 2,010 runes greedily would leave a lone 10-rune tail; balanced parts
	// are each about half.
	text := strings.Repeat("Bà con chú ý. ", 143) + "Xin cảm ơn"
	parts := SplitMessage(text, MaxMessageRunes)
	if len(parts) != 2 {
		t.Fatalf("got %d parts; want 2", len(parts))
	}
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n < 800 {
			t.Errorf("part %d has %d runes; want the two parts balanced", i+1, n)
		}
	}
	checkParts(t, parts, MaxMessageRunes)
}

func TestSplitEndsSentence(t *testing.T) {
	tests := []struct {
		text string // "|" marks the space in question
		want bool
	}{
		{"Họp lúc 7 giờ.| Bà con", true},
		{"Họp lúc 7 giờ.| Đề nghị", true},
		{"Chú ý!| bà con", true},
		{"Vì sao?| Vì", true},
		{"Chờ đã…| rồi", true},
		{"Nói rằng: «Đi họp.»| Sau", true},
		{"Họp (lúc 7 giờ.)| Sau", true},
		{"Khóm 3...| Sau", true},
		{"năm 2026.| Tiếp", true},
		{"Xong.|", true},
		{"tại TP.| Cần Thơ", false},
		{"ông Nguyễn V.| An", false},
		{"gặp ThS.| Lan", false},
		{"1.| Thời gian", false},
		{"Nội dung:\nII.| Kế hoạch", false},
		{"khoảng 7 g.| sáng", false},
		{"họp lúc 7 giờ.| bà con", false},
		{"Họp lúc 7 giờ,| bà con", false},
	}
	for _, tt := range tests {
		before, after, _ := strings.Cut(tt.text, "|")
		rs := []rune(before + after)
		i := utf8.RuneCountInString(before)
		j := i
		for j < len(rs) && unicode.IsSpace(rs[j]) {
			j++
		}
		if got := endsSentence(rs, i, j); got != tt.want {
			t.Errorf("endsSentence(%q) = %v; want %v", tt.text, got, tt.want)
		}
	}
}

func TestSplitGraphemeBoundary(t *testing.T) {
	tests := []struct {
		s    string
		cut  int // rune index
		want bool
	}{
		{"a\u0301b", 1, false}, // before a combining acute
		{"a\u0301b", 2, true},
		{"👨\u200d👩", 1, false},
		{"👨\u200d👩", 2, false},
		{"👍🏽x", 1, false},
		{"❤\ufe0fx", 1, false},
		{"1\ufe0f\u20e3x", 2, false},
		{"🇻🇳🇺🇸", 1, false},
		{"🇻🇳🇺🇸", 2, true},
		{"🇻🇳🇺🇸", 3, false},
		{"ab", 1, true},
	}
	for _, tt := range tests {
		if got := graphemeBoundary([]rune(tt.s), tt.cut); got != tt.want {
			t.Errorf("graphemeBoundary(%q, %d) = %v; want %v", tt.s, tt.cut, got, tt.want)
		}
	}
}

// Random texts built from the pieces notices are made of.
var (
	randWords = []string{
		"bà", "con", "khóm", "ấp", "thôn", "phường", "xã", "họp", "lúc", "giờ", "sáng", "chiều", "tiêm",
		"vắc", "xin", "Đề", "nghị", "Ủy", "ban", "nhân", "dân", "điện", "nước", "lũ", "dâng", "cao",
		"TP.", "Q.", "ThS.", "Nguyễn", "Trường", "Tộ", "đường", "Hưng", "Đạo", "0909", "123", "456",
		"2026", "05/12/2026", "https://anhoa.gov.vn/tb/12", "(khóm", "3)", "«Họp", "dân»",
		norm.NFD.String("Người"), norm.NFD.String("nghỉ"), norm.NFD.String("quyết"), "a\u0301",
	}
	randEmoji = []string{
		"📢", "🚨", "🇻🇳", "👨\u200d👩\u200d👧\u200d👦", "👍🏽", "1️⃣", "❤️", "🏳️\u200d🌈", "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
	}
	randSeparators = []string{" ", " ", " ", " ", ", ", ". ", "! ", "? ", "… ", "\n", "\n\n", "\n\n\n\n", "\r\n", "  \n", "\t"}
)

func randomText(r *rand.Rand, runes int) string {
	var b strings.Builder
	for utf8.RuneCountInString(b.String()) < runes {
		switch k := r.IntN(100); {
		case k < 3: // a long run without spaces, maybe with emoji inside
			n := 20 + r.IntN(3000)
			for c := 0; c < n; {
				w := randWords[r.IntN(len(randWords))]
				if r.IntN(10) == 0 {
					w = randEmoji[r.IntN(len(randEmoji))]
				}
				b.WriteString(w)
				c += utf8.RuneCountInString(w)
			}
		case k < 15:
			b.WriteString(randEmoji[r.IntN(len(randEmoji))])
		default:
			b.WriteString(randWords[r.IntN(len(randWords))])
		}
		b.WriteString(randSeparators[r.IntN(len(randSeparators))])
	}
	return b.String()
}

func TestSplitMessageProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		text := randomText(r, r.IntN(1500))
		limit := []int{16, 30, 64, 100, 257, 2000}[r.IntN(6)]
		parts := SplitMessage(text, limit)
		name := fmt.Sprintf("case %d (limit %d, %d runes)", i, limit, utf8.RuneCountInString(text))
		t.Run(name, func(t *testing.T) {
			clean := cleanText(text)
			if clean == "" {
				if parts != nil {
					t.Fatalf("SplitMessage(blank) = %q; want nil", parts)
				}
				return
			}
			if utf8.RuneCountInString(clean) <= limit && len(parts) != 1 {
				t.Fatalf("text fits but got %d parts", len(parts))
			}
			if limit >= 30 { // room for the longest emoji sequence beside a 3-digit marker
				checkParts(t, parts, limit)
			}
			cutGaps(t, clean, parts)
		})
	}
}

func TestSplitCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\r\nb\rc", "a\nb\nc"},
		{"a  \t\nb", "a\nb"},
		{"a\n\n\n\n\nb", "a\n\nb"},
		{"\n\n  a\n\n", "  a"},
		{"a\x00b\x1bc", "abc"},
		{"a\u2029b", "a\n\nb"},
		{norm.NFD.String("Đường Nguyễn Huệ"), "Đường Nguyễn Huệ"},
	}
	for _, tt := range tests {
		if got := cleanText(tt.in); got != tt.want {
			t.Errorf("cleanText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func prefix(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func suffix(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[len(r)-n:])
	}
	return s
}
