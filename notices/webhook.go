package notices

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// WebhookEvent is one event Zalo posted to /zalo/webhook (zalo-oa-api.md
// §8, §12), as parsed from its raw body and as stored in webhook_events.
type WebhookEvent struct {
	ID          int64
	ReceivedAt  time.Time
	Name        string // event_name
	DedupeKey   string // see dedupeKey
	GroupID     string // the group it is about, or ""
	Raw         []byte // the exact bytes Zalo signed
	ProcessedAt time.Time
	Outcome     string

	// Read from Raw.
	AppID     string    // app_id as written (the first term of the signature)
	OAID      string    // oa_id, when present (an undocumented first term, §11.1)
	Timestamp string    // timestamp as written (the third term)
	At        time.Time // timestamp as epoch milliseconds; zero when unreadable
	MsgID     string    // message.msg_id
	Text      string    // message.text (a photo's caption)
	Photo     bool      // an image or GIF message
	UserID    string    // sender.id, or the user a group event is about
}

// webhookBody is the part of an event's body loaxa reads; everything else
// stays in Raw.
type webhookBody struct {
	AppID     flexText `json:"app_id"`
	OAID      flexText `json:"oa_id"`
	EventName string   `json:"event_name"`
	Timestamp flexText `json:"timestamp"`
	GroupID   flexText `json:"group_id"`
	Sender    struct {
		ID flexText `json:"id"`
	} `json:"sender"`
	Recipient struct {
		ID      flexText `json:"id"`
		GroupID flexText `json:"group_id"`
	} `json:"recipient"`
	Message struct {
		MsgID          flexText `json:"msg_id"`
		Text           string   `json:"text"`
		Caption        string   `json:"caption"`
		ConversationID flexText `json:"conversation_id"`
		Attachments    []struct {
			Type string `json:"type"`
		} `json:"attachments"`
	} `json:"message"`
}

// flexText is a JSON string or number kept as written: Zalo writes ids and
// timestamps as strings, some integrators' examples as numbers (§0), and
// the signature hashes the text.
type flexText string

func (f *flexText) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexText(s)
	case string(b) == "null":
		*f = ""
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*f = flexText(n.String())
	}
	return nil
}

// ErrWebhookBody is returned by ParseWebhook for a body that is not a
// Zalo event.
var ErrWebhookBody = errors.New("not a Zalo webhook event")

// ParseWebhook reads an event's raw body. The group id is taken from each
// place integrators report it (§12): recipient.group_id,
// message.conversation_id, a top-level group_id, then recipient.id unless
// that is the OA's own id (a 1:1 event).
func ParseWebhook(raw []byte) (WebhookEvent, error) {
	var b webhookBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return WebhookEvent{}, fmt.Errorf("%w: %v", ErrWebhookBody, err)
	}
	if b.EventName == "" {
		return WebhookEvent{}, fmt.Errorf("%w: no event_name", ErrWebhookBody)
	}
	ev := WebhookEvent{
		Name:      b.EventName,
		Raw:       raw,
		AppID:     string(b.AppID),
		OAID:      string(b.OAID),
		Timestamp: string(b.Timestamp),
		MsgID:     string(b.Message.MsgID),
		Text:      b.Message.Text,
		UserID:    string(b.Sender.ID),
	}
	if ev.Text == "" {
		ev.Text = b.Message.Caption
	}
	if ms, err := strconv.ParseInt(ev.Timestamp, 10, 64); err == nil && ms > 0 {
		ev.At = time.UnixMilli(ms).UTC()
	}
	for _, g := range []flexText{b.Recipient.GroupID, b.Message.ConversationID, b.GroupID} {
		if g != "" {
			ev.GroupID = string(g)
			break
		}
	}
	if ev.GroupID == "" && b.Recipient.ID != "" && b.Recipient.ID != b.OAID && IsGroupEvent(ev.Name) {
		ev.GroupID = string(b.Recipient.ID)
	}
	ev.Photo = strings.HasSuffix(ev.Name, "_image") || strings.HasSuffix(ev.Name, "_gif")
	for _, a := range b.Message.Attachments {
		if a.Type == "image" || a.Type == "gif" {
			ev.Photo = true
		}
	}
	ev.DedupeKey = dedupeKey(ev)
	return ev, nil
}

