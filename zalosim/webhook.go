package zalosim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhooks, as zalo-oa-api.md §8 and §12 describe them: Zalo POSTs each
// event as JSON to the app's webhook URL with
//
//	x-zevent-signature: mac=<hex(sha256(app_id + body + timestamp + OA Secret Key))>
//
// (plain SHA-256 of the concatenation, app_id and timestamp as written in
// the body), x-zevent-server: OA OpenAPI and user-agent: ZaloWebhook. The
// simulator sends the OA's own group sends echoed back (oa_send_group_text,
// oa_send_group_image with the caption as message.text, msg_id = the
// message_id the send answered) and, from POST /_sim/webhook, any event.
// It does not retry a delivery that was not answered 200 (Zalo does, on a
// ladder the sources disagree about); each delivery is recorded with its
// answer.

// WebhookTimeout is how long the simulator waits for the receiver's answer.
// Zalo wants one within 2 s (§8); a slower answer is recorded as Late.
const WebhookTimeout = 5 * time.Second

// WebhookDelivery is one event the simulator posted and what came of it.
type WebhookDelivery struct {
	Event   string        `json:"event_name"`
	OAID    string        `json:"oa_id"` // the OA the event is about
	GroupID string        `json:"group_id,omitempty"`
	MsgID   string        `json:"msg_id,omitempty"`
	Body    string        `json:"body"`
	Status  int           `json:"status"`          // the HTTP status answered, 0 when none
	Error   string        `json:"error,omitempty"` // why there was no answer
	Took    time.Duration `json:"took_ns"`
	Late    bool          `json:"late"` // answered after Zalo's 2 s
	Forged  bool          `json:"forged,omitempty"`
}

// webhooks is the simulator's webhook state, guarded by its own lock so
// that deliveries never wait on the API's.
type webhooks struct {
	mu        sync.Mutex
	url       string
	secret    string
	delivered []WebhookDelivery
	closed    bool // Close was called: no new echoes
	wg        sync.WaitGroup
	client    *http.Client
}

// SetWebhook sets the URL events are posted to and the OA Secret Key that
// signs them (Config.WebhookURL, Config.OASecret); an empty url stops them.
func (s *Server) SetWebhook(url, oaSecret string) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	s.hooks.url, s.hooks.secret = url, oaSecret
}

// WebhookDeliveries returns the events posted so far, in the order their
// answers came.
func (s *Server) WebhookDeliveries() []WebhookDelivery {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]WebhookDelivery(nil), s.hooks.delivered...)
}

// OASecret is the OA Secret Key events are signed with (generated when
// Config.OASecret is empty): loaxa's ZALO_OA_SECRET.
func (s *Server) OASecret() string {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.secret
}

func (s *Server) webhookURL() string {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return s.hooks.url
}

// WaitWebhooks waits for the echoes being posted.
func (s *Server) WaitWebhooks() { s.hooks.wg.Wait() }

// closeWebhooks stops new echoes and waits for those under way, which the
// closed quit channel cuts short.
func (s *Server) closeWebhooks() {
	s.hooks.mu.Lock()
	s.hooks.closed = true
	s.hooks.mu.Unlock()
	s.hooks.wg.Wait()
}

// SignWebhook is the signature header value of body (§8).
func SignWebhook(appID string, body []byte, timestamp, oaSecret string) string {
	sum := sha256.Sum256([]byte(appID + string(body) + timestamp + oaSecret))
	return "mac=" + hex.EncodeToString(sum[:])
}

// webhookEvent builds an event's body: the envelope of §8 with the OA as
// the sender of its own sends and the group as the recipient. oa is the OA
// the event is about: the group's owner. Called with s.mu held.
func (s *Server) webhookEvent(oa *oaState, name, groupID, userID string, message map[string]any) map[string]any {
	ev := map[string]any{
		"app_id":     s.cfg.AppID,
		"oa_id":      oa.id,
		"event_name": name,
		"timestamp":  strconv.FormatInt(s.now().UnixMilli(), 10),
		"recipient":  map[string]any{"id": groupID},
	}
	if userID == "" {
		userID = oa.id
	}
	ev["sender"] = map[string]any{"id": userID}
	if message != nil {
		ev["message"] = message
	}
	return ev
}

// echoLocked posts the echo of a message oa just sent, in the background;
// s.mu is held by the caller and not needed by the delivery.
func (s *Server) echoLocked(oa *oaState, m Message) {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	if s.hooks.url == "" || s.hooks.closed {
		return
	}
	name, msg := "oa_send_group_text", map[string]any{"msg_id": m.ID, "text": m.Text}
	if m.AttachmentID != "" || m.ImageURL != "" {
		name = "oa_send_group_image"
		url := m.ImageURL
		if url == "" {
			url = "/_sim/attachments/" + m.AttachmentID
		}
		msg["attachments"] = []map[string]any{{"type": "image", "payload": map[string]any{"url": url}}}
	}
	ev := s.webhookEvent(oa, name, m.GroupID, "", msg)
	secret := oa.secret // "": the app's, read by postWebhook
	s.hooks.wg.Add(1)
	go func() {
		defer s.hooks.wg.Done()
		s.postWebhook(ev, secret, false)
	}()
}

