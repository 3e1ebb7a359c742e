package zalosim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync"
	"time"

	mrand "math/rand/v2"

	"github.com/rs/zerolog"
)

// API paths served by the simulator. The OAuth paths live on
// oauth.zaloapp.com and the others on openapi.zalo.me; the simulator serves
// both from one base URL.
const (
	PathAccessToken  = "/v4/oa/access_token"
	PathPermission   = "/v4/oa/permission"
	PathGroupMessage = "/v3.0/oa/group/message"
	PathUploadImage  = "/v2.0/oa/upload/image"
	PathGroupsOfOA   = "/v3.0/oa/group/getgroupsofoa"
	PathGroupInfo    = "/v3.0/oa/group/getgroup"
	PathConversation = "/v3.0/oa/group/conversation"
)

// Default values of Config.
const (
	DefaultTokenTTL   = 25 * time.Hour      // expires_in "90000"
	DefaultRefreshTTL = 90 * 24 * time.Hour // three months
	MaxTextRunes      = 2000                // after NFC normalisation
	MaxImageBytes     = 1 << 20             // jpg/png upload limit
	CodeTTL           = 10 * time.Minute    // authorisation code lifetime
	AttachmentTTL     = 7 * 24 * time.Hour  // uploaded assets expire (-100)
)

// Group is an OA-owned group chat (GMF) known to the simulator.
type Group struct {
	ID        string `json:"group_id"`
	Name      string `json:"name"`
	Members   int    `json:"total_member"`         // 0 means a default of 25
	MaxMember int    `json:"max_member,omitempty"` // the package's ceiling; 0 means 100 (gmf100)
	Disabled  bool   `json:"disabled"`             // sends answer -237 (GMF asset expired)
	// ValidThrough is when the group's GMF package ends; zero means a
	// year after the group was added (or yesterday for a disabled group).
	ValidThrough time.Time `json:"valid_through,omitempty"`
	AutoRenew    bool      `json:"auto_renew,omitempty"`
	// MembersPost is an open group (lock_send_msg false), where residents
	// talk too; PostAsMember turns it on.
	MembersPost bool `json:"members_post,omitempty"`
}

// Message is one message in a group, as recorded by the simulator: posted
// by the OA, or by a member (FromID set) to make a group busy. For an image
// Text is the caption.
type Message struct {
	ID           string    `json:"message_id"`
	GroupID      string    `json:"group_id"`
	OAID         string    `json:"oa_id"` // the OA that owns the group
	Text         string    `json:"text"`
	AttachmentID string    `json:"attachment_id,omitempty"`
	ImageURL     string    `json:"image_url,omitempty"`
	Time         time.Time `json:"time"`
	FromID       string    `json:"from_id,omitempty"`   // a member's user id; empty for the OA
	FromName     string    `json:"from_name,omitempty"` // a member's display name
}

// FromOA reports whether the OA posted the message.
func (m Message) FromOA() bool { return m.FromID == "" }

