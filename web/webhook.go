package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// webhookLimit caps an event's body: Zalo's events are a few hundred bytes;
// a media event carries a few URLs.
const webhookLimit = 64 << 10

// webhookStoreTimeout bounds storing an event, so that Zalo gets its
// answer within its 2 s (§8) even when the database is busy: a 503 makes
// Zalo send the event again later.
const webhookStoreTimeout = 1500 * time.Millisecond

// signatureVariant is one way of computing X-ZEvent-Signature. The sources
// disagree (§8, §11.1): the documented one is app_id + body + timestamp +
// OA Secret Key; S5 uses the app secret as the key, and reports code using
// oa_id as the first term.
type signatureVariant struct {
	name  string
	first func(notices.WebhookEvent) string
	key   string
}

// signatureVariants lists the variants the configured secrets allow, the
// documented one first.
func (s *Server) signatureVariants() []signatureVariant {
	appID := func(ev notices.WebhookEvent) string { return ev.AppID }
	oaID := func(ev notices.WebhookEvent) string { return ev.OAID }
	vs := []signatureVariant{
		{"app_id+oa_secret", appID, s.cfg.WebhookSecret},
		{"oa_id+oa_secret", oaID, s.cfg.WebhookSecret},
	}
	if s.cfg.WebhookAppSecret != "" && s.cfg.WebhookAppSecret != s.cfg.WebhookSecret {
		vs = append(vs,
			signatureVariant{"app_id+app_secret", appID, s.cfg.WebhookAppSecret},
			signatureVariant{"oa_id+app_secret", oaID, s.cfg.WebhookAppSecret})
	}
	return vs
}

// WebhookMAC is Zalo's webhook signature of a body under one first term
// and key (§8): hex(sha256(first + body + timestamp + key)), plain SHA-256,
// not HMAC. The simulator signs with the same formula, written from the
// same section.
func WebhookMAC(first string, body []byte, timestamp, key string) string {
	h := sha256.New()
	h.Write([]byte(first))
	h.Write(body)
	h.Write([]byte(timestamp))
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

// checkSignature returns the name of the variant whose MAC equals the
// header's, or "". Every variant is computed and compared in constant time.
func (s *Server) checkSignature(ev notices.WebhookEvent, body []byte, header string) string {
	got, ok := strings.CutPrefix(strings.TrimSpace(header), "mac=")
	if !ok {
		return ""
	}
	gotMAC, err := hex.DecodeString(strings.ToLower(strings.TrimSpace(got)))
	if err != nil || len(gotMAC) != sha256.Size {
		return ""
	}
	matched := ""
	for _, v := range s.signatureVariants() {
		if v.first(ev) == "" || v.key == "" {
			continue
		}
		want, _ := hex.DecodeString(WebhookMAC(v.first(ev), body, ev.Timestamp, v.key))
		if subtle.ConstantTimeCompare(gotMAC, want) == 1 && matched == "" {
			matched = v.name
		}
	}
	return matched
}

// zaloWebhook is POST /zalo/webhook: Zalo's events (§8). It needs no
// session and no CSRF token: the signature is the authentication. A
// checked event is stored before the 200, then processed after the answer
// by whoever WebhookStored wakes (schedule.Webhooks), and again after a
// crash. A bad or missing signature is refused with 401 and nothing is
// stored; without ZALO_OA_SECRET every event is refused with 503.
func (s *Server) zaloWebhook(w http.ResponseWriter, r *http.Request) {
	log := s.log.With().Str("remote", s.clientAddr(r)).Logger()
	if s.cfg.WebhookSecret == "" {
		log.Error().Msg("Zalo webhook refused: ZALO_OA_SECRET is not set, so signatures cannot be checked; " +
			"set it to the OA Secret Key of the app's Webhook page")
		http.Error(w, "webhook not configured", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			log.Warn().Int64("limit", tooBig.Limit).Msg("Zalo webhook refused: body too large")
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	ev, err := notices.ParseWebhook(body)
	if err != nil {
		log.Warn().Err(err).Int("bytes", len(body)).Msg("Zalo webhook refused: not an event")
		http.Error(w, "not a Zalo event", http.StatusBadRequest)
		return
	}
	sig := r.Header.Get("X-ZEvent-Signature")
	variant := s.checkSignature(ev, body, sig)
	if variant == "" {
		log.Warn().Str("event", ev.Name).Bool("signature_present", sig != "").
			Msg("Zalo webhook refused: bad or missing X-ZEvent-Signature; nothing recorded")
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	s.noteVariant(variant)
	ctx, cancel := context.WithTimeout(r.Context(), webhookStoreTimeout)
	defer cancel()
	fresh, err := s.store.SaveWebhookEvent(ctx, &ev)
	if err != nil {
		log.Error().Err(err).Str("event", ev.Name).Msg("Zalo webhook: event not stored; Zalo will send it again")
		http.Error(w, "try again later", http.StatusServiceUnavailable)
		return
	}
	log.Debug().Str("event", ev.Name).Str("group_id", ev.GroupID).Bool("fresh", fresh).
		Str("signature", variant).Msg("Zalo webhook event stored")
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"error":0,"message":"Success"}`)
	if fresh && s.cfg.WebhookStored != nil {
		s.cfg.WebhookStored()
	}
}

// noteVariant logs, once per run and variant, which signature variant
// Zalo's events match, and warns when it is not the documented one.
func (s *Server) noteVariant(name string) {
	if _, seen := s.variants.LoadOrStore(name, true); seen {
		return
	}
	e := s.log.Info()
	if name != "app_id+oa_secret" {
		e = s.log.Warn()
	}
	e.Str("signature", name).Msg("Zalo webhook signature matched (first term + key); " +
		"documented: app_id+oa_secret (zalo-oa-api.md §8)")
}
