package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Zalo is what the site needs of the Zalo OA client; *bot.Client has it.
type Zalo interface {
	Health() bot.TokenHealth
	AuthURL(redirectURI, challenge, state string) string
	ExchangeCode(ctx context.Context, code, verifier string) error
	Reload(ctx context.Context) error
	ListGroups(ctx context.Context) ([]bot.Group, error)
}

// Config configures the site. Zero fields take the defaults noted.
type Config struct {
	Location *time.Location // the commune zone; default the store's
	Commune  string         // signs every message and titles the public page; default "UBND xã"
	// Province signs province notices with several communes
	// (LOAXA_PROVINCE); default "UBND tỉnh". A commune's notices are
	// signed with its communes.name. It also titles the province's public
	// page and feed.
	Province string

	// SelfApprove lets an approver approve their own notice
	// (LOAXA_SELF_APPROVE=1, for communes with a single officer).
	SelfApprove bool

	// BaseURL is the site's public address (LOAXA_BASE_URL), e.g.
	// https://loa.xaanphu.gov.vn. Every absolute URL the site writes (the
	// feed's links, the Zalo OAuth redirect_uri) is built from it, never
	// from the request's Host header. When it is https, cookies are Secure
	// and HSTS is sent. Empty: links are relative, and the Zalo connection
	// can be started only from this machine (a loopback Host, from a
	// loopback peer that is not a proxy), as in `loaxa demo`.
	BaseURL string
	// TrustedProxies are the reverse proxies (LOAXA_TRUST_PROXY) whose
	// X-Forwarded-For and X-Forwarded-Proto are believed; see proxy.go.
	TrustedProxies []netip.Prefix
	// SessionIdle ends a session unused this long (LOAXA_SESSION_IDLE);
	// default 2h. Every session also ends sessionTTL (12 h) after sign-in.
	SessionIdle time.Duration

	// AddrFailures is how many failed sign-ins one client address may make,
	// whatever the user names, before each further failure doubles its
	// wait (LOAXA_LOGIN_ADDR_FAILURES; default 20). Behind a commune
	// office's one NAT address all staff share it. The other limits of
	// the sign-in throttle are fixed (auth.go).
	AddrFailures int

	// Health and Metrics serve /healthz and /metrics with the site's
	// security headers; nil: not served. With MetricsToken
	// (LOAXA_METRICS_TOKEN) /metrics needs "Authorization: Bearer <token>".
	Health       http.Handler
	Metrics      http.Handler
	MetricsToken string

	// CheckGroup checks a Zalo group when a hamlet is added or its group
	// changed (GET /v3.0/oa/group/getgroup); nil: every group is "chưa
	// kiểm tra".
	CheckGroup GroupCheck

	// ZaloFor is the client of commune communeID's own OA when the
	// database serves several communes (cmd: the daemon's client of that
	// commune, so that a connection made on the site is the one the daemon
	// sends with); a nil result: the running daemon has none for it (an
	// inactive commune, or one added after it started). nil: every commune
	// uses New's zalo, as with one commune.
	ZaloFor func(communeID int64) Zalo

	// WebhookSecret is the OA Secret Key (ZALO_OA_SECRET) that signs
	// Zalo's webhook events; empty: POST /zalo/webhook answers 503.
	// WebhookAppSecret (ZALO_APP_SECRET) is also tried as the key, as one
	// source says (§11.1); the log says which matched. WebhookStored is
	// called after a new event is stored and answered (webhook.go).
	WebhookSecret    string
	WebhookAppSecret string
	WebhookStored    func()

	// Rules are the sending rules the daemon runs with (quiet hours,
	// bulletin slots), so that the site says when things will go out;
	// default (no Location): the design's 21:00-06:00 and 06:30, 17:30.
	Rules notices.Rules

	Now func() time.Time // default time.Now

	Version string // loaxa's version, in the staff pages' footer
}