// Config configures a Server. Zero values get sensible defaults; missing
// credentials are generated (see Server.Credentials).
type Config struct {
	AppID        string
	AppSecret    string // checked against the secret_key header
	OAID         string
	OAName       string // shown on the authorisation page and in the chat view
	AppName      string // shown on the authorisation page
	RefreshToken string // initial valid refresh token
	AccessToken  string // optional initial valid access token
	CallbackURL  string // the console's OA Callback URL; empty accepts any http(s) redirect_uri
	Groups       []Group

	// OAs are the Official Accounts of a province: several OAs under the
	// one app, each with its groups, its own token chain and its own rate
	// limit (oa.go). Empty: the single OA of OAID, OAName, Groups,
	// RefreshToken and AccessToken, which must be empty when OAs is not.
	// The first OA is the default one (Credentials, AddGroup).
	OAs []OA
	// OARateCode and OARateMessage answer a call over its OA's own limit
	// (OA.RatePerMin); default -32 and the message of the app-wide limit,
	// "application/OA reached limit call api", as Zalo documents one code
	// for both (docs/zalosim.md).
	OARateCode    int
	OARateMessage string

	TokenTTL   time.Duration // access token life, default 25h
	RefreshTTL time.Duration // refresh token life, default 90 days
	RatePerMin int           // sliding-window limit over all API calls; 0 = unlimited
	FailRate   float64       // probability of a random transient fault (5xx or -200) on sends

	// RevokeOnReuse makes the simulator a strict OAuth server: a refresh
	// token presented again after it was used revokes every token issued so
	// far (refresh and access), until the OA is authorised again. Without
	// it a reuse is refused and counted (Stats.ReusedRefresh), nothing more.
	RevokeOnReuse bool

	// Latency is the round trip added to every API call, LatencyJitter
	// the most it varies either way (uniformly); see SetLatency.
	Latency       time.Duration
	LatencyJitter time.Duration
	// SlowRate is the probability that a send is slow: FaultSlow, taking
	// SlowDelay (default FaultSlow's 2 s) on top of the latency.
	SlowRate  float64
	SlowDelay time.Duration

	// ExpiresInNumber makes the token endpoint speak expires_in as a JSON
	// number instead of the documented string.
	ExpiresInNumber bool
	Now             func() time.Time // injectable clock, default time.Now
	Seed            uint64           // seed for injected faults; 0 picks a random one

	// WebhookURL receives the OA's webhook events, signed with OASecret
	// (the "OA Secret Key"); empty: none are sent (webhook.go).
	WebhookURL string
	OASecret   string
}

// Stats counts what the simulator has seen.
type Stats struct {
	Requests      int `json:"requests"`        // API calls (OAuth and OpenAPI), including refused ones
	Sends         int `json:"sends"`           // messages the OA posted
	MemberPosts   int `json:"member_posts"`    // messages members posted (PostAsMember)
	Uploads       int `json:"uploads"`         // images stored
	Refreshes     int `json:"refreshes"`       // successful refresh_token grants
	CodeExchanges int `json:"code_exchanges"`  // successful authorization_code grants
	RateLimited   int `json:"rate_limited"`    // -32 answers (app-wide or an OA's own limit)
	OARateLimited int `json:"oa_rate_limited"` // of which refused by an OA's own limit (OA.RatePerMin)
	TokenRefused  int `json:"token_refused"`   // -216/-220 answers
	Faults        int `json:"faults"`          // injected faults
	// ReusedRefresh counts refresh tokens presented again after they were
	// used: each one is a refresh token sent twice.
	ReusedRefresh    int `json:"reused_refresh_tokens"`
	ChainRevocations int `json:"chain_revocations"` // reuses that revoked every token (Config.RevokeOnReuse)
}

// Server is the simulated Zalo OA API. It is an http.Handler serving the
// OAuth paths, the OpenAPI paths, the /_sim/ inspection API and the resident
// view. It is safe for concurrent use.
type Server struct {
	cfg  Config
	log  zerolog.Logger
	mux  *http.ServeMux
	quit chan struct{}
	once sync.Once

	mu         sync.Mutex
	groups     []*groupState
	byID       map[string]*groupState
	messages   []Message // the OAs', in the order received
	oas        []*oaState
	oaByID     map[string]*oaState
	tokenOA    map[string]*oaState // access and refresh token → its OA
	codes      map[string]authCode
	images     map[string]image
	stats      Stats
	window     rateWindow
	ratePerMin int
	delay      time.Duration
	latency    time.Duration // round trip of every API call (latency.go)
	jitter     time.Duration
	faults     faultState
	rng        *mrand.Rand
	hooks      webhooks // own lock (webhook.go)
}

type groupState struct {
	Group
	oa       *oaState // the OA that owns the group
	added    time.Time
	messages []Message // the OA's and members', oldest first
}

