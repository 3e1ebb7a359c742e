package zalosim

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var templates = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

// vietnam is Asia/Ho_Chi_Minh: UTC+7 with no daylight saving since 1975, so
// a fixed zone needs no tzdata on the machine.
var vietnam = time.FixedZone("ICT", 7*60*60)

func (s *Server) viewRoutes(m *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	m.Handle("GET /_sim/static/", http.StripPrefix("/_sim/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /{$}", s.handleIndex)
	m.HandleFunc("GET /groups/{id}", s.handleChat)
}

type indexGroup struct {
	Group
	Count    int
	LastText string
	LastTime string
}

// handleIndex lists the OA's groups with their latest message.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	groups := make([]indexGroup, 0, len(s.groups))
	for _, g := range s.groups {
		ig := indexGroup{Group: g.Group, Count: len(g.messages)}
		if n := len(g.messages); n > 0 {
			last := g.messages[n-1]
			ig.LastText = preview(last)
			ig.LastTime = last.Time.In(vietnam).Format("15:04 02/01")
		}
		groups = append(groups, ig)
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "index.html", struct {
		OAName string
		Groups []indexGroup
	}{s.cfg.OAName, groups})
}

type chatMessage struct {
	Message
	Clock    string // 15:04 in Vietnam
	Day      string // set on the first message of each day
	ImageSrc string
}

// handleChat shows one group's chat as a member sees it in Zalo.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	msgs := s.Chat(r.PathValue("id"))
	var g Group
	found := false
	for _, x := range s.Groups() {
		if x.ID == r.PathValue("id") {
			g, found = x, true
		}
	}
	if !found {
		s.render(w, http.StatusNotFound, "notfound.html", struct{ OAName string }{s.cfg.OAName})
		return
	}
	out := make([]chatMessage, len(msgs))
	prevDay := ""
	today := s.now().In(vietnam).Format("02/01/2006")
	for i, m := range msgs {
		t := m.Time.In(vietnam)
		cm := chatMessage{Message: m, Clock: t.Format("15:04"), ImageSrc: imageURL(m, "")}
		if d := t.Format("02/01/2006"); d != prevDay {
			cm.Day, prevDay = d, d
			if d == today {
				cm.Day = "Hôm nay"
			}
		}
		out[i] = cm
	}
	s.render(w, http.StatusOK, "chat.html", struct {
		OAName   string
		Group    Group
		Messages []chatMessage
	}{s.cfg.OAName, g, out})
}

func preview(m Message) string {
	if m.Text == "" {
		return "[Hình ảnh]"
	}
	r := []rune(m.Text)
	if len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return m.Text
}

// render executes a template into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error().Err(err).Str("template", name).Msg("render page")
		http.Error(w, "Lỗi hiển thị trang", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
