// Package schedule is loaxa's sense of time: it notices due work, turns each
// due occurrence of an approved notice into delivery rows, and dispatches
// those rows to hamlet groups through a Sender, exactly once.
//
// The flow is one function, [Runner.RunOnce], called by the poll loop (an
// in-process wake-up for our own writes, PRAGMA data_version and a short
// interval for other processes' writes) and by nothing else:
//
//  1. materialise: every approved notice whose next occurrence is due gets
//     an occurrence and one delivery per (hamlet, part), in one idempotent
//     transaction; late recurring occurrences are skipped, expired notices
//     are closed, low-priority notices wait for the next bulletin slot;
//  2. dispatch: due deliveries are claimed in priority order and marked
//     'sending' in a committed transaction, sent outside any transaction,
//     then recorded as 'sent', 'retry' (with backoff) or 'failed';
//  3. reconcile: rows left in 'sending' by a crash or by a lost answer are
//     checked against the group's recent conversation before anything is
//     sent again.
//
// Calendar jobs (token upkeep, expiry sweep, the daily summary) run on
// robfig/cron/v3 with a panic-recovering chain that logs through zerolog.
package schedule
