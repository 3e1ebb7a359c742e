package notices

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// updateGolden rewrites testdata/*.golden (go/printer style): go test ./notices -update
var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden with the current output")

var hcm = mustLoadLocation("Asia/Ho_Chi_Minh")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var testOptions = RenderOptions{Commune: "UBND phường An Hòa", Location: hcm}

// rabiesNotice is the original that the update golden corrects. It was
// published at 01:30 on 27/11 in Vietnam, still 26/11 in UTC.
var rabiesNotice = &Notice{
	ID:       7,
	Title:    "Lịch tiêm vắc xin phòng dại cho chó, mèo năm 2026",
	Priority: Normal,
	Kind:     KindNotice,
	Body: "Thực hiện kế hoạch phòng, chống bệnh dại năm 2026, UBND phường tổ chức tiêm vắc xin phòng dại miễn phí cho chó, mèo trên địa bàn.\n\n" +
		"Thời gian: từ 7 giờ 30 đến 11 giờ, sáng thứ Bảy ngày 05/12/2026.\n" +
		"Địa điểm: Nhà văn hóa khóm 3.\n\n" +
		"Đề nghị bà con đưa chó, mèo đến tiêm đúng giờ; chó phải được rọ mõm hoặc xích cẩn thận.",
	PublishAt: time.Date(2026, 11, 26, 18, 30, 0, 0, time.UTC),
}

var powerCutNotice = &Notice{
	ID:         9,
	Title:      "Lịch cắt điện ngày 03/12/2026",
	Priority:   Normal,
	Kind:       KindNotice,
	ApprovedAt: time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC),
}

