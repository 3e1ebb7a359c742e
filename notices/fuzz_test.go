package notices

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fuzz targets of docs/RELIABILITY.md. Seeds are below and in
// testdata/fuzz/<Name>/; run one with, e.g.,
//
//	go test ./notices -run '^$' -fuzz '^FuzzSplitMessage$' -fuzztime 30s

var fuzzZone = func() *time.Location {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		panic(err)
	}
	return loc
}()

var partMarker = regexp.MustCompile(`^\((\d+)/(\d+)\) `)

// squeeze drops white space, which the splitter may drop at a cut.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// checkFuzzParts: every part within limit runes, NFC, valid UTF-8, numbered
// k/n in order when there are several, and together the whole text.
func checkFuzzParts(t *testing.T, clean string, parts []string, limit int) {
	t.Helper()
	if clean == "" {
		if parts != nil {
			t.Fatalf("parts of an empty text: %q", parts)
		}
		return
	}
	var joined strings.Builder
	for i, p := range parts {
		if n := utf8.RuneCountInString(p); n > limit {
			t.Fatalf("part %d has %d runes; limit %d", i+1, n, limit)
		}
		if !utf8.ValidString(p) || !norm.NFC.IsNormalString(p) {
			t.Fatalf("part %d is not valid NFC UTF-8: %q", i+1, p)
		}
		body := p
		if len(parts) > 1 {
			m := partMarker.FindStringSubmatch(p)
			if m == nil || m[1] != itoa(i+1) || m[2] != itoa(len(parts)) {
				t.Fatalf("part %d does not start with (%d/%d): %.30q", i+1, i+1, len(parts), p)
			}
			body = p[len(m[0]):]
		}
		joined.WriteString(body)
	}
	if squeeze(joined.String()) != squeeze(clean) {
		t.Fatalf("the parts do not add up to the text:\n got %q\nwant %q", joined.String(), clean)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func FuzzSplitMessage(f *testing.F) {
	f.Add("Họp thôn lúc 19 giờ.", 0)
	f.Add(strings.Repeat("Từ tháng sau, rác thải phải được phân loại. ", 80), 0)
	f.Add(strings.Repeat("a", 5000), 100)
	f.Add(strings.Repeat("👨‍👩‍👧‍👦", 300), 50)
	f.Add("Tie\u0302\u0301ng Vie\u0323\u0302t "+strings.Repeat("x ", 40), 16)
	f.Add("\r\n\r\n  \t", 0)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit > 5000 || limit < -1 {
			limit %= 5000
		}
		parts := SplitMessage(text, limit)
		eff := limit
		if eff <= 0 {
			eff = MaxMessageRunes
		}
		eff = max(eff, minSplitRunes)
		checkFuzzParts(t, cleanText(text), parts, eff)
	})
}

func FuzzRenderParts(f *testing.F) {
	f.Add("Lịch tiêm phòng", "Tiêm phòng dại lúc 8 giờ.", "urgent", "UBND xã An Hòa")
	f.Add("Quy định", strings.Repeat("Câu dài. ", 700), "normal", "")
	f.Add("<script>alert(1)</script>", "[@123] **x**\u200b", "low", "x")
	f.Fuzz(func(t *testing.T, title, body, priority, commune string) {
		n := &Notice{Title: title, Body: body, Priority: Priority(priority), Kind: KindNotice}
		opt := RenderOptions{Commune: commune, Location: fuzzZone}
		parts := RenderParts(n, opt)
		checkFuzzParts(t, Render(n, opt), parts, MaxMessageRunes)
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2026-11-27 08:00", "2026-11-27T08:00:00+07:00", "2026-02-30 08:00", " 2026-11-27 08:00:59 ",
		"9999-12-31T23:59:59Z", "2026-11-27T08:00", "", "hôm nay"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s, fuzzZone)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
			t.Fatalf("ParseTime(%q) = %v; want UTC to the second", s, tm)
		}
	})
}

func FuzzParseRecurrence(f *testing.F) {
	for _, s := range []string{"0 7 * * 1", "@daily", "@every 1h", "0 0 30 2 *", "*/5 * * * *", "TZ=UTC 0 7 * * *",
		"59 23 31 12 *", "0 0 29 2 *", "", "a b c d e"} {
		f.Add(s)
	}
	from := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		r, err := ParseRecurrence(spec, fuzzZone)
		if err != nil {
			return
		}
		next := r.Next(from)
		if !next.After(from) {
			t.Fatalf("ParseRecurrence(%q).Next(%v) = %v; want a later time (a spec that never fires must be refused)", spec, from, next)
		}
		if again := r.Next(next); !again.IsZero() && !again.After(next) {
			t.Fatalf("Next is not increasing for %q: %v then %v", spec, next, again)
		}
	})
}
