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
	r, err := notices.NewRules(c.Location, c.Quiet, c.Bulletin, maxLate)
	if err != nil { // loadConfig has checked the specs already
		r = notices.Rules{Location: c.Location, Quiet: c.Quiet, MaxLateness: maxLate}
	}
	return r
}