func (c *Config) defaults(store *notices.Store) error {
	if c.Location == nil {
		c.Location = store.Location()
	}
	if c.Commune == "" {
		c.Commune = "UBND xã"
	}
	if err := c.defaultRules(); err != nil {
		return err
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err == nil && u.User != nil {
			return errors.New("web: base URL has a user or password: want http(s)://host[/path]")
		}
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("web: base URL %q: want http(s)://host[/path]", c.BaseURL)
		}
	}
	if c.MetricsToken != "" && strings.TrimSpace(c.MetricsToken) == "" {
		return errors.New("web: the metrics token is blank: set a real one, or none")
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 2 * time.Hour
	}
	if c.AddrFailures <= 0 {
		c.AddrFailures = 20
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Server is the staff admin site and the public archive, as one
// http.Handler.
type Server struct {
	cfg    Config
	store  *notices.Store
	zalo   Zalo // nil: no Zalo client configured
	log    zerolog.Logger
	pages  map[string]*template.Template
	static http.Handler
	mux    *http.ServeMux
	h      http.Handler

	variants sync.Map // webhook signature variants seen matching (webhook.go)
	loginKey []byte   // signs the sign-in form's tokens (logincsrf.go)
	// instance names this installation (notices.Instance): the feed's ids
	// without LOAXA_BASE_URL.
	instance notices.Instance
}

// New builds the site. zalo may be nil when no Zalo client is configured;
// the site then says so where it matters.
func New(cfg Config, store *notices.Store, zalo Zalo, log zerolog.Logger) (*Server, error) {
	if store == nil {
		return nil, errors.New("web: a store is required")
	}
	if err := cfg.defaults(store); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, store: store, zalo: zalo, log: log.With().Str("component", "web").Logger(),
		loginKey: newLoginKey()}
	inst, err := store.Instance(context.Background())
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.instance = inst
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(assets, "static")
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	s.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	s.mux = http.NewServeMux()
	s.routes()
	s.h = s.secure(s.cacheable(s.mux))
	return s, nil
}

