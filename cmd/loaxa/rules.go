package main

import (
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
