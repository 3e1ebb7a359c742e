package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// hamletsData is the hamlets page, with the add form.
type hamletsData struct {
	Hamlets   []hamletRow
	Form      notices.Hamlet
	Errs      fieldErrs
	StaffTest map[string]bool // codes of the staff test groups
}

// hamletData is one hamlet's edit form.
type hamletData struct {
	Code      string // the code it has now, in the form's action
	Form      notices.Hamlet
	Errs      fieldErrs
	StaffTest bool   // marked as the staff test group
	Q         string // "?xa=CODE" at toàn tỉnh: the forms name the hamlet's commune
}

func (s *Server) hamletList(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	s.renderHamlets(w, r, sess, http.StatusOK, hamletsData{Errs: fieldErrs{}})
}

func (s *Server) renderHamlets(w http.ResponseWriter, r *http.Request, sess *notices.Session, status int, d hamletsData) {
	hs, err := s.scopedHamlets(r)
	if err == nil {
		d.Hamlets, err = s.hamletRows(r.Context(), hs)
	}
	var tests []notices.Hamlet
	if err == nil {
		tests, err = s.store.StaffTestHamlets(r.Context())
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	d.StaffTest = map[string]bool{}
	for _, h := range tests {
		d.StaffTest[h.Commune+"/"+h.Code] = true
	}
	s.render(w, r, status, "hamlets", view{Title: "Thôn/ấp", Sess: sess, Nav: "hamlets", Data: d})
}

func hamletForm(r *http.Request) notices.Hamlet {
	return notices.Hamlet{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), GroupID: r.PostFormValue("group_id")}
}

func (s *Server) hamletAdd(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	h := hamletForm(r)
	h.Commune = scopeFrom(r).code()
	typed := h
	err := h.Validate()
	if err == nil && scopeFrom(r).AllProvince() {
		err = notices.FieldErrors{{Field: "code", Msg: "Đang xem toàn tỉnh: hãy chọn một xã ở đầu trang rồi thêm thôn/ấp cho xã đó."}}
	}
	var facts notices.GroupFacts
	if err == nil {
		var refused string
		facts, refused = s.checkGroup(r.Context(), scopeFrom(r).id(), h.GroupID)
		if refused != "" {
			err = notices.FieldErrors{{Field: "group_id", Msg: refused}}
		}
	}
	if err == nil {
		h.Facts = &facts
		err = s.store.CreateHamlet(r.Context(), sess.User.Username, &h)
	}
	if err == nil {
		msg := "Đã thêm " + h.Name + " (mã " + h.Code + ")."
		if facts.Checked() {
			msg += fmt.Sprintf(" Nhóm Zalo «%s» có %d thành viên.", facts.Name, facts.TotalMember)
		} else {
			msg += uncheckedFlash(facts)
		}
		s.redirect(w, r, "/hamlets", msg)
		return
	}
	errs := fieldErrs{}
	if !fromStore(errs, err) {
		s.serverError(w, r, err)
		return
	}
	s.renderHamlets(w, r, sess, http.StatusUnprocessableEntity, hamletsData{Form: typed, Errs: errs})
}

func (s *Server) loadHamlet(w http.ResponseWriter, r *http.Request) *notices.Hamlet {
	h, err := s.scopedHamlet(r, r.PathValue("code"))
	var req *notices.CommuneRequiredError
	if errors.As(err, &req) {
		s.errorPage(w, r, http.StatusNotFound, "Nhiều xã có thôn/ấp mang mã này; hãy chọn xã ở đầu trang rồi mở lại.")
		return nil
	}
	if errors.Is(err, notices.ErrNotFound) {
		s.notFound(w, r)
		return nil
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	return h
}

func (s *Server) hamletEditPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if h := s.loadHamlet(w, r); h != nil {
		on, err := s.store.IsStaffTestID(r.Context(), h.ID)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "hamlet", view{Title: "Sửa " + h.Name, Sess: sess, Nav: "hamlets",
			Data: hamletData{Code: h.Code, Form: *h, Errs: fieldErrs{}, StaffTest: on, Q: hamletQ(r, h)}})
	}
}

func (s *Server) hamletEdit(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	old := s.loadHamlet(w, r)
	if old == nil {
		return
	}
	h := hamletForm(r)
	h.ID = old.ID
	typed := h
	err := h.Validate()
	note := ""
	if err == nil && h.GroupID != old.GroupID {
		// A new group is checked as on add.
		facts, refused := s.checkGroup(r.Context(), old.CommuneID, h.GroupID)
		if refused != "" {
			err = notices.FieldErrors{{Field: "group_id", Msg: refused}}
		} else if h.Facts = &facts; !facts.Checked() {
			note = uncheckedFlash(facts)
		}
	}
	if err == nil {
		err = s.store.UpdateHamlet(r.Context(), sess.User.Username, &h)
	}
	if err == nil {
		s.redirect(w, r, "/hamlets", "Đã lưu "+h.Name+"."+note)
		return
	}
	errs := fieldErrs{}
	if !fromStore(errs, err) {
		s.serverError(w, r, err)
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "hamlet", view{Title: "Sửa " + old.Name, Sess: sess, Nav: "hamlets",
		Data: hamletData{Code: old.Code, Form: typed, Errs: errs, Q: hamletQ(r, old)}})
}

