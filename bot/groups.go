package bot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Group management and history (zalo-oa-api.md §3).

// Group is one of the OA's group chats.
type Group struct {
	GroupID     string
	Name        string
	Description string
	Link        string
	Avatar      string
	Status      string // "enabled" or "disabled"
	TotalMember int
}

// GroupDetail is GroupInfo's answer.
type GroupDetail struct {
	Group
	MaxMember int

	AssetID           string
	AssetValidThrough string // as Zalo sends it
	// ValidThrough is when the package ends, read from AssetValidThrough:
	// for the documented "dd/mm/yyyy" (or "yyyy-mm-dd") the start, in
	// Vietnam's zone, of the last day it is valid; for epoch milliseconds
	// (or seconds) that instant. Zero when absent or unreadable.
	ValidThrough   time.Time
	AssetAutoRenew bool

	LockSendMsg      bool // announcement-only group
	JoinApproval     bool
	EnableMsgHistory bool
	EnableLinkJoin   bool
}

// ConversationItem is one message of a group's history. Its words are in
// Message for a text item and in Description (the caption) for a photo,
// which has no message (§12).
type ConversationItem struct {
	MessageID       string
	FromID          string
	FromDisplayName string
	Src             int // 0: sent by the OA, 1: sent by a user
	Type            string
	Message         string
	Description     string // a photo's caption
	URL             string // a photo's (or GIF's, sticker's, voice message's) address
	Thumb           string
	Time            time.Time
}

// IsPhoto reports whether the item is an image message.
func (it ConversationItem) IsPhoto() bool { return it.Type == "photo" }

// FromOA reports whether the OA sent the message.
func (it ConversationItem) FromOA() bool { return it.Src == 0 }

type groupJSON struct {
	GroupID     flexString `json:"group_id"`
	Name        string     `json:"name"`
	Description string     `json:"group_description"`
	Link        string     `json:"group_link"`
	Avatar      string     `json:"avatar"`
	Status      string     `json:"status"`
	TotalMember flexInt    `json:"total_member"`
	MaxMember   flexInt    `json:"max_member"`
}

func (g groupJSON) group() Group {
	return Group{GroupID: string(g.GroupID), Name: g.Name, Description: g.Description, Link: g.Link,
		Avatar: g.Avatar, Status: g.Status, TotalMember: int(g.TotalMember)}
}

type groupsPage struct {
	Offset     flexInt     `json:"offset"`
	Count      flexInt     `json:"count"`
	Total      flexInt     `json:"total"`
	GroupCount flexInt     `json:"group_count"`
	Groups     []groupJSON `json:"groups"`
}

// groupPageSize is how many groups ListGroups asks for per page.
const groupPageSize = 50

// ListGroups returns all the OA's groups, walking every page of
// GET /v3.0/oa/group/getgroupsofoa?offset=&count=.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	var all []Group
	seen := make(map[string]bool)
	for offset := 0; ; {
		var page groupsPage
		err := c.do(ctx, call{
			op:     "list groups",
			method: http.MethodGet,
			path:   "/v3.0/oa/group/getgroupsofoa",
			query:  url.Values{"offset": {strconv.Itoa(offset)}, "count": {strconv.Itoa(groupPageSize)}},
			empty:  true,
		}, &page)
		if err != nil {
			return nil, err
		}
		fresh := 0
		for _, g := range page.Groups {
			if seen[string(g.GroupID)] {
				continue
			}
			seen[string(g.GroupID)] = true
			all = append(all, g.group())
			fresh++
		}
		offset += len(page.Groups)
		total := int(page.Total)
		if total == 0 {
			total = int(page.GroupCount)
		}
		switch {
		case len(page.Groups) == 0, fresh == 0: // end, or a server that ignores offset
			return all, nil
		case total > 0 && offset >= total:
			return all, nil
		case total == 0 && len(page.Groups) < groupPageSize:
			return all, nil
		}
		if len(all) > 1_000_000 {
			return nil, fmt.Errorf("list groups: more than a million groups; giving up")
		}
	}
}

type groupInfoAnswer struct {
	GroupInfo groupJSON `json:"group_info"`
	AssetInfo struct {
		AssetID      flexString `json:"asset_id"`
		ValidThrough flexString `json:"valid_through"`
		AutoRenew    flexBool   `json:"auto_renew"`
	} `json:"asset_info"`
	GroupSetting struct {
		LockSendMsg      flexBool `json:"lock_send_msg"`
		JoinAppr         flexBool `json:"join_appr"`
		EnableMsgHistory flexBool `json:"enable_msg_history"`
		EnableLinkJoin   flexBool `json:"enable_link_join"`
	} `json:"group_setting"`
}

