package notices

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DeliveryState is a delivery's place in queued → sending → sent, or retry,
// failed, skipped.
type DeliveryState string

const (
	DeliveryQueued  DeliveryState = "queued"
	DeliverySending DeliveryState = "sending"
	DeliverySent    DeliveryState = "sent"
	DeliveryRetry   DeliveryState = "retry"
	DeliveryFailed  DeliveryState = "failed"
	DeliverySkipped DeliveryState = "skipped"
)

// Label is the state as staff read it.
func (d DeliveryState) Label() string {
	switch d {
	case DeliveryQueued:
		return "chờ gửi"
	case DeliverySending:
		return "đang gửi"
	case DeliverySent:
		return "đã gửi"
	case DeliveryRetry:
		return "sẽ gửi lại"
	case DeliveryFailed:
		return "gửi lỗi"
	case DeliverySkipped:
		return "bỏ qua"
	case "":
		return "chưa đến lượt"
	}
	return string(d)
}

// Delivery is one message part to one hamlet's group: of an occurrence of a
// notice, or of a bulletin.
type Delivery struct {
	ID            int64
	NoticeID      int64 // 0 for a bulletin
	OccurrenceID  int64 // 0 for a bulletin
	BulletinID    int64 // 0 for a notice
	HamletID      int64
	CommuneID     int64 // the hamlet's commune, whose OA sends it; 0 if unknown
	GroupID       string
	Part, Parts   int
	Body          string
	WithImage     bool
	Priority      PriorityRank
	Status        DeliveryState
	DueAt         time.Time
	NextAttemptAt time.Time
	Attempts      int
	ClaimedAt     time.Time
	SentAt        time.Time
	MessageID     string
	ErrorCode     int
	Error         string // plain-language reason, Vietnamese
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// HamletDeliveries sums up one notice's deliveries to one hamlet.
type HamletDeliveries struct {
	Hamlet        Hamlet
	Count         map[DeliveryState]int // parts by state, over all occurrences
	Total         int
	LastSentAt    time.Time
	NextAttemptAt time.Time // earliest, among queued and retrying parts
	Error         string    // the latest reason given, for failed, retrying or skipped parts
	ErrorCode     int
	// Members is the group's member count when the latest part sent was
	// accepted by Zalo; HasMembers is false when nothing was sent or the
	// count was not known then.
	Members    int
	HasMembers bool
	// Rounds counts the occurrences (or bulletins) that made deliveries to
	// this hamlet; Last sums up the newest of them, so that a recurring
	// notice's parts are counted per occurrence (1/1 of the latest), not
	// across all (3/3 for three occurrences of one part).
	Rounds int
	Last   Round
	rounds map[[2]int64]*Round
}

// Round is one occurrence's (or bulletin's) deliveries to one hamlet.
type Round struct {
	DueAt time.Time
	Count map[DeliveryState]int
	Total int
	// Error is the latest reason given in this round, for a part not sent.
	Error     string
	ErrorCode int
	key       [2]int64 // occurrence id, bulletin id
}

// Reach sums up how far a notice went: the groups Zalo accepted at least
// one part for, and their members as counted when it was sent. Groups have
// no read receipts (zalo-oa-api.md §12): this is who could see it, not who
// read it.
type Reach struct {
	Groups         int  // groups with a part sent
	Members        int  // their members at send time, where known
	UnknownMembers int  // groups sent to whose member count was not known
	Latest         bool // counted over each hamlet's latest occurrence (a notice sent more than once)
}

// Text is the reach as staff read it: "Đã đến 6 nhóm, khoảng 345 thành
// viên", or "Lần gửi gần nhất đã đến 5 nhóm, …" for a recurring notice.
func (r Reach) Text() string {
	lead := "Đã đến"
	if r.Latest {
		lead = "Lần gửi gần nhất đã đến"
	}
	return fmt.Sprintf("%s %d nhóm, khoảng %d thành viên", lead, r.Groups, r.Members)
}

// ReachOf sums up hs. For a notice sent more than once (a recurring one)
// it counts the latest occurrence in each hamlet, as the parts line does
// ("lần gần nhất 1/1 phần"), and says so (Latest): a hamlet that failed the
// latest run is not counted as reached because an earlier run arrived.
func ReachOf(hs []HamletDeliveries) Reach {
	var r Reach
	for _, h := range hs {
		if h.Rounds > 1 {
			r.Latest = true
		}
	}
	for _, h := range hs {
		sent := h.Count[DeliverySent]
		if r.Latest {
			sent = h.Last.Count[DeliverySent]
		}
		if sent == 0 {
			continue
		}
		r.Groups++
		if h.HasMembers {
			r.Members += h.Members
		} else {
			r.UnknownMembers++
		}
	}
	return r
}

// State is the hamlet's overall state: the most urgent of failed, sending,
// retry, queued; then sent, or skipped; "" when nothing was made yet. For
// a notice sent more than once it is the state of the latest round (Last):
// a failure that a later run made good is no longer the hamlet's state.
func (h HamletDeliveries) State() DeliveryState {
	count := h.Count
	if h.Rounds > 1 {
		count = h.Last.Count
	}
	for _, s := range []DeliveryState{DeliveryFailed, DeliverySending, DeliveryRetry, DeliveryQueued, DeliverySent, DeliverySkipped} {
		if count[s] > 0 {
			return s
		}
	}
	return ""
}

// NoticeDeliveries sums up notice id's deliveries per hamlet, by hamlet
// code: every hamlet that has deliveries, and every hamlet the notice targets
// (as NoticeTargets resolves them, by hamlet id: its own commune's, or, for a
// province notice, those of the communes and commune/hamlet pairs it names)
// that has none yet. A withdrawal goes only where its original arrived
// (ReachedHamlets), so a target hamlet the original never reached is not
// listed: nothing is owed to it (WithdrawalNotNeeded names those).
func (s *Store) NoticeDeliveries(ctx context.Context, id int64) ([]HamletDeliveries, error) {
	n, err := s.Notice(ctx, id)
	if err != nil {
		return nil, err
	}
	withdraws := int64(0) // :orig, numbered 3 after ?1 and ?2: no ?3 may follow
	if n.Kind == KindCancel {
		withdraws = n.RefersTo
	}
	targets, err := s.NoticeTargets(ctx, n)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(targets))
	for i, t := range targets {
		ids[i] = strconv.FormatInt(t.HamletID, 10)
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT `+hamletColumnsH+`, d.status, d.sent_at, d.next_attempt_at, d.error, coalesce(d.error_code, 0), d.members,
			coalesce(d.occurrence_id, 0), coalesce(d.bulletin_id, 0), d.due_at
		FROM hamlets h LEFT JOIN deliveries d ON d.hamlet_id = h.id AND (d.notice_id = ?1
		     -- a low notice reaches its hamlets inside their bulletins
		     OR d.bulletin_id IN (SELECT i.bulletin_id FROM bulletin_items i JOIN occurrences o ON o.id = i.occurrence_id
		                          WHERE o.notice_id = ?1 AND i.hamlet_id = h.id))
		WHERE d.id IS NOT NULL
		   OR (',' || ?2 || ',' LIKE '%,' || h.id || ',%'
		       AND (:orig = 0 OR h.id IN (`+reachedSQL+`)))
		ORDER BY h.code, h.id, d.updated_at, d.id`, id, strings.Join(ids, ","), sql.Named("orig", withdraws))
	if err != nil {
		return nil, fmt.Errorf("deliveries of notice %d: %w", id, err)
	}
	defer rows.Close()
	var out []HamletDeliveries
	for rows.Next() {
		var status, sent, next, errText sql.NullString
		var code int
		var members sql.NullInt64
		var h Hamlet
		var created, updated, dueAt sql.NullString
		var key [2]int64
		if err := rows.Scan(&h.ID, &h.CommuneID, &h.Code, &h.Name, &h.GroupID, &h.Active, &created, &updated,
			&status, &sent, &next, &errText, &code, &members, &key[0], &key[1], &dueAt); err != nil {
			return nil, fmt.Errorf("deliveries of notice %d: %w", id, err)
		}
		if len(out) == 0 || out[len(out)-1].Hamlet.ID != h.ID {
			h.CreatedAt, _ = parseTime(created)
			h.UpdatedAt, _ = parseTime(updated)
			out = append(out, HamletDeliveries{Hamlet: h, Count: map[DeliveryState]int{}})
		}
		hd := &out[len(out)-1]
		if !status.Valid {
			continue
		}
		st := DeliveryState(status.String)
		hd.Count[st]++
		hd.Total++
		hd.round(key, dueAt, st, errText.String, code)
		if t, _ := parseTime(sent); st == DeliverySent && !t.Before(hd.LastSentAt) {
			hd.LastSentAt = t
			hd.Members, hd.HasMembers = int(members.Int64), members.Valid
		}
		if st == DeliveryQueued || st == DeliveryRetry {
			if t, _ := parseTime(next); hd.NextAttemptAt.IsZero() || t.Before(hd.NextAttemptAt) {
				hd.NextAttemptAt = t
			}
		}
		if errText.String != "" && st != DeliverySent {
			hd.Error, hd.ErrorCode = errText.String, code
		}
	}
	for i := range out {
		out[i].pickLast()
	}
	return out, rows.Err()
}

const hamletColumnsH = `h.id, h.commune_id, h.code, h.name, h.group_id, h.active, h.created_at, h.updated_at`

// round counts a delivery of state st, of the occurrence or bulletin key
// falling due at dueAt, into h's rounds.
func (h *HamletDeliveries) round(key [2]int64, dueAt sql.NullString, st DeliveryState, errText string, code int) {
	r := h.rounds[key]
	if r == nil {
		if h.rounds == nil {
			h.rounds = map[[2]int64]*Round{}
		}
		due, _ := parseTime(dueAt)
		r = &Round{DueAt: due, Count: map[DeliveryState]int{}, key: key}
		h.rounds[key] = r
		h.Rounds++
	}
	r.Count[st]++
	r.Total++
	if errText != "" && st != DeliverySent {
		r.Error, r.ErrorCode = errText, code
	}
}

// pickLast sets h.Last to the newest round that was not wholly skipped
// (a run skipped as superseded, or late, replaces nothing in the group),
// or the newest one when all were; and, for a hamlet with several rounds,
// the reason shown to that round's. This is the rule Store.Tallies and
// the retry refusal (retry.go) follow.
func (h *HamletDeliveries) pickLast() {
	var last *Round
	live := false
	for _, r := range h.rounds {
		rl := r.Count[DeliverySkipped] < r.Total
		if last == nil || rl && !live || rl == live && later(r, last) {
			last, live = r, rl
		}
	}
	if last == nil {
		return
	}
	h.Last = *last
	if h.Rounds > 1 {
		h.Error, h.ErrorCode = last.Error, last.ErrorCode
	}
}

// later orders rounds by due time, then by key for a stable choice.
func later(a, b *Round) bool {
	if !a.DueAt.Equal(b.DueAt) {
		return a.DueAt.After(b.DueAt)
	}
	return a.key[0] > b.key[0] || a.key[0] == b.key[0] && a.key[1] > b.key[1]
}

// PartsText counts the parts sent to h as staff read it: "2/3 phần", of
// the latest occurrence when there were several ("lần gần nhất 1/1 phần,
// 3 lần"); "" when nothing was made yet. unit is "phần" or "tin".
func (h HamletDeliveries) PartsText(unit string) string {
	if h.Total == 0 {
		return ""
	}
	if h.Rounds <= 1 {
		return fmt.Sprintf("%d/%d %s", h.Count[DeliverySent], h.Total, unit)
	}
	return fmt.Sprintf("lần gần nhất %d/%d %s, %d lần", h.Last.Count[DeliverySent], h.Last.Total, unit, h.Rounds)
}