// New returns a simulator configured by cfg. Missing credentials are
// generated; read them back with Credentials (or AllCredentials). It panics
// on a config that Validate refuses.
func New(cfg Config, log zerolog.Logger) *Server {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = withDefaults(cfg)
	seed := cfg.Seed
	if seed == 0 {
		seed = mrand.Uint64()
	}
	s := &Server{
		cfg:        cfg,
		log:        log.With().Str("component", "zalosim").Logger(),
		quit:       make(chan struct{}),
		byID:       make(map[string]*groupState),
		oaByID:     make(map[string]*oaState),
		tokenOA:    make(map[string]*oaState),
		codes:      make(map[string]authCode),
		images:     make(map[string]image),
		ratePerMin: cfg.RatePerMin,
		latency:    max(cfg.Latency, 0),
		jitter:     max(cfg.LatencyJitter, 0),
		rng:        mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	if cfg.FailRate > 0 {
		s.faults.rates = map[Fault]float64{
			Fault5xx:        cfg.FailRate / 2,
			FaultSendFailed: cfg.FailRate / 2,
		}
	}
	if cfg.SlowRate > 0 {
		slow := FaultSlow
		if cfg.SlowDelay > 0 {
			slow = slow.Taking(cfg.SlowDelay)
		}
		s.SetFaultRate(slow, cfg.SlowRate)
	}
	s.hooks.url, s.hooks.secret = cfg.WebhookURL, cfg.OASecret
	for i, oa := range configOAs(cfg) {
		st := s.newOAState(oa, i == 0)
		s.oas = append(s.oas, st)
		s.oaByID[st.id] = st
		for _, g := range oa.Groups {
			_ = s.AddGroupTo(st.id, g) // Validate saw no group twice
		}
	}
	s.cfg.Groups, s.cfg.OAs = nil, nil // the state holds them now
	s.routes()
	return s
}

func withDefaults(c Config) Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.AppID == "" {
		c.AppID = randomDigits(19)
	}
	if c.AppSecret == "" {
		c.AppSecret = randomToken(15)
	}
	if c.AppName == "" {
		c.AppName = "loaxa"
	}
	if c.OARateCode == 0 {
		c.OARateCode = CodeRateLimited
	}
	if c.OARateMessage == "" {
		c.OARateMessage = codeMessage(CodeRateLimited)
	}
	if c.OASecret == "" {
		c.OASecret = randomToken(24)
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = DefaultRefreshTTL
	}
	return c
}

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("POST "+PathAccessToken, s.api(PathAccessToken, false, s.handleAccessToken))
	m.HandleFunc("GET "+PathPermission, s.handlePermissionPage)
	m.HandleFunc("POST "+PathPermission, s.handlePermissionGrant)
	m.HandleFunc("POST "+PathGroupMessage, s.api(PathGroupMessage, true, s.handleGroupMessage))
	m.HandleFunc("POST "+PathUploadImage, s.api(PathUploadImage, true, s.handleUploadImage))
	m.HandleFunc("GET "+PathGroupsOfOA, s.api(PathGroupsOfOA, true, s.handleGroupsOfOA))
	m.HandleFunc("GET "+PathGroupInfo, s.api(PathGroupInfo, true, s.handleGroupInfo))
	m.HandleFunc("GET "+PathConversation, s.api(PathConversation, true, s.handleConversation))
	m.HandleFunc("GET "+PathOAInfo, s.api(PathOAInfo, true, s.handleOAInfo))
	s.inspectRoutes(m)
	s.webhookRoutes(m)
	s.viewRoutes(m)
	s.mux = m
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close ends pending injected delays so that an enclosing http.Server can
// shut down promptly, and waits for the webhook echoes under way (cut
// short); none is sent after it. The handler keeps answering afterwards.
func (s *Server) Close() {
	s.once.Do(func() { close(s.quit) })
	s.closeWebhooks()
}

func randomHex(nbytes int) string {
	b := make([]byte, nbytes)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// randomToken returns an opaque URL-safe token of about 4/3·nbytes characters.
func randomToken(nbytes int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, nbytes*4/3)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func randomDigits(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	if b[0] == '0' {
		b[0] = '1'
	}
	return string(b)
}
