package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// The irreversible actions (approving, stopping a notice, turning a hamlet
// off, locking an account) are confirmed on a page of their own: the
// button on the notice, hamlet or account page is a GET form that leads
// here, and only this page's form POSTs the action. It needs no script, so
// it works under the CSP and without JavaScript alike.

// confirmData is a confirmation page.
type confirmData struct {
	Heading string
	Lines   []string
	Action  string      // the POST URL
	Fields  [][2]string // hidden fields: name, value
	Button  string
	Danger  bool
	Back    string // where "Quay lại" goes
}

func (s *Server) confirm(w http.ResponseWriter, r *http.Request, sess *notices.Session, nav string, d confirmData) {
	s.render(w, r, http.StatusOK, "confirm", view{Title: d.Heading, Sess: sess, Nav: nav, Data: d})
}

// version is the notice's last change, carried by the approval form so
// that a notice edited after the approver read it is not approved unread.
// A POST without it did not come from that page and is refused.
func version(n *notices.Notice) string { return n.Version() }

// targetsText names where a notice goes.
func (s *Server) targetsText(r *http.Request, n *notices.Notice) string {
	if t, ok, err := s.withdrawalWhere(r.Context(), n); ok && err == nil {
		return t
	}
	if scopeFrom(r).Multi {
		if t, err := s.whereText(r.Context(), n, "tất cả thôn/ấp đang hoạt động"); err == nil {
			return t
		}
	}
	if len(n.Targets) == 0 {
		return "tất cả thôn/ấp đang hoạt động"
	}
	names := make([]string, 0, len(n.Targets))
	for _, c := range n.Targets {
		if h, err := s.store.HamletByCode(r.Context(), c); err == nil {
			names = append(names, h.Name)
		} else {
			names = append(names, c)
		}
	}
	return strings.Join(names, ", ")
}

// approveConfirm is GET /notices/{id}/approve.
func (s *Server) approveConfirm(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	id := strconv.FormatInt(n.ID, 10)
	back := "/notices/" + id
	if n.Status != notices.StatusPending {
		s.redirect(w, r, back, "Thông báo số "+id+" đang ở trạng thái «"+n.Status.Label()+"»; không có gì để duyệt.")
		return
	}
	if !s.cfg.SelfApprove && strings.EqualFold(n.Author, sess.User.Username) {
		s.redirect(w, r, back, "Bạn là người viết thông báo này nên không tự duyệt được; hãy nhờ một người duyệt khác.")
		return
	}
	when := "ngay khi duyệt"
	switch {
	case n.Recurrence != "":
		when = "theo lịch " + recurrenceText(n.Recurrence)
	case !n.PublishAt.IsZero():
		when = "lúc " + dateVN(n.PublishAt, s.cfg.Location)
	}
	lines := []string{"«" + n.Title + "»",
		"Sau khi duyệt, tin được gửi tới " + s.targetsText(r, n) + ", " + when + ".",
		"Zalo không thu hồi được tin đã gửi: muốn sửa sau này chỉ có thể gửi thêm đính chính."}
	if wl := s.withdrawalLine(r, n); wl != "" {
		lines = append(lines, wl)
	}
	s.confirm(w, r, sess, "notices", confirmData{
		Heading: "Duyệt thông báo số " + id + "?",
		Lines:   lines,
		Action:  back + "/approve", Fields: [][2]string{{"version", version(n)}},
		Button: "✔ Xác nhận duyệt và cho gửi", Back: back,
	})
}

// cancelConfirm is GET /notices/{id}/cancel?reason=…
func (s *Server) cancelConfirm(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	n := s.loadNoticeToAct(w, r)
	if n == nil {
		return
	}
	id := strconv.FormatInt(n.ID, 10)
	back := "/notices/" + id
	if !s.mayCancel(sess.User, n) {
		s.redirect(w, r, back, "Thông báo số "+id+" không dừng được (trạng thái «"+n.Status.Label()+"», hoặc bạn không phải người viết).")
		return
	}
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	lines := []string{"«" + n.Title + "»",
		"Những tin của thông báo này chưa gửi sẽ không gửi nữa, và không bật lại được: muốn gửi thì phải soạn lại.",
		"Tin đã tới các nhóm vẫn còn đó; muốn báo bà con là thông báo không còn hiệu lực thì hãy gửi thông báo hủy."}
	if reason != "" {
		lines = append(lines, "Lý do: "+reason)
	}
	s.confirm(w, r, sess, "notices", confirmData{
		Heading: "Dừng thông báo số " + id + "?", Lines: lines,
		Action: back + "/cancel", Fields: [][2]string{{"reason", reason}},
		Button: "Xác nhận dừng thông báo", Danger: true, Back: back,
	})
}

// hamletOffConfirm is GET /hamlets/{code}/active (turning it off).
func (s *Server) hamletOffConfirm(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	h := s.loadHamlet(w, r)
	if h == nil {
		return
	}
	s.confirm(w, r, sess, "hamlets", confirmData{
		Heading: "Tắt " + h.Name + "?",
		Lines: []string{"Từ lúc tắt, các lượt gửi mới không đến thôn/ấp này, kể cả thông báo gửi «tất cả thôn/ấp».",
			"Bật lại sau đó thì những lượt gửi đã qua trong lúc tắt không được gửi bù."},
		Action: "/hamlets/" + h.Code + "/active" + hamletQ(r, h), Fields: [][2]string{{"active", "0"}},
		Button: "Xác nhận tắt", Danger: true, Back: "/hamlets",
	})
}

// userLockConfirm is GET /users/{name}/active (locking the account).
func (s *Server) userLockConfirm(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	u, err := s.store.UserByName(r.Context(), r.PathValue("name"))
	if err == nil && !scopeFrom(r).seesUser(u) {
		err = notices.ErrNotFound // another commune's account: not revealed
	}
	if errors.Is(err, notices.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if strings.EqualFold(u.Username, sess.User.Username) {
		s.redirect(w, r, "/users", "Bạn không thể tự khóa tài khoản của mình.")
		return
	}
	s.confirm(w, r, sess, "users", confirmData{
		Heading: "Khóa tài khoản " + u.Username + "?",
		Lines: []string{"Mọi phiên đăng nhập của tài khoản này kết thúc ngay; người đó không đăng nhập được nữa cho tới khi được mở khóa.",
			"Thông báo người đó đã viết vẫn giữ nguyên."},
		Action: "/users/" + u.Username + "/active", Fields: [][2]string{{"active", "0"}},
		Button: "Xác nhận khóa", Danger: true, Back: "/users",
	})
}

// withdrawalLine says, for a withdrawal, that sending it also stops the
// notice it withdraws, and for a recurring one that its later occurrences
// go out no more; "" for any other notice.
func (s *Server) withdrawalLine(r *http.Request, n *notices.Notice) string {
	if n.Kind != notices.KindCancel || n.RefersTo == 0 {
		return ""
	}
	ref := strconv.FormatInt(n.RefersTo, 10)
	orig, err := s.store.Notice(r.Context(), n.RefersTo)
	if err != nil || orig.Recurrence == "" {
		return "Khi tin hủy này được gửi đi, thông báo số " + ref + " cũng dừng: những tin của nó chưa gửi sẽ không gửi nữa."
	}
	return "Thông báo số " + ref + " lặp lại (" + recurrenceText(orig.Recurrence) + "): khi tin hủy này được gửi đi, " +
		"nó cũng dừng luôn, các lượt sau không gửi nữa."
}