// ServeHTTP serves the site.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// routes lists every page; the role is checked on the server for each.
func (s *Server) routes() {
	m := s.mux
	m.Handle("GET /static/", s.cacheStatic(s.static))
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	})

	// Sign-in.
	m.HandleFunc("GET /login", s.limit(formLimit, s.loginPage))
	m.HandleFunc("POST /login", s.limit(formLimit, s.loginSubmit))
	m.HandleFunc("POST /logout", s.staff(notices.RoleEditor, formLimit, s.logout))
	m.HandleFunc("POST /scope", s.staff(notices.RoleEditor, formLimit, s.scopeChoose))

	// Notices.
	m.HandleFunc("GET /dashboard", s.staff(notices.RoleEditor, formLimit, s.dashboard))
	m.HandleFunc("GET /dashboard/progress.json", s.staff(notices.RoleEditor, formLimit, s.dashboardProgress))
	m.HandleFunc("GET /notices", s.staff(notices.RoleEditor, formLimit, s.noticeList))
	m.HandleFunc("GET /calendar", s.staff(notices.RoleEditor, formLimit, s.calendar))
	// CSV reports (export.go): the role of the page they come from.
	m.HandleFunc("GET /notices/{id}/deliveries.csv", s.staff(notices.RoleEditor, formLimit, s.exportNoticeDeliveries))
	m.HandleFunc("GET /export/deliveries.csv", s.staff(notices.RoleEditor, formLimit, s.exportDeliveries))
	m.HandleFunc("GET /audit.csv", s.staff(notices.RoleApprover, formLimit, s.exportAudit))
	m.HandleFunc("GET /compose", s.staff(notices.RoleEditor, formLimit, s.composePage))
	m.HandleFunc("POST /compose", s.staff(notices.RoleEditor, uploadLimit, s.composeSubmit))
	m.HandleFunc("POST /compose/preview", s.staff(notices.RoleEditor, uploadLimit, s.composePreview))
	m.HandleFunc("GET /notices/{id}", s.staff(notices.RoleEditor, formLimit, s.noticePage))
	m.HandleFunc("GET /notices/{id}/progress.json", s.staff(notices.RoleEditor, formLimit, s.noticeProgress))
	m.HandleFunc("GET /notices/{id}/image", s.staff(notices.RoleEditor, formLimit, s.noticeImage))
	m.HandleFunc("POST /notices/{id}/approve", s.staff(notices.RoleApprover, formLimit, s.noticeApprove))
	m.HandleFunc("POST /notices/{id}/reject", s.staff(notices.RoleApprover, formLimit, s.noticeReject))
	m.HandleFunc("POST /notices/{id}/cancel", s.staff(notices.RoleEditor, formLimit, s.noticeCancel))
	m.HandleFunc("POST /notices/{id}/retry", s.staff(notices.RoleEditor, formLimit, s.noticeRetry))
	// Staff workflows (edit.go, confirm.go, testsend.go, pause.go, msgtemplates.go).
	m.HandleFunc("GET /notices/{id}/edit", s.staff(notices.RoleEditor, formLimit, s.noticeEditPage))
	m.HandleFunc("POST /notices/{id}/edit", s.staff(notices.RoleEditor, uploadLimit, s.noticeEditSubmit))
	m.HandleFunc("POST /notices/{id}/submit", s.staff(notices.RoleEditor, formLimit, s.noticeSubmit))
	m.HandleFunc("POST /notices/{id}/duplicate", s.staff(notices.RoleEditor, formLimit, s.noticeDuplicate))
	m.HandleFunc("POST /notices/{id}/test", s.staff(notices.RoleEditor, formLimit, s.noticeTestSend))
	m.HandleFunc("POST /notices/{id}/pause", s.staff(notices.RoleEditor, formLimit, s.noticePause))
	m.HandleFunc("POST /notices/{id}/resume", s.staff(notices.RoleEditor, formLimit, s.noticeResume))
	m.HandleFunc("GET /notices/{id}/approve", s.staff(notices.RoleApprover, formLimit, s.approveConfirm))
	m.HandleFunc("GET /notices/{id}/cancel", s.staff(notices.RoleEditor, formLimit, s.cancelConfirm))
	m.HandleFunc("GET /hamlets/{code}/active", s.staff(notices.RoleAdmin, formLimit, s.hamletOffConfirm))
	m.HandleFunc("POST /hamlets/{code}/staff-test", s.staff(notices.RoleAdmin, formLimit, s.hamletStaffTest))
	m.HandleFunc("GET /users/{name}/active", s.staff(notices.RoleAdmin, formLimit, s.userLockConfirm))
	m.HandleFunc("GET /templates", s.staff(notices.RoleAdmin, formLimit, s.templateList))
	m.HandleFunc("POST /templates", s.staff(notices.RoleAdmin, formLimit, s.templateSave))
	m.HandleFunc("GET /templates/{id}", s.staff(notices.RoleAdmin, formLimit, s.templateEditPage))
	m.HandleFunc("POST /templates/{id}", s.staff(notices.RoleAdmin, formLimit, s.templateSave))
	m.HandleFunc("POST /templates/{id}/delete", s.staff(notices.RoleAdmin, formLimit, s.templateDelete))

	// Administration.
	m.HandleFunc("GET /hamlets", s.staff(notices.RoleAdmin, formLimit, s.hamletList))
	m.HandleFunc("POST /hamlets", s.staff(notices.RoleAdmin, formLimit, s.hamletAdd))
	m.HandleFunc("POST /hamlets/sync", s.staff(notices.RoleAdmin, formLimit, s.hamletSync))
	m.HandleFunc("GET /hamlets/{code}", s.staff(notices.RoleAdmin, formLimit, s.hamletEditPage))
	m.HandleFunc("POST /hamlets/{code}", s.staff(notices.RoleAdmin, formLimit, s.hamletEdit))
	m.HandleFunc("POST /hamlets/{code}/active", s.staff(notices.RoleAdmin, formLimit, s.hamletActive))
	m.HandleFunc("GET /users", s.staff(notices.RoleAdmin, formLimit, s.userList))
	m.HandleFunc("POST /users", s.staff(notices.RoleAdmin, formLimit, s.userAdd))
	m.HandleFunc("POST /users/{name}/active", s.staff(notices.RoleAdmin, formLimit, s.userActive))
	m.HandleFunc("POST /users/{name}/password", s.staff(notices.RoleAdmin, formLimit, s.userPassword))
	m.HandleFunc("GET /zalo", s.staff(notices.RoleAdmin, formLimit, s.zaloPage))
	m.HandleFunc("POST /zalo/connect", s.staff(notices.RoleAdmin, formLimit, s.zaloConnect))
	m.HandleFunc("GET /zalo/callback", s.staff(notices.RoleAdmin, formLimit, s.zaloCallback))
	// Zalo's webhook: signed, no session or CSRF token (webhook.go).
	m.HandleFunc("POST /zalo/webhook", s.limit(webhookLimit, s.zaloWebhook))
	m.HandleFunc("GET /audit", s.staff(notices.RoleApprover, formLimit, s.auditPage))

	// Public, no sign-in.
	m.HandleFunc("GET /public", s.limit(formLimit, s.publicList))
	m.HandleFunc("GET /public/notices/{id}", s.limit(formLimit, s.publicNotice))
	m.HandleFunc("GET /public/notices/{id}/image", s.limit(formLimit, s.publicImage))
	m.HandleFunc("GET /public/feed.atom", s.limit(formLimit, s.feed))
	m.HandleFunc("GET /public/c/{code}", s.limit(formLimit, s.publicList))
	m.HandleFunc("GET /public/c/{code}/feed.atom", s.limit(formLimit, s.feed))

	// Operations, with the same headers; /metrics optionally behind a token.
	if s.cfg.Health != nil {
		m.HandleFunc("GET /healthz", s.ops(s.cfg.Health, ""))
	}
	if s.cfg.Metrics != nil {
		m.HandleFunc("GET /metrics", s.ops(s.cfg.Metrics, s.cfg.MetricsToken))
	}

	m.HandleFunc("/", s.notFound)
}

