package zalosim

import (
	"net/http"
)

// MaxConversationCount is the most items GET /v3.0/oa/group/conversation
// serves per request, whatever count asks. Zalo's group page gives a default
// of 5 and no maximum; its sibling 1:1 history allows at most 10 (§12), so
// the simulator holds clients to 10 and they must page with offset.
const MaxConversationCount = 10

// historyItem is one entry of GET /v3.0/oa/group/conversation, in the shapes
// of Zalo's page (§12): every item has src (0 the OA, 1 a member), time
// (epoch ms, a number), type, message_id, from_id, from_display_name,
// from_avatar and group_id. A text item carries message; a photo item
// carries thumb, url and description (the caption) and no message.
type historyItem struct {
	Src             int     `json:"src"`
	Time            int64   `json:"time"`
	Type            string  `json:"type"`
	Message         *string `json:"message,omitempty"`
	Thumb           string  `json:"thumb,omitempty"`
	URL             string  `json:"url,omitempty"`
	Description     *string `json:"description,omitempty"`
	MessageID       string  `json:"message_id"`
	FromID          string  `json:"from_id"`
	FromDisplayName string  `json:"from_display_name"`
	FromAvatar      string  `json:"from_avatar"`
	GroupID         string  `json:"group_id"`
}

// handleConversation is GET /v3.0/oa/group/conversation?group_id=&offset=&count=
// (plain query parameters). data is a list, newest first, of at most
// MaxConversationCount items; count defaults to 5.
func (s *Server) handleConversation(r *http.Request, oa *oaState) answer {
	p := queryParams(r)
	if p["group_id"] == "" {
		return invalidField("group_id")
	}
	offset, ok1 := p.intParam("offset", 0)
	count, ok2 := p.intParam("count", 5)
	if !ok1 {
		return invalidField("offset")
	}
	if !ok2 || count == 0 {
		return invalidField("count")
	}
	count = min(count, MaxConversationCount)
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.groupOfLocked(oa, p["group_id"])
	if !found {
		return apiError(CodeNotInGroup, codeMessage(CodeNotInGroup))
	}
	items := []historyItem{}
	for i := len(g.messages) - 1 - offset; i >= 0 && len(items) < count; i-- {
		items = append(items, s.historyItemLocked(g, g.messages[i], baseURL(r)))
	}
	return ok(items)
}

func (s *Server) historyItemLocked(g *groupState, m Message, base string) historyItem {
	text := m.Text
	it := historyItem{
		Src:             0,
		Time:            m.Time.UnixMilli(),
		Type:            "text",
		MessageID:       m.ID,
		FromID:          g.oa.id,
		FromDisplayName: g.oa.name,
		FromAvatar:      base + "/_sim/static/avatar.svg",
		GroupID:         m.GroupID,
	}
	if !m.FromOA() {
		it.Src, it.FromID, it.FromDisplayName = 1, m.FromID, m.FromName
	}
	if url := imageURL(m, base); url != "" {
		it.Type = "photo"
		it.URL, it.Thumb = url, url
		it.Description = &text
	} else {
		it.Message = &text
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
