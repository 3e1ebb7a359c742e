package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

//go:embed templates/*.html static/*
var assets embed.FS

// view is what every page template gets; Data is the page's own.
type view struct {
	Title   string
	Sess    *notices.Session
	CSRF    string
	Banner  *banner
	Flash   string
	Commune string
	Nav     string // the menu entry to highlight
	Public  bool   // the residents' pages: no staff menu
	Feed    string // the Atom feed announced in <head> (autodiscovery)
	Version string // loaxa's version, in the staff pages' footer
	Scope   *scope // the communes shown (scope.go); set by render
	Path    string // the page's path, where the commune selector comes back to
	Data    any
}

// parseTemplates parses each page together with the layout.
func (s *Server) parseTemplates() error {
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return fmt.Errorf("web: templates: %w", err)
	}
	s.pages = map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(s.funcs()).Funcs(s.plainFuncs()).ParseFS(assets, "templates/layout.html", f)
		if err != nil {
			return fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	return nil
}

// funcs are the helpers templates may call.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"when":       func(t time.Time) string { return whenVN(t, s.cfg.Location) },
		"date":       func(t time.Time) string { return dateVN(t, s.cfg.Location) },
		"isoTime":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"dtLocal":    func(v string) string { return datetimeLocal(v, s.cfg.Location) },
		"clock":      clockValue,
		"number":     numberValue,
		"priority":   priorityLabel,
		"recurrence": recurrenceText,
		"kind":       kindLabel,
		"role":       roleLabel,
		"action":     actionText,
		"can":        func(r, min notices.Role) bool { return can(r, min) },
		"join":       strings.Join,
		"add1":       func(i int) int { return i + 1 },
		"sub1":       func(i int) int { return i - 1 },
		"lines":      func(s string) []string { return strings.Split(s, "\n") },
		"contains": func(ss []string, s string) bool {
			for _, x := range ss {
				if x == s {
					return true
				}
			}
			return false
		},
	}
}

// render writes page with status; a template error becomes a 500.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	t, ok := s.pages[page]
	if !ok {
		s.serverError(w, r, fmt.Errorf("no template %q", page))
		return
	}
	if v.Commune == "" || v.Sess != nil {
		v.Commune = s.cfg.Commune // a commune's public page names its commune
	}
	v.Version = s.cfg.Version
	if v.Sess != nil {
		if v.CSRF == "" {
			v.CSRF = v.Sess.CSRFToken
		}
		v.Banner = s.banner(r)
	}
	v.Scope, v.Path = scopeFrom(r), r.URL.Path
	if v.Flash == "" && !publicPath(r.URL.Path) { // public pages are cached: never one person's message
		v.Flash = s.takeFlash(w, r)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error().Err(err).Str("page", page).Msg("render page")
		http.Error(w, "Lỗi hiển thị trang", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorData is the error page.
type errorData struct {
	Status  int
	Heading string
	Message string
}

// errorPage answers with a plain Vietnamese error page; msg defaults by status.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	d := errorData{Status: status, Message: msg}
	// An error is never kept by a cache in front, even on public pages: a
	// notice missing now may be sent in a minute, and a staff error is one
	// person's.
	w.Header().Set("Cache-Control", "no-store")
	switch status {
	case http.StatusNotFound:
		d.Heading = "Không tìm thấy trang"
		if msg == "" {
			d.Message = "Trang hoặc thông báo này không có. Hãy quay lại trang tổng quan."
		}
	case http.StatusForbidden:
		d.Heading = "Không được phép"
	case http.StatusRequestEntityTooLarge:
		d.Heading = "Dữ liệu quá lớn"
	case http.StatusBadRequest:
		d.Heading = "Yêu cầu không hợp lệ"
	default:
		d.Heading = "Có lỗi xảy ra"
		if msg == "" {
			d.Message = "Hệ thống gặp lỗi khi xử lý yêu cầu. Hãy thử lại sau ít phút; nếu vẫn lỗi, báo cho quản trị viên."
		}
	}
	v := view{Title: d.Heading, Data: d}
	if publicPath(r.URL.Path) {
		// The residents' layout: nothing of a session a staff member's
		// browser brought along (its name, its CSRF token) on a public
		// address, whatever a cache in front does with it.
		v.Public = true
		if status == http.StatusNotFound && msg == "" {
			d.Message = "Thông báo hoặc trang này không có (hoặc chưa được gửi đi). Hãy xem danh sách thông báo."
			v.Data = d
		}
	} else {
		v.Sess = s.session(r)
	}
	s.render(w, r, status, "error", v)
}

// serverError logs err and answers 500 without details.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.Error().Err(err).Str("method", r.Method).Str("path", r.URL.Path).Msg("request failed")
	s.errorPage(w, r, http.StatusInternalServerError, "")
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Labels staff read.

func priorityLabel(p notices.Priority) string { return p.Label() }

func kindLabel(k notices.Kind) string { return k.Label() }

func roleLabel(r notices.Role) string {
	switch r {
	case notices.RoleEditor:
		return "soạn thảo"
	case notices.RoleApprover:
		return "duyệt"
	case notices.RoleAdmin:
		return "quản trị"
	}
	return string(r)
}

var actionLabels = map[string]string{
	"notice.create": "tạo thông báo", "notice.approve": "duyệt", "notice.reject": "từ chối",
	"notice.cancel": "hủy", "notice.retry": "gửi lại", "notice.done": "gửi xong", "notice.expired": "hết hạn",
	"hamlet.add": "thêm thôn/ấp", "hamlet.update": "sửa thôn/ấp", "hamlet.enable": "bật thôn/ấp",
	"hamlet.disable": "tắt thôn/ấp", "hamlet.sync": "đồng bộ nhóm Zalo",
	"user.add": "thêm tài khoản", "user.password": "đặt lại mật khẩu", "user.enable": "mở khóa tài khoản",
	"user.disable": "khóa tài khoản", "user.login": "đăng nhập", "user.logout": "đăng xuất",
	"user.login_failed": "đăng nhập sai", "user.login_attack": "tài khoản bị dò mật khẩu", "zalo.tokens": "lưu mã truy cập Zalo",
	"zalo.connect_start": "bắt đầu kết nối Zalo", "zalo.connect": "kết nối Zalo OA",
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}

var weekdaysVN = [...]string{"Chủ nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"}

// dateVN is "Thứ Sáu, 27/11/2026 08:00" in loc.
func dateVN(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(loc)
	return weekdaysVN[t.Weekday()] + ", " + t.Format(timeLayout)
}
