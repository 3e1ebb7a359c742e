package zalosim

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// TestServer is a simulator on an httptest server, for Go tests. Its
// fields are the values a client needs; use URL for both ZALO_API_BASE and
// ZALO_OAUTH_BASE. The token fields hold the initial pair: after a refresh,
// ask Credentials for the current one.
type TestServer struct {
	*Server
	HTTP         *httptest.Server
	URL          string
	AppID        string
	AppSecret    string
	OAID         string
	RefreshToken string
	AccessToken  string
}

// Option adjusts the Config of a TestServer.
type Option func(*Config)

// WithConfig lets a test change any Config field.
func WithConfig(f func(*Config)) Option { return Option(f) }

// WithGroups replaces the default groups.
func WithGroups(g ...Group) Option { return func(c *Config) { c.Groups = g } }

// WithRatePerMin sets the sliding-window limit.
func WithRatePerMin(n int) Option { return func(c *Config) { c.RatePerMin = n } }

// WithTokenTTL sets the access token life.
func WithTokenTTL(d time.Duration) Option { return func(c *Config) { c.TokenTTL = d } }

// WithClock injects the simulator's clock.
func WithClock(now func() time.Time) Option { return func(c *Config) { c.Now = now } }

// NewTestServer starts a simulator with DefaultGroups and generated
// credentials, closed by t.Cleanup. It logs to t at info level.
func NewTestServer(t testing.TB, opts ...Option) *TestServer {
	t.Helper()
	cfg := Config{Groups: DefaultGroups(), OAName: "UBND xã Thử Nghiệm"}
	for _, o := range opts {
		o(&cfg)
	}
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	s := New(cfg, log)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close() // end injected delays first, so that hs.Close does not wait for them
		hs.Close()
	})
	c := s.Credentials()
	return &TestServer{
		Server:       s,
		HTTP:         hs,
		URL:          hs.URL,
		AppID:        c.AppID,
		AppSecret:    c.AppSecret,
		OAID:         c.OAID,
		RefreshToken: c.RefreshToken,
		AccessToken:  c.AccessToken,
	}
}
