package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// usersData is the staff accounts page, with the add form.
type usersData struct {
	Users []notices.User
	Form  notices.User
	Errs  fieldErrs
	// Reset names the account whose reset form was refused, with its error.
	Reset    string
	ResetErr string
	Roles    []notices.Role
	Province bool // at toàn tỉnh: a new account is a province account
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	s.renderUsers(w, r, sess, http.StatusOK, usersData{Form: notices.User{Role: notices.RoleEditor}, Errs: fieldErrs{}})
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, sess *notices.Session, status int, d usersData) {
	us, err := s.store.Users(r.Context())
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	sc := scopeFrom(r)
	for i := range us {
		if sc.seesUser(&us[i]) {
			d.Users = append(d.Users, us[i])
		}
	}
	d.Province = sc.AllProvince()
	d.Roles = []notices.Role{notices.RoleEditor, notices.RoleApprover, notices.RoleAdmin}
	s.render(w, r, status, "users", view{Title: "Tài khoản", Sess: sess, Nav: "users", Data: d})
}

// userAdd adds an account; the password must be strong and typed twice.
func (s *Server) userAdd(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	u := notices.User{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: notices.Role(r.PostFormValue("role"))}
	if sc := scopeFrom(r); sc.Multi {
		// The commune shown: a commune admin's own; at toàn tỉnh, the province.
		u.Commune = sc.code()
		if u.Commune == "" {
			u.Commune = notices.Province
		}
	}
	typed := u
	errs := fieldErrs{}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		errs.add("password2", "Hai lần nhập mật khẩu không khớp; hãy nhập lại.")
	}
	if len(errs) == 0 {
		err := s.store.CreateUser(r.Context(), sess.User.Username, &u, pw)
		if err == nil {
			s.redirect(w, r, "/users", "Đã thêm tài khoản "+u.Username+" ("+roleLabel(u.Role)+").")
			return
		}
		if !fromStore(errs, err) {
			s.serverError(w, r, err)
			return
		}
	}
	s.renderUsers(w, r, sess, http.StatusUnprocessableEntity, usersData{Form: typed, Errs: errs})
}

func (s *Server) userActive(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	name := r.PathValue("name")
	active := r.PostFormValue("active") == "1"
	if !active && strings.EqualFold(name, sess.User.Username) {
		s.redirect(w, r, "/users", "Bạn không thể tự khóa tài khoản của mình.")
		return
	}
	if !s.userInScope(w, r, name) {
		return
	}
	err := s.store.SetUserActive(r.Context(), sess.User.Username, name, active)
	if errors.Is(err, notices.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	msg := "Đã khóa tài khoản " + name + "; các phiên đăng nhập của tài khoản này đã kết thúc."
	if active {
		msg = "Đã mở khóa tài khoản " + name + "."
	}
	s.redirect(w, r, "/users", msg)
}

// userPassword sets a new password chosen by the admin; the account's
// sessions end.
func (s *Server) userPassword(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	name := r.PathValue("name")
	if !s.userInScope(w, r, name) {
		return
	}
	pw := r.PostFormValue("password")
	var msg string
	if pw != r.PostFormValue("password2") {
		msg = "Hai lần nhập mật khẩu không khớp; hãy nhập lại."
	} else {
		err := s.store.SetPassword(r.Context(), sess.User.Username, name, pw)
		if errors.Is(err, notices.ErrNotFound) {
			s.notFound(w, r)
			return
		}
		var fe notices.FieldErrors
		switch {
		case errors.As(err, &fe):
			msg = fe[0].Msg
		case err != nil:
			s.serverError(w, r, err)
			return
		default:
			s.redirect(w, r, "/users", "Đã đặt mật khẩu mới cho "+name+"; hãy báo cho người đó qua kênh an toàn.")
			return
		}
	}
	s.renderUsers(w, r, sess, http.StatusUnprocessableEntity, usersData{Form: notices.User{Role: notices.RoleEditor},
		Errs: fieldErrs{}, Reset: name, ResetErr: msg})
}

// userInScope answers 404 for an account that is not in the scope shown
// (another commune's), and reports whether it is.
func (s *Server) userInScope(w http.ResponseWriter, r *http.Request, name string) bool {
	u, err := s.store.UserByName(r.Context(), name)
	return s.foundInScope(w, r, err, err == nil && scopeFrom(r).seesUser(u))
}
