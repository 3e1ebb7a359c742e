package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The CSV reports: UTF-8 with a byte-order mark, so that Excel opens
// Vietnamese correctly, and every cell that a spreadsheet would take for a
// formula (= + - @, tab, carriage return first) neutralised with a leading
// apostrophe: a notice title "=HYPERLINK(...)" stays text.

// csvBOM is the UTF-8 byte-order mark Excel needs to read UTF-8.
const csvBOM = "\ufeff"

// exportPage is how many rows a report reads from the database at a time.
const exportPage = 1000

// negativeNumber is a cell that is only a negative number (-237, -1,5,
// -1.5): a spreadsheet reads it as a number, never as a formula, so it
// keeps no apostrophe (Zalo's error codes are negative).
var negativeNumber = regexp.MustCompile(`^-[0-9]+([.,][0-9]+)?$`)

// csvCell neutralises a cell a spreadsheet would run as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) && !negativeNumber.MatchString(s) {
		return "'" + s
	}
	return s
}

// csvWriter writes a report's rows, neutralised.
type csvWriter struct {
	buf bytes.Buffer
	w   *csv.Writer
}

// newCSV starts a report for request r: comma-separated, or with
// ?sep=semicolon semicolon-separated, for an Excel whose list separator is
// ';' (Vietnamese regional settings, where ',' is the decimal comma).
func newCSV(r *http.Request, header ...string) *csvWriter {
	c := &csvWriter{}
	c.buf.WriteString(csvBOM)
	c.w = csv.NewWriter(&c.buf)
	if r.URL.Query().Get("sep") == "semicolon" {
		c.w.Comma = ';'
	}
	c.w.UseCRLF = true // what Excel writes and expects
	c.row(header...)
	return c
}

func (c *csvWriter) row(cells ...string) {
	for i := range cells {
		cells[i] = csvCell(cells[i])
	}
	_ = c.w.Write(cells) // into a bytes.Buffer: cannot fail
}

// send answers with the report as a download named name.
func (c *csvWriter) send(w http.ResponseWriter, name string) {
	c.w.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = c.buf.WriteTo(w)
}

// With several communes the deliveries and audit reports end with a
// «Xã/phường» column: a row's commune, by name (a delivery's is its
// hamlet's; an audit entry of no commune is the province's, «Cấp tỉnh»).
// It comes last, so that every other column keeps its place, and with one
// commune there is none: the columns are exactly as before province mode.

// csvHeader is a report's header: header, then «Xã/phường» with several
// communes.
func (sc *scope) csvHeader(header ...string) []string {
	if sc.Multi {
		header = append(header, "Xã/phường")
	}
	return header
}

// csvRow is a report's row of commune communeID (0: the province's).
func (sc *scope) csvRow(communeID int64, cells ...string) []string {
	if !sc.Multi {
		return cells
	}
	name := "Cấp tỉnh"
	if communeID != 0 {
		name = ""
		if c := sc.communeByID(communeID); c != nil {
			name = c.Name
		}
	}
	return append(cells, name)
}

// exportNoticeDeliveries is GET /notices/{id}/deliveries.csv: the notice's
// per-hamlet delivery report, for reporting up to the province.
func (s *Server) exportNoticeDeliveries(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNotice(w, r)
	if n == nil {
		return
	}
	hds, err := s.noticeDeliveries(r, n)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	p := s.liveProgress(n, hds)
	c := newCSV(r, "Thông báo số", "Tiêu đề", "Thôn/ấp", "Tình trạng", "Số phần đã gửi", "Lần gửi gần nhất",
		"Thành viên nhóm lúc gửi", "Lỗi")
	for i, hd := range hds {
		members := ""
		if hd.HasMembers {
			members = strconv.Itoa(hd.Members)
		}
		c.row("#"+strconv.FormatInt(n.ID, 10), n.Title, hd.Hamlet.Name, p.Hamlets[i].Label, hd.PartsText("phần"),
			whenVN(hd.LastSentAt, s.cfg.Location), members, p.Hamlets[i].Error)
	}
	c.send(w, "thong-bao-"+strconv.FormatInt(n.ID, 10)+"-tin-gui.csv")
}

