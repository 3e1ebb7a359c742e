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

// indexOA is one OA's section of the index: its groups and its counters.
type indexOA struct {
	Stats  OAStats
	Groups []indexGroup
}

// handleIndex lists each OA's groups with their latest message, under the
// OA's name and counters (requests, -32 answers).
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	oas := make([]indexOA, 0, len(s.oas))
	for _, oa := range s.oas {
		io := indexOA{Stats: s.oaStatsLocked(oa), Groups: make([]indexGroup, 0, len(oa.groups))}
		for _, g := range oa.groups {
			ig := indexGroup{Group: g.Group, Count: len(g.messages)}
			if n := len(g.messages); n > 0 {
				last := g.messages[n-1]
				ig.LastText = preview(last)
				ig.LastTime = last.Time.In(vietnam).Format("15:04 02/01")
			}
			io.Groups = append(io.Groups, ig)
		}
		oas = append(oas, io)
	}
	s.mu.Unlock()
	s.render(w, http.StatusOK, "index.html", struct {
		OAName string
		OAs    []indexOA
		Multi  bool
	}{s.cfg.OAName, oas, len(oas) > 1})
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
	s.mu.Lock()
	gs, found := s.byID[r.PathValue("id")]
	var g Group
	oaName := s.cfg.OAName
	if found {
		g, oaName = gs.Group, gs.oa.name
	}
	s.mu.Unlock()
	if !found {
		s.render(w, http.StatusNotFound, "notfound.html", struct{ OAName string }{oaName})
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
	}{oaName, g, out})
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
