package zalosim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// DefaultGroups are the sample hamlet groups used when none are given.
func DefaultGroups() []Group {
	return []Group{
		{ID: "f414c8f76fa586fbdfb4", Name: "Khóm 1", Members: 86},
		{ID: "4a9bada229cec09099df", Name: "Khóm 2", Members: 64},
		{ID: "9c3e1d7a52b04f6e8a11", Name: "Ấp Tân Hòa", Members: 97},
	}
}

// ParseGroups reads the --groups flag: comma-separated group IDs, each
// optionally followed by "=Name" ("g1=Khóm 1,g2"). A group without a name is
// called "Nhóm <id>".
func ParseGroups(s string) ([]Group, error) {
	var out []Group
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		id, name, _ := strings.Cut(item, "=")
		id, name = strings.TrimSpace(id), strings.TrimSpace(name)
		if id == "" {
			return nil, fmt.Errorf("group %q has no id", item)
		}
		if seen[id] {
			return nil, fmt.Errorf("group %q given twice", id)
		}
		seen[id] = true
		if name == "" {
			name = "Nhóm " + id
		}
		out = append(out, Group{ID: id, Name: name})
	}
	return out, nil
}

// Serve answers on ln until ctx is done, then shuts down gracefully (at
// most 5 s for requests in flight).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve zalo simulator: %w", err)
	case <-ctx.Done():
	}
	s.Close()
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(shut)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	if err != nil {
		return fmt.Errorf("shut down zalo simulator: %w", err)
	}
	return nil
}

// Run is `loaxa zalosim`: it listens on addr, prints the base URL and the
// credentials the simulator accepts to out, and serves until ctx is done.
// Empty credentials in cfg are generated; empty cfg.Groups get DefaultGroups.
func Run(ctx context.Context, addr string, cfg Config, log zerolog.Logger, out io.Writer) error {
	if len(cfg.Groups) == 0 {
		cfg.Groups = DefaultGroups()
	}
	s := New(cfg, log)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	PrintBanner(out, base, s)
	log.Info().Str("addr", ln.Addr().String()).Int("groups", len(s.Groups())).Msg("zalo simulator listening")
	return s.Serve(ctx, ln)
}

// PrintBanner writes the base URL, the credentials and the groups of s, in
// the form of the environment variables loaxa reads.
func PrintBanner(out io.Writer, base string, s *Server) {
	c := s.Credentials()
	fmt.Fprintf(out, "Zalo OA simulator at %s\n", base)
	fmt.Fprintf(out, "  resident view:  %s/\n", base)
	fmt.Fprintf(out, "  inspection API: %s/_sim/messages, /_sim/stats, /_sim/faults\n", base)
	if s.cfg.RevokeOnReuse {
		fmt.Fprintf(out, "  strict OAuth:   a reused refresh token revokes every token (--revoke-on-reuse)\n")
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "ZALO_API_BASE=%s\nZALO_OAUTH_BASE=%s\n", base, base)
	fmt.Fprintf(out, "ZALO_APP_ID=%s\nZALO_APP_SECRET=%s\nZALO_REFRESH_TOKEN=%s\n", c.AppID, c.AppSecret, c.RefreshToken)
	fmt.Fprintf(out, "ZALO_OA_SECRET=%s\n", s.OASecret())
	if u := s.webhookURL(); u != "" {
		fmt.Fprintf(out, "# webhook events go to %s\n", u)
	}
	fmt.Fprintf(out, "# access token (valid now): %s\n# OA id: %s\n\ngroups:\n", c.AccessToken, c.OAID)
	for _, g := range s.Groups() {
		fmt.Fprintf(out, "  %s  %s\n", g.ID, g.Name)
	}
}