// dedupeKey is "msg:<event_name>:<msg_id>" when the event carries a
// message id (§8: dedupe on message.msg_id), else "sha256:<raw body>": a
// retry carries the same body.
func dedupeKey(ev WebhookEvent) string {
	if ev.MsgID != "" {
		return "msg:" + ev.Name + ":" + ev.MsgID
	}
	sum := sha256.Sum256(ev.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// IsGroupEvent reports whether an event name is one of the group (GMF)
// events of §8 and §12.
func IsGroupEvent(name string) bool {
	if strings.HasPrefix(name, "oa_send_group_") || strings.HasPrefix(name, "user_send_group_") {
		return true
	}
	switch name {
	case "create_group", "user_join_group", "user_request_join_group", "react_request_join_group_accept",
		"react_request_join_group_reject", "reject_request_join_group", "add_group_admin", "remove_group_admin",
		"update_group_info", "user_leave_group", "user_out_group", "delete_group", "disperse_group",
		"permission_revoked":
		return true
	}
	return false
}

// IsGroupEcho reports whether an event is the OA's own group send echoed
// back (oa_send_group_*, any suffix): proof that the message went out.
func IsGroupEcho(name string) bool { return strings.HasPrefix(name, "oa_send_group_") }

// SaveWebhookEvent stores a checked event, unprocessed, unless one with
// the same dedupe key is stored already; fresh reports whether it was new.
func (s *Store) SaveWebhookEvent(ctx context.Context, ev *WebhookEvent) (fresh bool, err error) {
	err = s.commit(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_events (received_at, event_name, dedupe_key, group_id, raw_body)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
			fmtTime(tx.Now), ev.Name, ev.DedupeKey, ev.GroupID, ev.Raw)
		if err != nil {
			return fmt.Errorf("store webhook event %s: %w", ev.Name, err)
		}
		n, _ := res.RowsAffected()
		if fresh = n == 1; fresh {
			ev.ID, _ = res.LastInsertId()
			ev.ReceivedAt = tx.Now
		}
		return nil
	})
	return fresh, err
}

// PendingWebhookEvents returns up to limit stored events not processed
// yet, oldest first, parsed.
func (s *Store) PendingWebhookEvents(ctx context.Context, limit int) ([]WebhookEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, received_at, raw_body FROM webhook_events
		WHERE processed_at IS NULL ORDER BY id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list unprocessed webhook events: %w", err)
	}
	defer rows.Close()
	var out []WebhookEvent
	for rows.Next() {
		var id int64
		var received sql.NullString
		var raw []byte
		if err := rows.Scan(&id, &received, &raw); err != nil {
			return nil, fmt.Errorf("list unprocessed webhook events: %w", err)
		}
		ev, err := ParseWebhook(raw)
		if err != nil {
			// Stored only after parsing, so the row was changed since:
			// handed back without a name, to be finished as unreadable.
			ev = WebhookEvent{Raw: raw}
		}
		ev.ID = id
		ev.ReceivedAt, _ = parseTime(received)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// WebhookEventByID returns a stored event as stored (not parsed again).
func (s *Store) WebhookEventByID(ctx context.Context, id int64) (*WebhookEvent, error) {
	var ev WebhookEvent
	var received, processed sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id, received_at, event_name, dedupe_key, group_id, raw_body,
		processed_at, outcome FROM webhook_events WHERE id = ?`, id).
		Scan(&ev.ID, &received, &ev.Name, &ev.DedupeKey, &ev.GroupID, &ev.Raw, &processed, &ev.Outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("webhook event %d: %w", id, err)
	}
	ev.ReceivedAt, _ = parseTime(received)
	ev.ProcessedAt, _ = parseTime(processed)
	return &ev, nil
}

// FinishWebhookEvent marks an event processed with what came of it.
func (s *Store) FinishWebhookEvent(ctx context.Context, id int64, outcome string) error {
	return s.commit(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_events SET processed_at = ?, outcome = ?
			WHERE id = ? AND processed_at IS NULL`, fmtTime(tx.Now), outcome, id)
		if err != nil {
			return fmt.Errorf("finish webhook event %d: %w", id, err)
		}
		return nil
	})
}