func sxhBody(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "sot_xuat_huyet.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goldenCase renders one notice and compares every part with testdata/<name>.golden.
type goldenCase struct {
	name  string
	parts func(t *testing.T) []string
	check func(t *testing.T, parts []string) // content assertions beyond the golden file
}

func TestRenderGolden(t *testing.T) {
	render := func(n *Notice, opt RenderOptions) func(*testing.T) []string {
		return func(*testing.T) []string { return RenderParts(n, opt) }
	}
	withRef := func(orig *Notice) RenderOptions {
		opt := testOptions
		opt.RefersTo = orig
		return opt
	}
	cases := []goldenCase{
		{
			name:  "normal",
			parts: render(rabiesNotice, testOptions),
			check: func(t *testing.T, parts []string) {
				want := "📢 THÔNG BÁO\nLịch tiêm vắc xin phòng dại cho chó, mèo năm 2026\n\nThực hiện kế hoạch"
				if !strings.HasPrefix(parts[0], want) {
					t.Errorf("message starts %q; want %q", prefix(parts[0], 80), want)
				}
				if !strings.HasSuffix(parts[0], "cẩn thận.\n\n— UBND phường An Hòa") {
					t.Errorf("message ends %q; want the body, a blank line and the footer", suffix(parts[0], 40))
				}
			},
		},
		{
			name: "urgent",
			parts: render(&Notice{
				Title:    "Di dời khẩn cấp do nước lũ dâng cao",
				Priority: Urgent,
				Body: "Mực nước sông Hậu đang lên nhanh, dự báo vượt báo động III trong đêm nay. Các hộ dân sống ven sông thuộc khóm 2 và khóm 5 khẩn trương di dời người già, trẻ em và tài sản đến điểm tránh trú tại Trường Tiểu học An Hòa 1 trước 20 giờ hôm nay.\n\n" +
					"Cần hỗ trợ, gọi ngay đồng chí Trưởng Công an phường: 0909 123 456.",
			}, testOptions),
			check: wantFirstLine("🚨 KHẨN CẤP"),
		},
		{
			name: "low",
			parts: render(&Notice{
				Title:    "Thu gom rác thải cồng kềnh",
				Priority: Low,
				Body:     "Đội vệ sinh môi trường sẽ thu gom miễn phí rác thải cồng kềnh (giường, tủ, nệm cũ…) vào sáng Chủ nhật tuần này. Bà con vui lòng để rác trước cửa nhà trước 6 giờ sáng.",
			}, RenderOptions{Commune: "UBND xã Vĩnh Thạnh Trung", PublicURL: "https://loaxa.vinhthanhtrung.gov.vn/tb/12"}),
			check: func(t *testing.T, parts []string) {
				wantFirstLine("ℹ️ THÔNG TIN")(t, parts)
				if !strings.HasSuffix(parts[0], "\n\nXem thêm: https://loaxa.vinhthanhtrung.gov.vn/tb/12\n— UBND xã Vĩnh Thạnh Trung") {
					t.Errorf("message ends %q; want the link then the footer", suffix(parts[0], 80))
				}
			},
		},
		{
			name: "update",
			parts: render(&Notice{
				Title:    "Thay đổi địa điểm tiêm vắc xin phòng dại",
				Priority: Normal,
				Kind:     KindUpdate,
				RefersTo: rabiesNotice.ID,
				Body:     "Do Nhà văn hóa khóm 3 đang sửa chữa, địa điểm tiêm được chuyển sang sân trụ sở khóm 4 (số 12 đường Trần Hưng Đạo). Thời gian không thay đổi.",
			}, withRef(rabiesNotice)),
			check: func(t *testing.T, parts []string) {
				wantFirstLine("🔄 CẬP NHẬT")(t, parts)
				// 18:30 UTC on 26/11 is 01:30 on 27/11 in the commune.
				want := "\nĐính chính thông báo «Lịch tiêm vắc xin phòng dại cho chó, mèo năm 2026» ngày 27/11/2026.\n"
				if !strings.Contains(parts[0], want) {
					t.Errorf("message lacks the reference line %q:\n%s", want, parts[0])
				}
			},
		},
		{
			name: "urgent_update",
			parts: render(&Notice{
				Title:    "Thay đổi điểm tránh trú",
				Priority: Urgent,
				Kind:     KindUpdate,
				Body:     "Điểm tránh trú chuyển sang Nhà thi đấu phường, số 2 đường Lê Lợi. Bà con khóm 5 di chuyển theo hướng dẫn của lực lượng xung kích.",
			}, withRef(&Notice{Title: "Di dời khẩn cấp do nước lũ dâng cao", CreatedAt: time.Date(2026, 10, 14, 9, 0, 0, 0, time.UTC)})),
			check: func(t *testing.T, parts []string) {
				wantFirstLine("🔄 CẬP NHẬT KHẨN")(t, parts)
				if !strings.Contains(parts[0], "«Di dời khẩn cấp do nước lũ dâng cao» ngày 14/10/2026.") {
					t.Errorf("message lacks the original's title and date:\n%s", parts[0])
				}
			},
		},
		{
			name: "cancel",
			parts: render(&Notice{
				Title:    "Hủy lịch cắt điện ngày 03/12/2026",
				Priority: Urgent, // a cancel reads as a cancel whatever its priority
				Kind:     KindCancel,
				RefersTo: powerCutNotice.ID,
				Body:     "Điện lực An Hòa thông báo hoãn lịch cắt điện để bảo trì lưới điện. Bà con sinh hoạt bình thường.",
			}, withRef(powerCutNotice)),
			check: func(t *testing.T, parts []string) {
				wantFirstLine("❌ HỦY THÔNG BÁO")(t, parts)
				want := "\nThông báo «Lịch cắt điện ngày 03/12/2026» ngày 28/11/2026 đã được hủy.\n"
				if !strings.Contains(parts[0], want) {
					t.Errorf("message lacks %q:\n%s", want, parts[0])
				}
			},
		},
		{
			name: "bulletin",
			parts: func(*testing.T) []string {
				slot := time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC) // 06:30 on 27/11 in Vietnam
				return RenderBulletin(bulletinItems(), slot, testOptions)
			},
			check: func(t *testing.T, parts []string) {
				wantFirstLine("📰 BẢN TIN sáng 27/11/2026")(t, parts)
				for _, want := range []string{"\n\n1. Thu gom rác thải cồng kềnh\n", "\n\n2. Lịch sinh hoạt câu lạc bộ dưỡng sinh\n", "\n\n3. [Cập nhật] Đổi giờ mở cửa thư viện\n"} {
					if !strings.Contains(parts[0], want) {
						t.Errorf("bulletin lacks %q:\n%s", want, parts[0])
					}
				}
				if c := strings.Count(parts[0], "— UBND phường An Hòa"); c != 1 {
					t.Errorf("bulletin has the footer %d times; want once", c)
				}
			},
		},
		{
			name: "nfd_input",
			parts: render(&Notice{
				Title:    norm.NFD.String("Họp dân khóm 3 về việc mở rộng đường Nguyễn Trường Tộ"),
				Priority: Normal,
				Body:     norm.NFD.String("Kính mời đại diện các hộ dân khóm 3 dự họp lúc 19 giờ thứ Sáu, ngày 04/12/2026, tại nhà văn hóa khóm.\r\nNội dung: lấy ý kiến về phương án bồi thường, hỗ trợ khi mở rộng đường.   \r\n\r\n\r\n\r\nRất mong bà con đến đúng giờ.\t"),
			}, RenderOptions{Commune: norm.NFD.String("UBND phường An Hòa"), Location: hcm}),
			check: func(t *testing.T, parts []string) {
				if !norm.NFC.IsNormalString(parts[0]) {
					t.Errorf("output is not NFC:\n%q", parts[0])
				}
				// "ọ" and "ờ" precomposed: U+1ECD, U+1EDD.
				for _, want := range []string{"H\u1ecdp dân", "Tr\u01b0\u1eddng", "đường.\n\nRất mong bà con đến đúng giờ.\n\n— UBND phường An Hòa"} {
					if !strings.Contains(parts[0], want) {
						t.Errorf("output lacks %q:\n%q", want, parts[0])
					}
				}
				if strings.ContainsAny(parts[0], "\r\t") || strings.Contains(parts[0], " \n") {
					t.Errorf("output keeps CR, tabs or trailing spaces:\n%q", parts[0])
				}
			},
		},
		{
			name: "emoji",
			parts: render(&Notice{
				Title:    "🇻🇳 Ngày hội Đại đoàn kết toàn dân tộc 🎉",
				Priority: Normal,
				Body: "Kính mời bà con khóm 4 tham dự Ngày hội Đại đoàn kết toàn dân tộc lúc 7 giờ ngày 18/11/2026 tại sân nhà văn hóa khóm 👨‍👩‍👧‍👦.\n\n" +
					"Chương trình:\n1️⃣ Văn nghệ chào mừng 🎶\n2️⃣ Biểu dương gia đình văn hóa tiêu biểu 👏🏽\n3️⃣ Liên hoan, thi nấu ăn 🍲\n\nRất mong bà con đến đông đủ ❤️",
			}, testOptions),
			check: func(t *testing.T, parts []string) {
				for _, want := range []string{"🇻🇳 Ngày hội", "👨‍👩‍👧‍👦.", "1️⃣ Văn nghệ", "👏🏽", "❤️\n\n— UBND"} {
					if !strings.Contains(parts[0], want) {
						t.Errorf("output lacks %q", want)
					}
				}
			},
		},
		{
			name: "long_paragraphs",
			parts: func(t *testing.T) []string {
				return RenderParts(&Notice{
					Title:    "Phòng, chống dịch sốt xuất huyết trên địa bàn phường",
					Priority: Normal,
					Body:     sxhBody(t),
				}, testOptions)
			},
			check: func(t *testing.T, parts []string) {
				wantParts(t, parts, 3)
				full := Render(&Notice{Title: "Phòng, chống dịch sốt xuất huyết trên địa bàn phường", Priority: Normal, Body: sxhBody(t)}, testOptions)
				for i, gap := range cutGaps(t, full, parts) {
					if gap != "\n\n" {
						t.Errorf("cut %d is at %q; want a paragraph break", i+1, gap)
					}
				}
				if !strings.HasPrefix(parts[0], "(1/3) 📢 THÔNG BÁO\n") || !strings.HasSuffix(parts[2], "\n— UBND phường An Hòa") {
					t.Errorf("header not on the first part or footer not on the last")
				}
			},
		},
		{
			name: "long_sentences",
			parts: func(t *testing.T) []string {
				return RenderParts(oneParagraph(t), testOptions)
			},
			check: func(t *testing.T, parts []string) {
				wantParts(t, parts, 3)
				full := Render(oneParagraph(t), testOptions)
				for i, p := range parts[:len(parts)-1] {
					if !strings.HasSuffix(p, ".") || strings.HasSuffix(p, "TP.") || strings.HasSuffix(p, "ThS.") {
						t.Errorf("part %d ends %q; want the end of a sentence", i+1, suffix(p, 30))
					}
				}
				for i, gap := range cutGaps(t, full, parts) {
					if gap != " " {
						t.Errorf("cut %d is at %q; want the space between two sentences", i+1, gap)
					}
				}
			},
		},
		{
			name: "no_spaces",
			parts: func(*testing.T) []string {
				return RenderParts(&Notice{Title: "Mã xác nhận đăng ký", Priority: Normal, Body: noSpaces(5000)}, testOptions)
			},
			check: func(t *testing.T, parts []string) {
				// The paragraph cannot fit in any part, so the first part is
				// filled rather than sent with the title alone.
				wantParts(t, parts, 3)
				full := Render(&Notice{Title: "Mã xác nhận đăng ký", Priority: Normal, Body: noSpaces(5000)}, testOptions)
				if got := cutGaps(t, full, parts); fmt.Sprintf("%q", got) != `["" ""]` {
					t.Errorf("cuts dropped %q; want two cuts inside the paragraph", got)
				}
				if !strings.HasPrefix(parts[0], "(1/3) 📢 THÔNG BÁO\nMã xác nhận đăng ký\n\nphòngchốngdịch") {
					t.Errorf("first part starts %q; want the header, title and the paragraph's start", prefix(parts[0], 50))
				}
				if !strings.HasSuffix(parts[2], "\n\n— UBND phường An Hòa") {
					t.Errorf("last part ends %q; want the footer", suffix(parts[2], 30))
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			parts := c.parts(t)
			if len(parts) == 0 {
				t.Fatal("no parts")
			}
			checkParts(t, parts, MaxMessageRunes)
			compareGolden(t, c.name, formatParts(parts))
			if c.check != nil {
				c.check(t, parts)
			}
		})
	}
}

func bulletinItems() []*Notice {
	return []*Notice{
		{Title: "Thu gom rác thải cồng kềnh", Priority: Low, Body: "Đội vệ sinh môi trường thu gom miễn phí rác thải cồng kềnh vào sáng Chủ nhật tuần này. Bà con để rác trước cửa nhà trước 6 giờ."},
		{Title: "Lịch sinh hoạt câu lạc bộ dưỡng sinh", Priority: Low, Body: "Câu lạc bộ dưỡng sinh người cao tuổi sinh hoạt lúc 5 giờ 30 sáng thứ Ba và thứ Năm tại sân nhà văn hóa khóm.\n\nBà con quan tâm liên hệ bác Trần Văn Bảy, khóm 2."},
		{Title: "Đổi giờ mở cửa thư viện", Priority: Low, Kind: KindUpdate, Body: "Từ ngày 01/12/2026, thư viện phường mở cửa từ 7 giờ đến 11 giờ và từ 13 giờ 30 đến 17 giờ, nghỉ chiều thứ Bảy và Chủ nhật."},
	}
}

// oneParagraph joins the test notice's paragraphs into one, so that only
// sentence ends are left to cut at.
func oneParagraph(t *testing.T) *Notice {
	t.Helper()
	return &Notice{
		Title:    "Phòng, chống dịch sốt xuất huyết trên địa bàn phường",
		Priority: Normal,
		Body:     strings.Join(strings.Split(strings.TrimSpace(sxhBody(t)), "\n\n"), " "),
	}
}

// noSpaces is n runes of Vietnamese syllables run together, like a pasted
// code or a message typed without spaces.
func noSpaces(n int) string {
	syllables := []string{"phòng", "chống", "dịch", "bệnh", "sốt", "xuất", "huyết", "ở", "khóm", "ấp", "thôn", "Đông"}
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < n; i++ {
		b.WriteString(syllables[i%len(syllables)])
	}
	return string([]rune(b.String())[:n])
}

func wantFirstLine(want string) func(*testing.T, []string) {
	return func(t *testing.T, parts []string) {
		t.Helper()
		first, _, _ := strings.Cut(parts[0], "\n")
		if first != want {
			t.Errorf("first line = %q; want %q", first, want)
		}
	}
}

func wantParts(t *testing.T, parts []string, n int) {
	t.Helper()
	if len(parts) != n {
		t.Fatalf("got %d parts; want %d", len(parts), n)
	}
}

// formatParts lays the parts out for a golden file, one banner per part.
func formatParts(parts []string) []byte {
	var b bytes.Buffer
	for i, p := range parts {
		fmt.Fprintf(&b, "=== part %d/%d (%d runes) ===\n%s\n", i+1, len(parts), utf8.RuneCountInString(p), p)
	}
	return b.Bytes()
}

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestRenderNFDEqualsNFC(t *testing.T) {
	n := *rabiesNotice
	nfc := Render(&n, testOptions)
	n.Title, n.Body = norm.NFD.String(n.Title), norm.NFD.String(n.Body)
	if n.Title == rabiesNotice.Title {
		t.Fatal("test input is not decomposed")
	}
	if got := Render(&n, testOptions); got != nfc {
		t.Errorf("Render(NFD input) = %q; want %q", got, nfc)
	}
}

func TestRenderDefaultLocation(t *testing.T) {
	// Whatever the machine's zone, dates are shown in Vietnam's.
	opt := RenderOptions{RefersTo: rabiesNotice}
	got := Render(&Notice{Title: "Đổi lịch", Kind: KindUpdate}, opt)
	if !strings.Contains(got, "ngày 27/11/2026.") {
		t.Errorf("Render with no Location = %q; want the date in Asia/Ho_Chi_Minh, 27/11/2026", got)
	}
	if strings.Contains(got, "—") {
		t.Errorf("Render with no Commune = %q; want no footer", got)
	}
}

func TestRenderReferenceFallbacks(t *testing.T) {
	tests := []struct {
		n    *Notice
		ref  *Notice
		want string
	}{
		{&Notice{Title: "Đổi giờ", Kind: KindUpdate}, nil, "🔄 CẬP NHẬT\nĐổi giờ"},
		{&Notice{Title: "Hủy họp", Kind: KindCancel}, &Notice{Title: "Họp khóm"}, "❌ HỦY THÔNG BÁO\nHủy họp\nThông báo «Họp khóm» đã được hủy."},
		{&Notice{Title: "Đổi giờ", Kind: KindUpdate}, &Notice{}, "🔄 CẬP NHẬT\nĐổi giờ\nĐính chính thông báo."},
		{&Notice{Title: "Họp khóm", Priority: Low}, &Notice{Title: "bỏ qua"}, "ℹ️ THÔNG TIN\nHọp khóm"},
		{&Notice{Title: "  Họp\r\nkhóm  3 ", Priority: Normal}, nil, "📢 THÔNG BÁO\nHọp khóm 3"},
	}
	for _, tt := range tests {
		if got := Render(tt.n, RenderOptions{RefersTo: tt.ref}); got != tt.want {
			t.Errorf("Render(%q, ref %v) = %q; want %q", tt.n.Title, tt.ref != nil, got, tt.want)
		}
	}
}

func TestRenderBulletinSlots(t *testing.T) {
	items := bulletinItems()[:1]
	tests := []struct {
		slot time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 23, 30, 0, 0, time.UTC), "📰 BẢN TIN sáng 27/11/2026\n"},
		{time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC), "📰 BẢN TIN chiều 27/11/2026\n"},
		{time.Date(2026, 11, 27, 5, 0, 0, 0, time.UTC), "📰 BẢN TIN trưa 27/11/2026\n"},
		{time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC), "📰 BẢN TIN tối 27/11/2026\n"},
	}
	for _, tt := range tests {
		parts := RenderBulletin(items, tt.slot, RenderOptions{})
		if len(parts) != 1 || !strings.HasPrefix(parts[0], tt.want) {
			t.Errorf("RenderBulletin at %v = %q; want one part starting %q", tt.slot, parts, tt.want)
		}
	}
	if got := RenderBulletin(nil, time.Now(), testOptions); got != nil {
		t.Errorf("RenderBulletin(no items) = %q; want nil", got)
	}
}

