package zalosim

import (
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// AddGroup adds a group the default OA owns, or updates its name and state;
// AddGroupTo adds one to another OA. It fails when another OA owns the
// group.
func (s *Server) AddGroup(g Group) error { return s.AddGroupTo("", g) }

// Groups returns every OA's groups in the order they were added (GroupsOf
// gives one OA's).
func (s *Server) Groups() []Group {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Group, len(s.groups))
	for i, g := range s.groups {
		out[i] = g.Group
	}
	return out
}

// Messages returns the messages the OA posted to a group, oldest first.
func (s *Server) Messages(groupID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byID[groupID]
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range g.messages {
		if m.FromOA() {
			out = append(out, m)
		}
	}
	return out
}

// Chat returns every message of a group, the OA's and its members',
// oldest first.
func (s *Server) Chat(groupID string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byID[groupID]
	if !ok {
		return nil
	}
	return append([]Message(nil), g.messages...)
}

// PostAsMember adds a message from a member to a group's chat, as residents
// talking in a busy group do; it is not one of the OA's sends. It reports
// false when the group is unknown.
func (s *Server) PostAsMember(groupID, name, text string) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byID[groupID]
	if !ok {
		return Message{}, false
	}
	if name == "" {
		name = "Cư dân"
	}
	m := Message{ID: randomHex(10), GroupID: groupID, OAID: g.oa.id, Text: text, Time: s.now(),
		FromID: "87" + randomDigits(17), FromName: name}
	g.messages = append(g.messages, m)
	g.MembersPost = true
	s.stats.MemberPosts++
	return m, true
}

// AllMessages returns every message the OAs posted, in the order received.
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
					Width        int    `json:"width"`
					Height       int    `json:"height"`
				} `json:"elements"`
			} `json:"payload"`
		} `json:"attachment"`
	} `json:"message"`
}

