package zalosim

import (
	"net/http"
	"strconv"
)

// historyItem is one entry of GET /v3.0/oa/group/conversation. src 0 means
// the OA sent it (1 would be a member); time is epoch milliseconds as a
// number, as in Zalo's 1:1 conversation API; IDs are strings.
type historyItem struct {
	Src             int    `json:"src"`
	Time            int64  `json:"time"`
	SentTime        string `json:"sent_time"`
	Type            string `json:"type"`
	Message         string `json:"message"`
	MessageID       string `json:"message_id"`
	FromID          string `json:"from_id"`
	FromDisplayName string `json:"from_display_name"`
	ToID            string `json:"to_id"`
	GroupID         string `json:"group_id"`
	URL             string `json:"url,omitempty"`
	Thumb           string `json:"thumb,omitempty"`
}

// handleConversation is GET /v3.0/oa/group/conversation with group_id,
// offset and count (plain query or data= JSON). data is a list, newest first.
func (s *Server) handleConversation(r *http.Request) answer {
	p, okp := readParams(r)
	if !okp {
		return invalidField("data")
	}
	if p["group_id"] == "" {
		return invalidField("group_id")
	}
	offset, ok1 := p.intParam("offset", 0)
	count, ok2 := p.intParam("count", 10)
	if !ok1 {
		return invalidField("offset")
	}
	if !ok2 || count == 0 {
		return invalidField("count")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.byID[p["group_id"]]
	if !found {
		return apiError(CodeNotInGroup, codeMessage(CodeNotInGroup))
	}
	items := []historyItem{}
	for i := len(g.messages) - 1 - offset; i >= 0 && len(items) < count; i-- {
		items = append(items, s.historyItemLocked(g.messages[i], baseURL(r)))
	}
	return ok(items)
}

func (s *Server) historyItemLocked(m Message, base string) historyItem {
	it := historyItem{
		Src:             0,
		Time:            m.Time.UnixMilli(),
		SentTime:        strconv.FormatInt(m.Time.UnixMilli(), 10),
		Type:            "text",
		Message:         m.Text,
		MessageID:       m.ID,
		FromID:          s.cfg.OAID,
		FromDisplayName: s.cfg.OAName,
		ToID:            m.GroupID,
		GroupID:         m.GroupID,
	}
	if url := imageURL(m, base); url != "" {
		it.Type = "photo"
		it.URL, it.Thumb = url, url
	}
	return it
}

// imageURL is where an image message's picture can be fetched.
func imageURL(m Message, base string) string {
	switch {
	case m.ImageURL != "":
		return m.ImageURL
	case m.AttachmentID != "":
		return base + "/_sim/attachments/" + m.AttachmentID
	}
	return ""
}

// baseURL is the scheme and host the request reached.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