func (s *Server) hamletActive(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	h := s.loadHamlet(w, r)
	if h == nil {
		return
	}
	active := r.PostFormValue("active") == "1"
	if err := s.store.SetHamletActiveID(r.Context(), sess.User.Username, h.ID, active); err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "Đã tắt " + h.Name + ": thôn/ấp này không nhận thông báo mới."
	if active {
		msg = "Đã bật lại " + h.Name + "."
	}
	s.redirect(w, r, "/hamlets", msg)
}

// hamletSync adds a hamlet for each Zalo group of the OA that has none:
// with several communes, of the commune shown, through its own OA.
func (s *Server) hamletSync(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	sc := scopeFrom(r)
	if sc.AllProvince() {
		s.redirect(w, r, "/hamlets", "Đang xem toàn tỉnh: hãy chọn một xã ở đầu trang rồi đồng bộ nhóm Zalo của xã đó.")
		return
	}
	z := s.zaloOf(sc.Commune)
	if z == nil {
		msg := "Chưa cấu hình Zalo OA nên chưa đồng bộ được nhóm."
		if sc.Multi {
			msg = noClientMessage(sc.Commune)
		}
		s.redirect(w, r, "/hamlets", msg)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 45*time.Second)
	defer cancel()
	gs, err := z.ListGroups(ctx)
	if err != nil {
		s.log.Error().Err(err).Str("commune", sc.code()).Msg("list zalo groups")
		s.redirect(w, r, "/hamlets", "Không đọc được danh sách nhóm từ Zalo ("+err.Error()+"). "+
			"Hãy kiểm tra trang «Kết nối Zalo» rồi thử lại.")
		return
	}
	groups := make([]notices.Group, 0, len(gs))
	for _, g := range gs {
		facts, refused := s.checkGroup(ctx, sc.id(), g.GroupID)
		ng := notices.Group{ID: g.GroupID, Name: g.Name, Refused: refused}
		if refused == "" || facts.Checked() {
			ng.Facts = &facts
		}
		groups = append(groups, ng)
	}
	res, err := s.store.SyncHamletsIn(r.Context(), sess.User.Username, sc.code(), groups)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	from := "từ Zalo"
	if sc.Multi {
		from = "từ Zalo OA của " + sc.Commune.Name
	}
	msg := fmt.Sprintf("Đã đọc %d nhóm %s: thêm %d thôn/ấp mới, %d đã có.", len(gs), from, len(res.Added), res.Known)
	if len(res.Missing) > 0 {
		var names []string
		for _, h := range res.Missing {
			names = append(names, h.Name)
		}
		msg += " Không thấy nhóm của: " + strings.Join(names, ", ") + " — hãy kiểm tra OA còn trong các nhóm này."
	}
	for _, g := range res.Refused {
		msg += " Không thêm nhóm " + g.ID + ": " + g.Refused
	}
	s.redirect(w, r, "/hamlets", msg)
}

// hamletStaffTest marks or unmarks a hamlet as the staff test group, which
// "Gửi thử" sends to (testsend.go).
func (s *Server) hamletStaffTest(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	h := s.loadHamlet(w, r)
	if h == nil {
		return
	}
	on := r.PostFormValue("staff_test") == "1"
	if err := s.store.SetStaffTestID(r.Context(), h.ID, on, sess.User.Username); err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "Đã bỏ đánh dấu nhóm thử ở " + h.Name + "."
	if on {
		msg = "Đã đánh dấu " + h.Name + " là nhóm thử của cán bộ: nút «Gửi thử» gửi tới nhóm Zalo này. " +
			"Muốn nhóm này không nhận thông báo thật, hãy tắt thôn/ấp (Tắt)."
	}
	s.redirect(w, r, hamletPath(r, h), msg)
}

// scopedHamlet finds hamlet code in the commune shown (anywhere with one
// commune, or at toàn tỉnh): another commune's is ErrNotFound.
func (s *Server) scopedHamlet(r *http.Request, code string) (*notices.Hamlet, error) {
	sc := scopeFrom(r)
	if commune, hamlet, ok := strings.Cut(code, "/"); ok && sc.Multi {
		// "commune/hamlet", as the test-send form names it with several communes.
		c := sc.find(commune)
		if c == nil || sc.Commune != nil && c.ID != sc.Commune.ID {
			return nil, notices.ErrNotFound
		}
		return s.store.HamletInCommune(r.Context(), c.ID, strings.ToLower(strings.TrimSpace(hamlet)))
	}
	if sc.Commune != nil {
		return s.store.HamletInCommune(r.Context(), sc.Commune.ID, strings.ToLower(strings.TrimSpace(code)))
	}
	return s.store.HamletByCode(r.Context(), code)
}

// hamletPath is the address of h's page; at toàn tỉnh it names h's commune.
func hamletPath(r *http.Request, h *notices.Hamlet) string {
	return "/hamlets/" + h.Code + hamletQ(r, h)
}

// hamletQ is, for a province account, the query naming h's commune (its
// forms then reach h whatever the commune chosen in the header), else "".
func hamletQ(r *http.Request, h *notices.Hamlet) string {
	if sc := scopeFrom(r); sc.Multi && sc.Province {
		return "?xa=" + url.QueryEscape(h.Commune)
	}
	return ""
}
