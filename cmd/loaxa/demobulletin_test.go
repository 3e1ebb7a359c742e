package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/loaxa/loaxa/notices"
)

// TestDemoShowsABulletinWithinMinutes: the demo's low notice is in a
// bulletin within five minutes of the start, whatever the hour (the
// default slots, 06:30 and 17:30, would make a visitor wait for hours);
// LOAXA_BULLETIN still wins.
func TestDemoShowsABulletinWithinMinutes(t *testing.T) {
	cfg, err := loadConfig(demoGetenv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := notices.Open(ctx, filepath.Join(t.TempDir(), "demo.db"), notices.Options{Location: cfg.Location, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := seedDemo(ctx, s, cfg.Location); err != nil {
		t.Fatal(err)
	}
	live, err := s.LiveNotices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules := cfg.rules()
	lows := 0
	for _, n := range live {
		if n.Priority != notices.Low {
			continue
		}
		lows++
		// At every hour of the day: the seeded notice, approved now, goes
		// in a bulletin within five minutes.
		for h := 0; h < 24; h++ {
			now := time.Date(2026, 12, 1, h, 7, 0, 0, cfg.Location)
			cp := *n
			cp.ApprovedAt, cp.CreatedAt = now, now
			if at := rules.BulletinFor(&cp, now); at.IsZero() || at.Sub(now) > 5*time.Minute {
				t.Errorf("at %s the demo's low notice is in the bulletin of %v; want within 5 minutes", now.Format("15:04"), at)
			}
		}
	}
	if lows != 1 {
		t.Errorf("the demo seeds %d low notices; want 1", lows)
	}
	other, err := loadConfig(demoGetenv(func(k string) string {
		if k == "LOAXA_BULLETIN" {
			return "30 6,17 * * *"
		}
		return ""
	}))
	if err != nil || len(other.Bulletin) != 1 || other.Bulletin[0] != "30 6,17 * * *" {
		t.Errorf("LOAXA_BULLETIN does not override the demo's slots: %v %v", other.Bulletin, err)
	}
}
