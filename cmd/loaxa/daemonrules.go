package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// The daemon (serve, demo) records at start the rules it sends by: quiet
// hours, bulletin slots, zone, lateness (notices.DaemonRules). The CLI
// says when a notice goes out by those recorded rules, not by its own
// environment's, so that `loaxa notice approve` on the demo's database
// agrees with the demo, whose quiet hours are off. When the two differ,
// the CLI says so once.

// daemonRules is the configuration's rules as the daemon records them.
func (c Config) daemonRules() notices.DaemonRules {
	return notices.DaemonRules{TZ: c.Location.String(), QuietHours: c.Quiet.String(), Bulletin: c.Bulletin,
		MaxLateness: c.MaxLateness.String()}
}

// daemonRules is cfg with the rules the daemon recorded in s, if any; it
// notes in e what differs from cfg's own.
func (e *env) daemonRules(ctx context.Context, s *notices.Store, cfg Config) (Config, error) {
	r, ok, err := s.RecordedDaemonRules(ctx)
	if err != nil || !ok {
		return cfg, err
	}
	mine := cfg.daemonRules()
	loc, err := time.LoadLocation(r.TZ)
	if err != nil {
		return cfg, nil // a zone this machine does not know: keep its own rules
	}
	quiet, err := notices.ParseQuietHours(r.QuietHours)
	if err != nil {
		return cfg, nil
	}
	var slots []notices.Recurrence
	for _, spec := range r.Bulletin {
		rec, err := notices.ParseRecurrence(spec, loc)
		if err != nil {
			return cfg, nil
		}
		slots = append(slots, rec)
	}
	var diff []string
	if r.QuietHours != mine.QuietHours {
		diff = append(diff, fmt.Sprintf("giờ yên lặng %s (ở đây LOAXA_QUIET_HOURS cho %s)", r.QuietHours, mine.QuietHours))
	}
	if !slices.Equal(r.Bulletin, mine.Bulletin) {
		diff = append(diff, fmt.Sprintf("bản tin %q (ở đây LOAXA_BULLETIN cho %q)", strings.Join(r.Bulletin, ";"), strings.Join(mine.Bulletin, ";")))
	}
	if r.TZ != mine.TZ {
		diff = append(diff, fmt.Sprintf("múi giờ %s (ở đây LOAXA_TZ cho %s)", r.TZ, mine.TZ))
	}
	if d, err := time.ParseDuration(r.MaxLateness); err == nil {
		if d != cfg.MaxLateness {
			diff = append(diff, fmt.Sprintf("độ trễ tối đa %s (ở đây %s)", d, cfg.MaxLateness))
		}
		cfg.MaxLateness = d
	}
	cfg.Quiet, cfg.Slots, cfg.Bulletin, cfg.QuietHours = quiet.In(loc), slots, r.Bulletin, r.QuietHours
	if len(diff) > 0 {
		e.rulesNote = fmt.Sprintf("Giờ gửi tính theo quy tắc dịch vụ loaxa ghi lại khi khởi động (%s): %s.",
			notices.FormatDisplay(r.At, cfg.Location), strings.Join(diff, "; "))
	}
	return cfg, nil
}

// sayRules prints, once, that the daemon's rules differ from this
// environment's.
func (e *env) sayRules() {
	if e.rulesNote != "" {
		fmt.Fprintln(e.stderr, "loaxa: "+e.rulesNote)
		e.rulesNote = ""
	}
}
