package zalosim

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// AddGroup adds a group the OA owns, or updates its name and state.
func (s *Server) AddGroup(g Group) {
	if g.Members <= 0 {
		g.Members = 25
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byID[g.ID]; ok {
		old.Group = g
		return
	}
	gs := &groupState{Group: g}
	s.groups = append(s.groups, gs)
	s.byID[g.ID] = gs
}

// Groups returns the OA's groups in the order they were added.
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, len(s.groups))
	for i, g := range s.groups {
		out[i] = g.Group
	}
	return out
}

// Messages returns the messages recorded for a group, oldest first.
func (s *Server) Messages(groupID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byID[groupID]
	if !ok {
		return nil
	}
	return append([]Message(nil), g.messages...)
}

// AllMessages returns every recorded message, in the order received.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// sendRequest is the body of POST /v3.0/oa/group/message.
type sendRequest struct {
	Recipient struct {
		GroupID string `json:"group_id"`
	} `json:"recipient"`
	Message *struct {
		Text       string `json:"text"`
		Attachment *struct {
			Type    string `json:"type"`
			Payload struct {
				TemplateType string `json:"template_type"`
				Elements     []struct {
					MediaType    string `json:"media_type"`
					AttachmentID string `json:"attachment_id"`
					URL          string `json:"url"`
				} `json:"elements"`
			} `json:"payload"`
		} `json:"attachment"`
	} `json:"message"`
}

// handleGroupMessage is POST /v3.0/oa/group/message: text, or an image by
// attachment_id or url with an optional caption.
func (s *Server) handleGroupMessage(r *http.Request) answer {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		return invalidField("Content-Type")
	}
	var req sendRequest
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&req); err != nil {
		return invalidField("body")
	}
	if req.Recipient.GroupID == "" {
		return invalidField("recipient.group_id")
	}
	if req.Message == nil {
		return invalidField("message")
	}
	m := Message{GroupID: req.Recipient.GroupID, Text: req.Message.Text}
	if utf8.RuneCountInString(norm.NFC.String(m.Text)) > MaxTextRunes {
		return apiError(CodeParamExceedsLimit, "param exceeds limit: message.text is longer than 2000 characters")
	}
	if a := req.Message.Attachment; a != nil {
		if a.Type != "template" && a.Type != "image" {
			return apiError(CodeMessageType, codeMessage(CodeMessageType))
		}
		if a.Type == "template" && a.Payload.TemplateType != "media" {
			return invalidField("message.attachment.payload.template_type")
		}
		if len(a.Payload.Elements) != 1 {
			return invalidField("message.attachment.payload.elements")
		}
		e := a.Payload.Elements[0]
		if e.MediaType != "image" {
			return apiError(CodeMessageType, codeMessage(CodeMessageType))
		}
		switch {
		case e.AttachmentID != "":
			m.AttachmentID = e.AttachmentID
		case isHTTPURL(e.URL):
			m.ImageURL = e.URL
		default:
			return invalidField("message.attachment.payload.elements.attachment_id")
		}
	} else if m.Text == "" {
		return invalidField("message.text")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.byID[m.GroupID]
	if !found {
		return apiError(CodeNotInGroup, codeMessage(CodeNotInGroup))
	}
	if g.Disabled {
		return apiError(CodeGroupDisabled, codeMessage(CodeGroupDisabled))
	}
	now := s.now()
	if m.AttachmentID != "" {
		img, found := s.images[m.AttachmentID]
		if !found {
			return invalidField("attachment_id")
		}
		if !now.Before(img.uploaded.Add(AttachmentTTL)) {
			return apiError(CodeAttachmentExpired, codeMessage(CodeAttachmentExpired))
		}
	}
	m.ID = randomHex(10)
	m.Time = now
	g.messages = append(g.messages, m)
	s.messages = append(s.messages, m)
	s.stats.Sends++
	return ok(struct {
		MessageID string `json:"message_id"`
		GroupID   string `json:"group_id"`
	}{m.ID, m.GroupID})
}

