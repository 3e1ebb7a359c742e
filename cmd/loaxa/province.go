package main

import (
	"fmt"
	"strings"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
	"github.com/loaxa/loaxa/schedule"
)

// province builds province mode's sending (README: Cả tỉnh): one bot.App
// (ZALO_APP_ID, ZALO_APP_SECRET, the app-wide ZALO_RATE_PER_MIN), and for
// each active commune a client of its own OA, on its own token pair
// (Store.CommuneTokens) and its own package limit (communes.rate_per_min).
// An inactive commune gets none: nothing of it is claimed.
func (d *daemon) province(communes []notices.Commune) (*schedule.Province, error) {
	if d.cfg.ZaloRefreshToken != "" {
		d.log.Warn().Msg("ZALO_REFRESH_TOKEN ignored: the database serves several communes, each with its own OA; " +
			"connect each with `loaxa zalo connect --commune CODE` (--refresh-token-file for a script)")
	}
	if d.cfg.Province == "" {
		d.log.Warn().Msg("LOAXA_PROVINCE is not set: province-wide notices are signed \"UBND tỉnh\"; set it, e.g. LOAXA_PROVINCE=\"UBND tỉnh An Giang\"")
	}
	d.app = bot.NewApp(bot.Config{
		APIBase:    d.cfg.ZaloAPIBase,
		OAuthBase:  d.cfg.ZaloOAuthBase,
		AppID:      d.cfg.ZaloAppID,
		AppSecret:  d.cfg.ZaloAppSecret,
		RatePerMin: d.cfg.ZaloRatePerMin,
	}, d.log)
	var cs []schedule.CommuneSender
	var off []string
	d.oas = map[int64]*bot.Client{}
	for _, c := range communes {
		if !c.Active {
			off = append(off, c.Code)
			continue
		}
		cl, err := d.app.Client(c.Code, d.store.CommuneTokens(c.ID), c.RatePerMin)
		if err != nil {
			return nil, fmt.Errorf("commune %s: %w", c.Code, err)
		}
		cs = append(cs, schedule.CommuneSender{ID: c.ID, Code: c.Code, Sender: cl})
		d.oas[c.ID] = cl
	}
	p, err := schedule.NewProvince(d.app.RatePerMin(), cs)
	if err != nil {
		return nil, err
	}
	p.AppPausedUntil = d.app.RateLimitedUntil
	d.prov = p
	ev := d.log.Info().Int("communes", len(cs))
	if len(off) > 0 {
		ev = ev.Str("inactive", strings.Join(off, ", "))
	}
	ev.Msg("province mode: each commune sends through its own Zalo OA")
	return p, nil
}
