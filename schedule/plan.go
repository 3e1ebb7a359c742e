package schedule

import "github.com/loaxa/loaxa/notices"

// The rules of when a notice is due and when it really goes out live in
// notices (notices/rules.go), where the site and the CLI read them too.

// due is one moment at which a notice should go out.
type due = notices.Due

// rules are the runner's sending rules, built once by New.
func (r *Runner) rules() notices.Rules { return r.rulesV }

// Rules are the sending rules this runner keeps to, for the site to show.
func (r *Runner) Rules() notices.Rules { return r.rulesV }