// GroupInfo returns one group's details (GET /v3.0/oa/group/getgroup).
func (c *Client) GroupInfo(ctx context.Context, groupID string) (GroupDetail, error) {
	var ans groupInfoAnswer
	err := c.do(ctx, call{
		op:     "group info",
		method: http.MethodGet,
		path:   "/v3.0/oa/group/getgroup",
		query:  url.Values{"group_id": {groupID}},
		group:  groupID,
	}, &ans)
	if err != nil {
		return GroupDetail{}, err
	}
	d := GroupDetail{
		Group:             ans.GroupInfo.group(),
		MaxMember:         int(ans.GroupInfo.MaxMember),
		AssetID:           string(ans.AssetInfo.AssetID),
		AssetValidThrough: string(ans.AssetInfo.ValidThrough),
		ValidThrough:      ParseValidThrough(string(ans.AssetInfo.ValidThrough)),
		AssetAutoRenew:    bool(ans.AssetInfo.AutoRenew),
		LockSendMsg:       bool(ans.GroupSetting.LockSendMsg),
		JoinApproval:      bool(ans.GroupSetting.JoinAppr),
		EnableMsgHistory:  bool(ans.GroupSetting.EnableMsgHistory),
		EnableLinkJoin:    bool(ans.GroupSetting.EnableLinkJoin),
	}
	if d.GroupID == "" {
		d.GroupID = groupID
	}
	return d, nil
}

// vietnam is Zalo's zone (UTC+7, no daylight saving), in which its
// dd/mm/yyyy dates are written.
var vietnam = time.FixedZone("ICT", 7*3600)

// ParseValidThrough reads getgroup's asset_info.valid_through in each form
// seen (§12): the documented "dd/mm/yyyy" (also "d/m/yyyy" and
// "yyyy-mm-dd"), read as the start of that day in Vietnam's zone, and epoch
// milliseconds or seconds. It returns the zero time for an empty or
// unreadable value.
func ParseValidThrough(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{"02/01/2006", "2/1/2006", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, vietnam); err == nil {
			return t
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil || n <= 0:
		return time.Time{}
	case n >= 1e11: // milliseconds: 1e11 ms is 1973, 1e11 s is year 5138
		return time.UnixMilli(n)
	default:
		return time.Unix(n, 0)
	}
}

type conversationJSON struct {
	Src             flexInt    `json:"src"`
	Time            flexInt    `json:"time"`
	Type            string     `json:"type"`
	Message         flexString `json:"message"`
	Description     flexString `json:"description"`
	URL             string     `json:"url"`
	Thumb           string     `json:"thumb"`
	MessageID       flexString `json:"message_id"`
	FromID          flexString `json:"from_id"`
	FromDisplayName string     `json:"from_display_name"`
}

// MaxConversationPage is the most items GroupConversationPage asks for:
// Zalo's group page gives no maximum, its sibling 1:1 history allows 10
// (§12), so larger pages are not relied on.
const MaxConversationPage = 10

// GroupConversation returns the group's latest count messages (at most
// MaxConversationPage), newest first.
func (c *Client) GroupConversation(ctx context.Context, groupID string, count int) ([]ConversationItem, error) {
	return c.GroupConversationPage(ctx, groupID, 0, count)
}

// GroupConversationPage returns up to count messages of the group's
// history (at most MaxConversationPage), newest first, skipping the offset
// newest (GET /v3.0/oa/group/conversation?group_id=&offset=&count=). Zalo
// may answer fewer than asked; only an empty page is the end of the
// history. The dispatcher pages through it to reconcile sends whose outcome
// is unknown.
func (c *Client) GroupConversationPage(ctx context.Context, groupID string, offset, count int) ([]ConversationItem, error) {
	if count <= 0 || count > MaxConversationPage {
		count = MaxConversationPage
	}
	offset = max(offset, 0)
	var items []conversationJSON
	err := c.do(ctx, call{
		op:     "group conversation",
		method: http.MethodGet,
		path:   "/v3.0/oa/group/conversation",
		query: url.Values{"group_id": {groupID}, "offset": {strconv.Itoa(offset)},
			"count": {strconv.Itoa(count)}},
		group: groupID,
		empty: true,
	}, &items)
	if err != nil {
		return nil, err
	}
	out := make([]ConversationItem, 0, len(items))
	for _, it := range items {
		out = append(out, ConversationItem{
			MessageID:       string(it.MessageID),
			FromID:          string(it.FromID),
			FromDisplayName: it.FromDisplayName,
			Src:             int(it.Src),
			Type:            it.Type,
			Message:         string(it.Message),
			Description:     string(it.Description),
			URL:             it.URL,
			Thumb:           it.Thumb,
			Time:            msTime(it.Time),
		})
	}
	return out, nil
}
