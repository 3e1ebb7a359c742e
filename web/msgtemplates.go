package web

import (
	"errors"
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// templatesData is the admin's page of notice templates, or one template's
// edit form (Editing).
type templatesData struct {
	Templates []notices.Template
	Form      notices.Template
	Errs      fieldErrs
	Editing   bool
	ReadOnly  bool // several communes, a commune's admin: the province's templates are read only
}

// templateList is GET /templates.
func (s *Server) templateList(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	s.renderTemplates(w, r, sess, http.StatusOK, templatesData{Form: notices.Template{Priority: notices.Normal,
		Category: notices.DefaultCategory}, Errs: fieldErrs{}})
}

func (s *Server) renderTemplates(w http.ResponseWriter, r *http.Request, sess *notices.Session, status int, d templatesData) {
	var err error
	if d.Templates, err = s.store.Templates(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	if sc := scopeFrom(r); sc.Multi && !sc.Province {
		d.ReadOnly = true
	}
	title := "Mẫu thông báo"
	if d.Editing {
		title = "Sửa mẫu «" + d.Form.Name + "»"
	}
	s.render(w, r, status, "msgtemplates", view{Title: title, Sess: sess, Nav: "templates", Data: d})
}

// templateEditPage is GET /templates/{id}.
func (s *Server) templateEditPage(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	t := s.loadTemplate(w, r)
	if t != nil {
		s.renderTemplates(w, r, sess, http.StatusOK, templatesData{Form: *t, Errs: fieldErrs{}, Editing: true})
	}
}

func (s *Server) loadTemplate(w http.ResponseWriter, r *http.Request) *notices.Template {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil
	}
	t, err := s.store.TemplateByID(r.Context(), id)
	if errors.Is(err, notices.ErrNotFound) {
		s.notFound(w, r)
		return nil
	}
	if err != nil {
		s.serverError(w, r, err)
		return nil
	}
	return t
}

// templateSave is POST /templates (a new one) and POST /templates/{id}.
func (s *Server) templateSave(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if !s.templatesWritable(w, r) {
		return
	}
	t := notices.Template{Name: r.PostFormValue("name"), Title: r.PostFormValue("title"), Body: r.PostFormValue("body"),
		Category: r.PostFormValue("category"), Priority: notices.Priority(r.PostFormValue("priority"))}
	editing := r.PathValue("id") != ""
	if editing {
		old := s.loadTemplate(w, r)
		if old == nil {
			return
		}
		t.ID = old.ID
	}
	err := s.store.SaveTemplate(r.Context(), &t, sess.User.Username)
	if err == nil {
		s.redirect(w, r, "/templates", "Đã lưu mẫu «"+t.Name+"».")
		return
	}
	errs := fieldErrs{}
	if !fromStore(errs, err) {
		s.serverError(w, r, err)
		return
	}
	s.renderTemplates(w, r, sess, http.StatusUnprocessableEntity, templatesData{Form: t, Errs: errs, Editing: editing})
}

// templateDelete is POST /templates/{id}/delete.
func (s *Server) templateDelete(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	if !s.templatesWritable(w, r) {
		return
	}
	t := s.loadTemplate(w, r)
	if t == nil {
		return
	}
	if err := s.store.DeleteTemplate(r.Context(), t.ID, sess.User.Username); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.redirect(w, r, "/templates", "Đã xóa mẫu «"+t.Name+"». Các thông báo đã soạn từ mẫu này vẫn giữ nguyên.")
}

// templatesWritable: with several communes the templates are the
// province's, shared by every commune, so only a province admin changes
// them; a commune's admin reads them (403 otherwise, saying why).
func (s *Server) templatesWritable(w http.ResponseWriter, r *http.Request) bool {
	if sc := scopeFrom(r); sc.Multi && !sc.Province {
		s.errorPage(w, r, http.StatusForbidden, "Mẫu thông báo dùng chung cho mọi xã trong tỉnh: chỉ quản trị viên cấp tỉnh "+
			"thêm, sửa hay xóa được. Bạn vẫn dùng được các mẫu khi soạn thông báo.")
		return false
	}
	return true
}
