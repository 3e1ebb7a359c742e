package web_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// The CSV columns with one commune: the contract external tools rely on
// (README "Reports (CSV)"), unchanged by province mode.
var (
	deliveriesCSVHeader = []string{"Đến hạn", "Lúc gửi", "Thông báo số", "Tiêu đề", "Thôn/ấp", "Nhóm Zalo", "Phần", "Kết quả",
		"Số lần thử", "Mã lỗi Zalo", "Lỗi"}
	auditCSVHeader = []string{"Lúc", "Người làm", "Việc", "Thông báo số", "Chi tiết"}
)

// TestCSVCommuneColumn: with several communes the deliveries and audit
// reports end with a «Xã/phường» column naming each row's commune (a
// delivery's: its hamlet's; a province-level audit entry: «Cấp tỉnh»),
// the other columns where they were; with one commune they are exactly as
// before (probe6 F5).
func TestCSVCommuneColumn(t *testing.T) {
	p := newProvince(t)
	p.sendTo(p.noticeB, p.hamlet(p.b, "ap-b"))
	p.sendTo(p.provinceAll, p.hamlet(p.a, "khom-2"), p.hamlet(p.b, "khom-1"))
	day := p.clock.Now().In(hcm).Format("2006-01-02")
	deliveries := "/export/deliveries.csv?from=" + day + "&to=" + day
	byHamlet := map[string]string{"Ấp Bình": p.b.Name, "Khóm Một B": p.b.Name, "Khóm 2": p.a.Name}

	for _, c := range []struct {
		user    string
		hamlets []string // the hamlets its deliveries report lists
	}{
		{"tinh-duyet", []string{"Khóm 2", "Khóm Một B", "Ấp Bình"}}, // sorted bytewise
		{"b-duyet", []string{"Khóm Một B", "Ấp Bình"}},
	} {
		b := p.signedIn(c.user)
		rows := readCSV(t, b, deliveries)
		if want := append(slices.Clone(deliveriesCSVHeader), "Xã/phường"); !slices.Equal(rows[0], want) {
			t.Fatalf("%s: deliveries header = %q; want %q", c.user, rows[0], want)
		}
		var got []string
		for _, r := range rows[1:] {
			got = append(got, r[4])
			if r[11] != byHamlet[r[4]] {
				t.Errorf("%s: the delivery to %s says «Xã/phường» %q; want %q", c.user, r[4], r[11], byHamlet[r[4]])
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.hamlets) {
			t.Errorf("%s: deliveries to %q; want %q", c.user, got, c.hamlets)
		}

		rows = readCSV(t, b, "/audit.csv?action=notice.create")
		if want := append(slices.Clone(auditCSVHeader), "Xã/phường"); !slices.Equal(rows[0], want) {
			t.Fatalf("%s: audit header = %q; want %q", c.user, rows[0], want)
		}
		created := map[string]string{}
		for _, r := range rows[1:] {
			created[r[3]] = r[5]
		}
		id := func(n *notices.Notice) string { return "#" + strconv.FormatInt(n.ID, 10) }
		if got := created[id(p.noticeB)]; got != p.b.Name {
			t.Errorf("%s: B's notice's creation says «Xã/phường» %q; want %q (%q)", c.user, got, p.b.Name, rows)
		}
		if c.user == "tinh-duyet" {
			if got := created[id(p.provinceAll)]; got != "Cấp tỉnh" {
				t.Errorf("the province notice's creation says «Xã/phường» %q; want «Cấp tỉnh» (%q)", got, rows)
			}
			if got := created[id(p.noticeA)]; got != p.a.Name {
				t.Errorf("A's notice's creation says «Xã/phường» %q; want %q", got, p.a.Name)
			}
		}
	}

	// One commune: the columns external tools read, exactly.
	one := newSite(t)
	n := one.notice(notices.Notice{Title: "Tin một xã", Author: "bien", Status: notices.StatusApproved})
	one.send(n.ID, notices.DeliverySent)
	a := one.signedIn("duyet")
	if rows := readCSV(t, a, "/export/deliveries.csv?from=2026-11-27&to=2026-11-27"); !slices.Equal(rows[0], deliveriesCSVHeader) ||
		len(rows) != 2 || len(rows[1]) != len(deliveriesCSVHeader) {
		t.Errorf("one commune: deliveries = %q; want the header %q and one row as wide", rows, deliveriesCSVHeader)
	}
	if rows := readCSV(t, a, "/audit.csv"); !slices.Equal(rows[0], auditCSVHeader) || len(rows) < 2 || len(rows[1]) != len(auditCSVHeader) {
		t.Errorf("one commune: audit = %q; want the header %q and rows as wide", rows, auditCSVHeader)
	}
}