// exportDeliveries is GET /export/deliveries.csv?from=&to=: every delivery
// due in the date range (commune days, to inclusive).
func (s *Server) exportDeliveries(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	q := r.URL.Query()
	errs := fieldErrs{}
	from, to := strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	since, until := dayRange(from, to, s.cfg.Location, errs)
	if from == "" || to == "" {
		errs.add("from", "Hãy chọn cả ngày bắt đầu và ngày kết thúc.")
	}
	if len(errs) > 0 {
		msg := errs["from"]
		if msg == "" {
			msg = errs["to"]
		}
		s.errorPage(w, r, http.StatusUnprocessableEntity, "Không xuất được danh sách tin gửi: "+msg)
		return
	}
	sc := scopeFrom(r)
	c := newCSV(r, sc.csvHeader("Đến hạn", "Lúc gửi", "Thông báo số", "Tiêu đề", "Thôn/ấp", "Nhóm Zalo", "Phần", "Kết quả",
		"Số lần thử", "Mã lỗi Zalo", "Lỗi")...)
	for after := int64(0); ; {
		rows, err := s.store.DeliveriesPageOf(r.Context(), sc.id(), since, until, after, exportPage)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, d := range rows {
			id, title := "", d.Title
			if d.NoticeID != 0 {
				id = "#" + strconv.FormatInt(d.NoticeID, 10)
			} else {
				ids := make([]string, len(d.BulletinOf))
				for i, n := range d.BulletinOf {
					ids[i] = "#" + strconv.FormatInt(n, 10)
				}
				title = "Bản tin (" + strings.Join(ids, ", ") + ")"
			}
			code := ""
			if d.ErrorCode != 0 {
				code = strconv.Itoa(d.ErrorCode)
			}
			c.row(sc.csvRow(d.CommuneID, whenVN(d.DueAt, s.cfg.Location), whenVN(d.SentAt, s.cfg.Location), id, title, d.Hamlet,
				d.GroupID, strconv.Itoa(d.Part)+"/"+strconv.Itoa(d.Parts), d.Status.Label(), strconv.Itoa(d.Attempts), code, d.Error)...)
			after = d.ID
		}
		if len(rows) < exportPage {
			break
		}
	}
	c.send(w, "tin-gui-"+from+"-den-"+to+".csv")
}

// exportAudit is GET /audit.csv with the audit page's filter: the log,
// newest first, in Vietnamese and in the commune's zone.
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	d, f := s.auditFilter(r)
	if len(d.Errs) > 0 {
		for _, msg := range d.Errs {
			s.errorPage(w, r, http.StatusUnprocessableEntity, "Không xuất được nhật ký: "+msg)
			return
		}
	}
	if !s.auditNoticeInScope(w, r, f) {
		return
	}
	if f.Until.IsZero() {
		f.Until = s.now().Add(time.Second) // entries written while reading do not shift the pages
	}
	names, err := s.auditNames(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc := scopeFrom(r)
	c := newCSV(r, sc.csvHeader("Lúc", "Người làm", "Việc", "Thông báo số", "Chi tiết")...)
	f.Limit = exportPage
	for f.Offset = 0; ; f.Offset += exportPage {
		es, err := s.store.Audit(r.Context(), f)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, e := range es {
			id := ""
			if e.NoticeID != 0 {
				id = "#" + strconv.FormatInt(e.NoticeID, 10)
			}
			c.row(sc.csvRow(e.CommuneID, whenVN(e.At, s.cfg.Location), actorLabel(e.Actor), actionText(e.Action), id,
				auditDetail(e, names, s.cfg.Location))...)
		}
		if len(es) < exportPage {
			break
		}
	}
	c.send(w, "nhat-ky.csv")
}
