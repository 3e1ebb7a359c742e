package notices_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

func TestParseWebhookGroupID(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"recipient.group_id", `{"event_name":"user_join_group","oa_id":"9","recipient":{"id":"9","group_id":"g1"}}`, "g1"},
		{"recipient.id", `{"event_name":"user_join_group","oa_id":"9","recipient":{"id":"g2"}}`, "g2"},
		{"conversation_id", `{"event_name":"oa_send_group_text","message":{"conversation_id":"g3","msg_id":"m"}}`, "g3"},
		{"number ids", `{"event_name":"user_out_group","recipient":{"id":12345678901234567890}}`, "12345678901234567890"},
		{"1:1 event: recipient is the OA", `{"event_name":"user_send_text","oa_id":"9","recipient":{"id":"9"}}`, ""},
		{"recipient.id is the OA's", `{"event_name":"user_join_group","oa_id":"9","recipient":{"id":"9"}}`, ""},
	} {
		ev, err := notices.ParseWebhook([]byte(tc.body))
		if err != nil || ev.GroupID != tc.want {
			t.Errorf("%s: ParseWebhook(%s).GroupID = %q, %v; want %q", tc.name, tc.body, ev.GroupID, err, tc.want)
		}
	}
	for _, bad := range []string{``, `[]`, `{"app_id":"1"}`, `{"event_name":"x","timestamp":{}}`} {
		if _, err := notices.ParseWebhook([]byte(bad)); !errors.Is(err, notices.ErrWebhookBody) {
			t.Errorf("ParseWebhook(%q) = %v; want ErrWebhookBody", bad, err)
		}
	}
}

func TestParseWebhookEcho(t *testing.T) {
	ev, err := notices.ParseWebhook([]byte(`{"app_id":123,"event_name":"oa_send_group_image","timestamp":1787209817225,
		"recipient":{"id":"g1"},"message":{"msg_id":"abc","text":"Họp thôn","attachments":[{"type":"image"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ev.AppID != "123" || ev.Timestamp != "1787209817225" || ev.At.UnixMilli() != 1787209817225 ||
		ev.MsgID != "abc" || ev.Text != "Họp thôn" || !ev.Photo || ev.DedupeKey != "msg:oa_send_group_image:abc" {
		t.Errorf("ParseWebhook = %+v", ev)
	}
	plain, _ := notices.ParseWebhook([]byte(`{"event_name":"user_join_group","recipient":{"id":"g1"}}`))
	if len(plain.DedupeKey) != len("sha256:")+64 {
		t.Errorf("dedupe key without msg_id = %q; want sha256:<hex>", plain.DedupeKey)
	}
}

func TestWebhookEventsOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	hs := addHamlets(t, s, "Khóm 1")
	body := []byte(`{"event_name":"user_join_group","timestamp":"1787209817225","recipient":{"group_id":"` + hs[0].GroupID + `"}}`)
	for i := range 2 {
		ev, err := notices.ParseWebhook(body)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := s.SaveWebhookEvent(ctx, &ev)
		if err != nil || fresh != (i == 0) {
			t.Fatalf("SaveWebhookEvent #%d = %v, %v; want %v", i+1, fresh, err, i == 0)
		}
	}
	pending, err := s.PendingWebhookEvents(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("PendingWebhookEvents = %d, %v; want 1", len(pending), err)
	}
	for range 2 { // a second apply (a crash before the caller saw the first) counts nothing
		hamlet, err := s.ApplyGroupEvent(ctx, pending[0], notices.GroupJoin)
		if err != nil || hamlet != hs[0].Code {
			t.Fatalf("ApplyGroupEvent = %q, %v; want %q", hamlet, err, hs[0].Code)
		}
	}
	g, err := s.WebhookGroupByID(ctx, hs[0].GroupID)
	if err != nil || g.MemberDelta != 1 || g.Joins != 1 || g.LastEventAt.IsZero() {
		t.Fatalf("WebhookGroupByID = %+v, %v; want one join", g, err)
	}
	if pending, _ := s.PendingWebhookEvents(ctx, 10); len(pending) != 0 {
		t.Errorf("after ApplyGroupEvent %d events pending; want 0", len(pending))
	}
	stored, err := s.WebhookEventByID(ctx, 1)
	if err != nil || stored.ProcessedAt.IsZero() || stored.Outcome == "" || string(stored.Raw) != string(body) {
		t.Errorf("WebhookEventByID = %+v, %v", stored, err)
	}
}

// The webhook's group events move the group's facts that the site, the
// alarms and /healthz read: a join and a leave the member count, a
// disbanded group or a revoked permission the "gone" alarm.
func TestWebhookGroupEventsMoveGroupFacts(t *testing.T) {
	ctx := context.Background()
	s, _ := openStore(t)
	hs := addHamlets(t, s, "Khóm 1")
	gid := hs[0].GroupID
	if err := s.UpdateGroupFacts(ctx, gid, notices.GroupFacts{HasMembers: true, TotalMember: 30, MaxMember: 100,
		Status: "enabled", CheckedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	apply := func(name string, kind notices.GroupEventKind, msgID string) {
		t.Helper()
		body := []byte(`{"event_name":"` + name + `","timestamp":"1787209817225","recipient":{"group_id":"` + gid +
			`"},"message":{"msg_id":"` + msgID + `"}}`)
		ev, err := notices.ParseWebhook(body)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SaveWebhookEvent(ctx, &ev); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyGroupEvent(ctx, ev, kind); err != nil {
			t.Fatalf("ApplyGroupEvent(%s): %v", name, err)
		}
	}
	apply("user_join_group", notices.GroupJoin, "j1")
	apply("user_join_group", notices.GroupJoin, "j2")
	apply("user_out_group", notices.GroupLeave, "l1")
	f, ok, err := s.GroupFactsOf(ctx, gid)
	if err != nil || !ok || f.TotalMember != 31 {
		t.Fatalf("members after two joins and a leave = %d (%v, %v); want 31", f.TotalMember, ok, err)
	}
	apply("disperse_group", notices.GroupGone, "d1")
	f, _, _ = s.GroupFactsOf(ctx, gid)
	if f.GoneAt.IsZero() || !strings.Contains(f.GoneReason, "giải tán") {
		t.Errorf("after disperse_group: gone at %v, %q; want the group marked gone, saying it was disbanded", f.GoneAt, f.GoneReason)
	}
}
