// Package zalosimtest runs the Zalo simulator on an httptest server for Go
// tests. It lives apart from zalosim so that the loaxa binary, which embeds
// the simulator for `loaxa demo` and `loaxa zalosim`, links neither testing
// nor net/http/httptest.
package zalosimtest

import (
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/zalosim"
)

// Server is a simulator on an httptest server, for Go tests. Its
// fields are the values a client needs; use URL for both ZALO_API_BASE and
// ZALO_OAUTH_BASE. The token fields hold the initial pair: after a refresh,
// ask Credentials for the current one. With several OAs (zalosim.WithOAs)
// the single-OA fields are the default (first) OA's and OAs holds every
// OA's initial credentials, in the order given.
type Server struct {
	*zalosim.Server
	HTTP         *httptest.Server
	URL          string
	AppID        string
	AppSecret    string
	OAID         string
	RefreshToken string
	AccessToken  string
	OAs          []zalosim.Credentials
}

// New starts a simulator with DefaultGroups and generated
// credentials, closed by t.Cleanup. It logs to t at info level.
func New(t testing.TB, opts ...zalosim.Option) *Server {
	t.Helper()
	cfg := zalosim.TestConfig(opts...)
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	s := zalosim.New(cfg, log)
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close() // end injected delays first, so that hs.Close does not wait for them
		hs.Close()
	})
	c := s.Credentials()
	return &Server{
		Server:       s,
		HTTP:         hs,
		URL:          hs.URL,
		AppID:        c.AppID,
		AppSecret:    c.AppSecret,
		OAID:         c.OAID,
		RefreshToken: c.RefreshToken,
		AccessToken:  c.AccessToken,
		OAs:          s.AllCredentials(),
	}
}

// OA returns the initial credentials of the OA oaID; it fails the test
// when the simulator has no such OA.
func (s *Server) OA(t testing.TB, oaID string) zalosim.Credentials {
	t.Helper()
	for _, c := range s.OAs {
		if c.OAID == oaID {
			return c
		}
	}
	t.Fatalf("zalosimtest: no OA %s", oaID)
	return zalosim.Credentials{}
}