// postWebhook signs and posts one event and records what came of it. The
// key is oaSecret, the event's OA's own key, or the app's when empty. A
// forged event is signed with a wrong key.
func (s *Server) postWebhook(ev map[string]any, oaSecret string, forge bool) WebhookDelivery {
	body, _ := json.Marshal(ev)
	s.hooks.mu.Lock()
	url, secret := s.hooks.url, s.hooks.secret
	if oaSecret != "" {
		secret = oaSecret
	}
	if s.hooks.client == nil {
		s.hooks.client = &http.Client{Timeout: WebhookTimeout}
	}
	client := s.hooks.client
	s.hooks.mu.Unlock()
	d := WebhookDelivery{Event: fmt.Sprint(ev["event_name"]), OAID: fmt.Sprint(ev["oa_id"]), Body: string(body), Forged: forge}
	if r, ok := ev["recipient"].(map[string]any); ok {
		d.GroupID = fmt.Sprint(r["id"])
	}
	if m, ok := ev["message"].(map[string]any); ok && m["msg_id"] != nil {
		d.MsgID = fmt.Sprint(m["msg_id"])
	}
	if url == "" {
		d.Error = "no webhook URL configured"
		return d
	}
	if forge {
		secret += "-forged"
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-s.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header["x-zevent-signature"] = []string{SignWebhook(s.cfg.AppID, body, fmt.Sprint(ev["timestamp"]), secret)}
	req.Header["x-zevent-server"] = []string{"OA OpenAPI"}
	req.Header.Set("User-Agent", "ZaloWebhook")
	start := time.Now()
	resp, err := client.Do(req)
	d.Took = time.Since(start)
	if err != nil {
		d.Error = err.Error()
	} else {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		d.Status = resp.StatusCode
	}
	d.Late = d.Took > 2*time.Second
	s.log.Debug().Str("event", d.Event).Int("status", d.Status).Str("error", d.Error).Dur("took", d.Took).
		Msg("webhook posted")
	s.hooks.mu.Lock()
	s.hooks.delivered = append(s.hooks.delivered, d)
	s.hooks.mu.Unlock()
	return d
}

// TriggerRequest is the body of POST /_sim/webhook: an event to post now.
type TriggerRequest struct {
	Event   string `json:"event"`             // event_name, e.g. user_join_group
	GroupID string `json:"group_id"`          // the group, as recipient.id
	OAID    string `json:"oa_id,omitempty"`   // the OA; default the group's owner, or the default OA for an unknown group
	UserID  string `json:"user_id,omitempty"` // the member (sender.id); default a random one, or the OA for oa_send_*
	MsgID   string `json:"msg_id,omitempty"`  // message.msg_id; default random for message events
	Text    string `json:"text,omitempty"`    // message.text
	Forge   bool   `json:"forge,omitempty"`   // sign with a wrong key
	Message bool   `json:"message,omitempty"` // include a message object even for a non-message event
}

// TriggerWebhook posts one event at once and returns what came of it. A
// join or a leave also changes the group's member count, as getgroup
// would then show.
func (s *Server) TriggerWebhook(req TriggerRequest) (WebhookDelivery, error) {
	if req.Event == "" || req.GroupID == "" {
		return WebhookDelivery{}, fmt.Errorf("want {\"event\":\"…\",\"group_id\":\"…\"}")
	}
	user := req.UserID
	if user == "" && !strings.HasPrefix(req.Event, "oa_send_") {
		user = "87" + randomDigits(17)
	}
	var msg map[string]any
	if req.Text != "" || req.MsgID != "" || req.Message || isMessageEvent(req.Event) {
		id := req.MsgID
		if id == "" {
			id = randomHex(10)
		}
		msg = map[string]any{"msg_id": id, "text": req.Text}
	}
	s.mu.Lock()
	oa, known := s.oaLocked(req.OAID)
	g, ok := s.byID[req.GroupID]
	switch {
	case !known:
		s.mu.Unlock()
		return WebhookDelivery{}, fmt.Errorf("no OA %q", req.OAID)
	case ok && req.OAID == "":
		oa = g.oa
	case ok && g.oa != oa:
		ok = false // an event of another OA about the group changes nothing
	}
	// A forged event is one Zalo never sent: the simulated Zalo's state
	// does not follow it.
	if ok && !req.Forge {
		switch req.Event {
		case "user_join_group":
			g.Members++
		case "user_leave_group", "user_out_group":
			if g.Members > 0 {
				g.Members--
			}
		case "disperse_group", "delete_group", "permission_revoked":
			// The OA is out of the group: sends and getgroup answer -403,
			// and the OA's group list no longer has it.
			s.removeGroupLocked(g)
		}
	}
	ev, secret := s.webhookEvent(oa, req.Event, req.GroupID, user, msg), oa.secret
	s.mu.Unlock()
	return s.postWebhook(ev, secret, req.Forge), nil
}

// isMessageEvent reports whether an event carries a message (user_send_*,
// oa_send_*).
func isMessageEvent(name string) bool {
	return strings.HasPrefix(name, "oa_send_") || strings.HasPrefix(name, "user_send_")
}

// webhookRoutes serves POST /_sim/webhook and GET /_sim/webhooks.
func (s *Server) webhookRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/webhook", func(w http.ResponseWriter, r *http.Request) {
		var req TriggerRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"event\":\"…\",\"group_id\":\"…\"}"})
			return
		}
		d, err := s.TriggerWebhook(req)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, d)
	})
	m.HandleFunc("GET /_sim/webhooks", func(w http.ResponseWriter, r *http.Request) {
		ds := s.WebhookDeliveries()
		if ds == nil {
			ds = []WebhookDelivery{}
		}
		writeJSON(w, http.StatusOK, ds)
	})
}
