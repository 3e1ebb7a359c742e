package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
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

	// SelfApprove lets an approver approve their own notice
	// (LOAXA_SELF_APPROVE=1, for communes with a single officer).
	SelfApprove bool

	// BaseURL is the site's public address, e.g. https://loaxa.example.vn.
	// It makes the Atom feed's links and ids stable and, when https, marks
	// cookies Secure. Empty: taken from each request.
	BaseURL string
	// TrustProxy believes X-Forwarded-Proto and X-Forwarded-For (the site
	// runs behind a reverse proxy that sets them).
	TrustProxy bool
	// OAuthRedirectURL is the Zalo callback registered in the Zalo console
	// ("Official Account Callback URL"). Default BaseURL + "/zalo/callback",
	// or the request's own address.
	OAuthRedirectURL string

	SessionTTL time.Duration // default 12h
	// Sign-in throttling: after UserFailures failed sign-ins for one user
	// name, or AddrFailures from one address, within FailureWindow, sign-in
	// is refused for Lockout. Defaults 5, 20, 15m, 15m.
	UserFailures  int
	AddrFailures  int
	FailureWindow time.Duration
	Lockout       time.Duration

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
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("web: base URL %q: want http(s)://host[/path]", c.BaseURL)
		}
	}
	if c.OAuthRedirectURL == "" && c.BaseURL != "" {
		c.OAuthRedirectURL = c.BaseURL + "/zalo/callback"
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.UserFailures <= 0 {
		c.UserFailures = 5
	}
	if c.AddrFailures <= 0 {
		c.AddrFailures = 20
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = 15 * time.Minute
	}
	if c.Lockout <= 0 {
		c.Lockout = 15 * time.Minute
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
	s := &Server{cfg: cfg, store: store, zalo: zalo, log: log.With().Str("component", "web").Logger()}
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
	s.h = s.secure(s.mux)
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

	// Notices.
	m.HandleFunc("GET /dashboard", s.staff(notices.RoleEditor, formLimit, s.dashboard))
	m.HandleFunc("GET /dashboard/progress.json", s.staff(notices.RoleEditor, formLimit, s.dashboardProgress))
	m.HandleFunc("GET /notices", s.staff(notices.RoleEditor, formLimit, s.noticeList))
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
	m.HandleFunc("GET /audit", s.staff(notices.RoleApprover, formLimit, s.auditPage))

	// Public, no sign-in.
	m.HandleFunc("GET /public", s.limit(formLimit, s.publicList))
	m.HandleFunc("GET /public/notices/{id}", s.limit(formLimit, s.publicNotice))
	m.HandleFunc("GET /public/notices/{id}/image", s.limit(formLimit, s.publicImage))
	m.HandleFunc("GET /public/feed.atom", s.limit(formLimit, s.feed))

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

// baseURL is the site's address: the configured one, or the request's.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if s.isTLS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// isTLS reports whether the browser reached us over TLS.
func (s *Server) isTLS(r *http.Request) bool {
	if r.TLS != nil || strings.HasPrefix(s.cfg.BaseURL, "https://") {
		return true
	}
	return s.cfg.TrustProxy && strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}
