package main

import (
	"context"
	"fmt"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// rules are the sending rules of this configuration, the same the daemon
// keeps to (notices.Rules), for the CLI to say when things go out.
func (c Config) rules() notices.Rules {
	maxLate := c.MaxLateness
	if maxLate <= 0 {
		maxLate = time.Hour
	}
	return notices.Rules{Location: c.Location, Quiet: c.Quiet, Bulletin: c.Slots, MaxLateness: maxLate}
}

// knownHamlet refuses a filter naming no hamlet, rather than listing
// nothing as if that hamlet had no notices.
func knownHamlet(ctx context.Context, s *notices.Store, code string) error {
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if h.Code == code {
			return nil
		}
	}
	return fmt.Errorf("không có thôn/ấp nào mang mã %q; xem các mã bằng loaxa hamlet list", code)
}
