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
// Empty credentials in cfg are generated; a single OA without groups gets
// DefaultGroups.
func Run(ctx context.Context, addr string, cfg Config, log zerolog.Logger, out io.Writer) error {
	if len(cfg.Groups) == 0 && len(cfg.OAs) == 0 {
		cfg.Groups = DefaultGroups()
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	s := New(cfg, log)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	base := "http://" + ln.Addr().String()
	PrintBanner(out, base, s)
	log.Info().Str("addr", ln.Addr().String()).Int("oas", len(s.OAs())).Int("groups", len(s.Groups())).Msg("zalo simulator listening")
	return s.Serve(ctx, ln)
}

// PrintBanner writes the base URL, the credentials and the groups of s, in
// the form of the environment variables loaxa reads. With several OAs it
// writes the app's lines, then each OA with its refresh token and groups.
func PrintBanner(out io.Writer, base string, s *Server) {
	if len(s.OAs()) > 1 {
		printOAsBanner(out, base, s)
		return
	}
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

func printOAsBanner(out io.Writer, base string, s *Server) {
	all := s.AllCredentials()
	c := all[0]
	fmt.Fprintf(out, "Zalo OA simulator at %s: %d Official Accounts under one app\n", base, len(all))
	fmt.Fprintf(out, "  resident view:  %s/\n", base)
	fmt.Fprintf(out, "  inspection API: %s/_sim/oas, /_sim/credentials?all=1, /_sim/messages, /_sim/stats, /_sim/faults\n", base)
	if s.cfg.RevokeOnReuse {
		fmt.Fprintf(out, "  strict OAuth:   a reused refresh token revokes every token of its OA (--revoke-on-reuse)\n")
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "ZALO_API_BASE=%s\nZALO_OAUTH_BASE=%s\n", base, base)
	fmt.Fprintf(out, "ZALO_APP_ID=%s\nZALO_APP_SECRET=%s\n", c.AppID, c.AppSecret)
	fmt.Fprintf(out, "ZALO_OA_SECRET=%s\n", s.OASecret())
	if u := s.webhookURL(); u != "" {
		fmt.Fprintf(out, "# webhook events go to %s\n", u)
	}
	fmt.Fprintf(out, "\n# each OA has its own token chain: connect it with its refresh token\n")
	stats := s.OAStats()
	for i, oa := range all {
		fmt.Fprintf(out, "\noa %s  %s", oa.OAID, oa.OAName)
		if r := stats[i].RatePerMin; r > 0 {
			fmt.Fprintf(out, "  (%d/min)", r)
		}
		fmt.Fprintf(out, "\n  refresh_token=%s\n", oa.RefreshToken)
		if oa.OASecret != s.OASecret() {
			fmt.Fprintf(out, "  oa_secret=%s\n", oa.OASecret)
		}
		for _, g := range s.GroupsOf(oa.OAID) {
			fmt.Fprintf(out, "  %s  %s\n", g.ID, g.Name)
		}
	}
}
