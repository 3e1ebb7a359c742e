//go:build tools

// This file pins the modules the packages are being built on while they land;
// it is removed once every dependency is imported by real code.
package main

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/go-resty/resty/v2"
	_ "github.com/mattn/go-sqlite3"
	_ "github.com/robfig/cron/v3"
	_ "github.com/rs/zerolog"
	_ "golang.org/x/crypto/bcrypt"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/text/unicode/norm"
	_ "golang.org/x/time/rate"
)