// params reads GET parameters given either as a plain query or as one
// URL-encoded JSON object in data= (zalo-oa-api.md §0, §11.2).
type params map[string]string

func readParams(r *http.Request) (params, bool) {
	q := r.URL.Query()
	p := params{}
	for k := range q {
		p[k] = q.Get(k)
	}
	if d := q.Get("data"); d != "" {
		var m map[string]any
		if err := json.Unmarshal([]byte(d), &m); err != nil {
			return nil, false
		}
		for k, v := range m {
			switch v := v.(type) {
			case string:
				p[k] = v
			case float64:
				p[k] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
	}
	return p, true
}

// intParam reads a non-negative integer, def when absent.
func (p params) intParam(name string, def int) (int, bool) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// handleGroupsOfOA is GET /v3.0/oa/group/getgroupsofoa?offset=&count=.
func (s *Server) handleGroupsOfOA(r *http.Request) answer {
	p, okp := readParams(r)
	if !okp {
		return invalidField("data")
	}
	offset, ok1 := p.intParam("offset", 0)
	count, ok2 := p.intParam("count", 5)
	if !ok1 {
		return invalidField("offset")
	}
	if !ok2 || count == 0 {
		return invalidField("count")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []groupItem{}
	for i := offset; i < len(s.groups) && i < offset+count; i++ {
		items = append(items, s.groupItemLocked(s.groups[i]))
	}
	return ok(struct {
		Offset     int         `json:"offset"`
		Count      int         `json:"count"`
		Total      int         `json:"total"`
		GroupCount int         `json:"group_count"`
		Groups     []groupItem `json:"groups"`
	}{offset, count, len(s.groups), len(items), items})
}

type groupItem struct {
	GroupID          string `json:"group_id"`
	Name             string `json:"name"`
	Avatar           string `json:"avatar"`
	GroupLink        string `json:"group_link"`
	GroupDescription string `json:"group_description"`
	TotalMember      int    `json:"total_member"`
	Status           string `json:"status"`
}

func (s *Server) groupItemLocked(g *groupState) groupItem {
	status := "enabled"
	if g.Disabled {
		status = "disabled"
	}
	return groupItem{
		GroupID:          g.ID,
		Name:             g.Name,
		Avatar:           "",
		GroupLink:        "https://zalo.me/g/" + g.ID,
		GroupDescription: "Nhóm thông báo " + g.Name,
		TotalMember:      g.Members,
		Status:           status,
	}
}

// handleGroupInfo is GET /v3.0/oa/group/getgroup?group_id=.
func (s *Server) handleGroupInfo(r *http.Request) answer {
	p, okp := readParams(r)
	if !okp || p["group_id"] == "" {
		return invalidField("group_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.byID[p["group_id"]]
	if !found {
		return apiError(CodeNotInGroup, codeMessage(CodeNotInGroup))
	}
	gi := s.groupItemLocked(g)
	validThrough := s.now().AddDate(1, 0, 0)
	if g.Disabled {
		validThrough = s.now().AddDate(0, 0, -1)
	}
	if !g.PackageExpires.IsZero() {
		validThrough = g.PackageExpires
	}
	type groupInfo struct {
		groupItem
		MaxMember int `json:"max_member"`
	}
	return ok(map[string]any{
		"group_info": groupInfo{gi, 100},
		"asset_info": map[string]any{
			"asset_id":      "gmf100-" + g.ID,
			"valid_through": strconv.FormatInt(validThrough.UnixMilli(), 10),
			"auto_renew":    false,
		},
		"group_setting": map[string]any{
			"lock_send_msg":      true,
			"join_appr":          true,
			"enable_msg_history": true,
			"enable_link_join":   false,
		},
	})
}

func isHTTPURL(s string) bool {
	return len(s) > 8 && (s[:7] == "http://" || s[:8] == "https://")
}