// NewHTTPServer returns an http.Server for h on addr with the timeouts the
// site is built for: a slow client cannot hold a connection open, and the
// Zalo callback (one token exchange, bounded by the Zalo client's own
// timeout) still fits in WriteTimeout. cmd should use it, or copy them.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second, // a 2 MB upload over a slow phone link
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}

// now is the site's clock, in UTC.
func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// absBase is the origin absolute URLs are built from: BaseURL, or without
// it the request's own address only when both its Host and its peer are
// this machine's loopback and the peer is not a proxy (local use and
// `loaxa demo`), so that a forged Host never reaches a link or a
// redirect. "" otherwise: callers then write relative links, or refuse.
func (s *Server) absBase(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	peer := peerAddr(r)
	if !peer.IsValid() || !peer.IsLoopback() || s.trusted(peer) {
		return ""
	}
	if !loopbackHost(r.Host) {
		return ""
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// loopbackHost reports whether a Host header names this machine and
// nothing else: exactly a loopback IP ("127.0.0.1", "[::1]") or
// "localhost", with an optional all-digit port. Anything that merely
// starts like one ("127.0.0.1:80.evil.example", "127.0.0.1:80,evil",
// "127.0.0.1:%40evil") is not.
func loopbackHost(h string) bool {
	host, port := h, ""
	if strings.Contains(h, ":") && !(strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]")) {
		var err error
		if host, port, err = net.SplitHostPort(h); err != nil || port == "" || len(port) > 5 ||
			strings.Trim(port, "0123456789") != "" {
			return false
		}
		if strings.Contains(host, ":") != strings.HasPrefix(h, "[") {
			return false // an IPv6 address needs its brackets, and only it has them
		}
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if h != host && !strings.Contains(host, ":") {
			return false // "[127.0.0.1]"
		}
	}
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Zone() == "" && a.IsLoopback()
}

// isTLS reports whether the browser reached us over TLS: directly, through
// a trusted proxy that says so, or by the https base URL.
func (s *Server) isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://") || s.forwardedHTTPS(r)
}