// handleGroupMessage is POST /v3.0/oa/group/message: text, or an image by
// attachment_id or url with its caption.
func (s *Server) handleGroupMessage(r *http.Request, oa *oaState) answer {
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
	// Text and image messages both require text: the body of one, the
	// caption of the other (§12, "text … yes" on both pages).
	if m.Text == "" {
		return invalidField("message.text")
	}
	if a := req.Message.Attachment; a != nil {
		// §12: "type=template" is required; template_type "media" with at
		// most one element, media_type "image" or "gif" (gif with its size).
		if a.Type != "template" {
			return invalidField("message.attachment.type")
		}
		if a.Payload.TemplateType != "media" {
			return invalidField("message.attachment.payload.template_type")
		}
		if len(a.Payload.Elements) != 1 {
			return invalidField("message.attachment.payload.elements")
		}
		e := a.Payload.Elements[0]
		switch {
		case e.MediaType == "gif" && (e.Width <= 0 || e.Height <= 0):
			return invalidField("message.attachment.payload.elements.width")
		case e.MediaType != "image" && e.MediaType != "gif":
			return apiError(CodeMessageType, codeMessage(CodeMessageType))
		}
		switch {
		case e.AttachmentID != "" && e.URL != "": // "only one of attachment_id or url"
			return invalidField("message.attachment.payload.elements.url")
		case e.AttachmentID != "":
			m.AttachmentID = e.AttachmentID
		case isHTTPURL(e.URL):
			m.ImageURL = e.URL
		default:
			return invalidField("message.attachment.payload.elements.attachment_id")
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.groupOfLocked(oa, m.GroupID)
	if !found {
		return apiError(CodeNotInGroup, codeMessage(CodeNotInGroup))
	}
	if s.disabledLocked(g) {
		return apiError(CodeGroupDisabled, codeMessage(CodeGroupDisabled))
	}
	now := s.now()
	if m.AttachmentID != "" {
		img, found := s.images[m.AttachmentID]
		if !found || img.oa != oa { // an attachment belongs to the OA that uploaded it

			return invalidField("attachment_id")
		}
		if !now.Before(img.uploaded.Add(AttachmentTTL)) {
			return apiError(CodeAttachmentExpired, codeMessage(CodeAttachmentExpired))
		}
	}
	m.ID = randomHex(10)
	m.Time = now
	m.OAID = oa.id
	g.messages = append(g.messages, m)
	s.messages = append(s.messages, m)
	s.stats.Sends++
	oa.stats.Sends++
	s.echoLocked(oa, m) // oa_send_group_* to the webhook URL, if any (webhook.go)
	return ok(struct {
		MessageID string `json:"message_id"`
		GroupID   string `json:"group_id"`
	}{m.ID, m.GroupID})
}

// params are the plain query parameters of the group GETs. Zalo's pages
// for getgroupsofoa, getgroup and conversation give them as plain query
// parameters (§12, settling §11.2); a data= JSON object is not read, so a
// client that sends one gets Zalo's answer to a request without them.
type params map[string]string

func queryParams(r *http.Request) params {
	q := r.URL.Query()
	p := params{}
	for k := range q {
		p[k] = q.Get(k)
	}
	return p
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
// It lists the groups of the OA the access token is for.
func (s *Server) handleGroupsOfOA(r *http.Request, oa *oaState) answer {
	p := queryParams(r)
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
	for i := offset; i < len(oa.groups) && i < offset+count; i++ {
		items = append(items, s.groupItemLocked(oa.groups[i]))
	}
	return ok(struct {
		Offset     int         `json:"offset"`
		Count      int         `json:"count"`
		Total      int         `json:"total"`
		GroupCount int         `json:"group_count"`
		Groups     []groupItem `json:"groups"`
	}{offset, count, len(oa.groups), len(items), items})
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
	if s.disabledLocked(g) {
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
func (s *Server) handleGroupInfo(r *http.Request, oa *oaState) answer {
	p := queryParams(r)
	if p["group_id"] == "" {
		return invalidField("group_id")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, found := s.groupOfLocked(oa, p["group_id"])
	if !found {
		return apiError(CodeNotInGroup, codeMessage(CodeNotInGroup))
	}
	gi := s.groupItemLocked(g)
	validThrough := g.ValidThrough
	switch {
	case !validThrough.IsZero():
	case g.Disabled:
		validThrough = s.now().AddDate(0, 0, -1)
	default:
		validThrough = g.added.AddDate(1, 0, 0)
	}
	maxMember := g.MaxMember
	if maxMember <= 0 {
		maxMember = 100
	}
	// Shapes as in Zalo's example (§12): total_member a number, max_member
	// and auto_renew strings, valid_through "dd/mm/yyyy"; the settings are
	// booleans.
	type groupInfo struct {
		groupItem
		MaxMember string `json:"max_member"`
	}
	return ok(map[string]any{
		"group_info": groupInfo{gi, strconv.Itoa(maxMember)},
		"asset_info": map[string]any{
			"asset_id":      "gmf" + strconv.Itoa(maxMember) + "-" + g.ID,
			"valid_through": validThrough.In(vietnam).Format("02/01/2006"),
			"auto_renew":    strconv.FormatBool(g.AutoRenew),
		},
		"group_setting": map[string]any{
			"lock_send_msg":      !g.MembersPost,
			"join_appr":          true,
			"enable_msg_history": true,
			"enable_link_join":   false,
		},
	})
}

// groupOfLocked returns a group oa owns. A group of another OA is one the
// OA is not in: Zalo answers -403 "OA is not in group" for it as for an
// unknown id (§3, §6), and the simulator counts it in the OA's NotInGroup.
func (s *Server) groupOfLocked(oa *oaState, id string) (*groupState, bool) {
	g, found := s.byID[id]
	if !found || g.oa != oa {
		oa.stats.NotInGroup++
		return nil, false
	}
	return g, true
}

func isHTTPURL(s string) bool {
	return len(s) > 8 && (s[:7] == "http://" || s[:8] == "https://")
}