func TestRenderBulletinSplits(t *testing.T) {
	// Twenty notices of about 300 runes make about 6,000 runes: 4 parts,
	// header on the first, footer once on the last.
	var items []*Notice
	for i := range 20 {
		items = append(items, &Notice{Title: fmt.Sprintf("Tin số %d", i+1), Priority: Low, Body: strings.Repeat("Bà con lưu ý lịch thu gom rác. ", 10)})
	}
	parts := RenderBulletin(items, time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC), testOptions)
	checkParts(t, parts, MaxMessageRunes)
	if len(parts) < 3 {
		t.Fatalf("got %d parts; want at least 3", len(parts))
	}
	if !strings.HasPrefix(parts[0], fmt.Sprintf("(1/%d) 📰 BẢN TIN chiều 27/11/2026\n", len(parts))) {
		t.Errorf("first part starts %q", prefix(parts[0], 40))
	}
	all := strings.Join(parts, "\n")
	if c := strings.Count(all, "— UBND phường An Hòa"); c != 1 || !strings.HasSuffix(parts[len(parts)-1], "— UBND phường An Hòa") {
		t.Errorf("footer appears %d times, last part ends %q; want once, at the end", c, suffix(parts[len(parts)-1], 30))
	}
	for i := range 20 {
		if !strings.Contains(all, fmt.Sprintf("%d. Tin số %d\n", i+1, i+1)) {
			t.Errorf("bulletin lacks item %d", i+1)
		}
	}
}

func TestRenderPartsProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	kinds := []Kind{KindNotice, KindUpdate, KindCancel}
	prios := []Priority{Urgent, Normal, Low}
	for i := range 60 {
		n := &Notice{
			Title:    randomText(r, 1+r.IntN(30)),
			Body:     randomText(r, r.IntN(9000)),
			Kind:     kinds[r.IntN(3)],
			Priority: prios[r.IntN(3)],
		}
		opt := RenderOptions{Commune: "UBND xã Vĩnh Thạnh Trung", RefersTo: &Notice{Title: randomText(r, 20)}}
		t.Run(fmt.Sprintf("case %d", i), func(t *testing.T) {
			parts := RenderParts(n, opt)
			full := Render(n, opt)
			if len(parts) == 0 {
				t.Fatal("no parts")
			}
			checkParts(t, parts, MaxMessageRunes)
			cutGaps(t, full, parts)
			if c := content(t, parts, 0); c != header(n) && !strings.HasPrefix(c, header(n)+"\n") {
				t.Errorf("first part starts %q; want the header %q", prefix(parts[0], 20), header(n))
			}
			if !strings.HasSuffix(parts[len(parts)-1], "\n— UBND xã Vĩnh Thạnh Trung") {
				t.Errorf("last part ends %q; want the footer", suffix(parts[len(parts)-1], 30))
			}
		})
	}
}

func ExampleRender() {
	orig := &Notice{
		Title:     "Lịch cắt điện ngày 03/12/2026",
		PublishAt: time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC),
	}
	update := &Notice{
		Title:    "Thay đổi giờ cắt điện",
		Priority: Normal,
		Kind:     KindUpdate,
		Body:     "Thời gian cắt điện đổi thành từ 8 giờ đến 11 giờ 30.\nKhu vực: khóm 1 và khóm 2.",
	}
	fmt.Println(Render(update, RenderOptions{Commune: "UBND phường An Hòa", RefersTo: orig}))
	// Output:
	// 🔄 CẬP NHẬT
	// Thay đổi giờ cắt điện
	// Đính chính thông báo «Lịch cắt điện ngày 03/12/2026» ngày 28/11/2026.
	//
	// Thời gian cắt điện đổi thành từ 8 giờ đến 11 giờ 30.
	// Khu vực: khóm 1 và khóm 2.
	//
	// — UBND phường An Hòa
}
