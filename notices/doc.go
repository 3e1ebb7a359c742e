// Package notices holds loaxa's domain — hamlets, notices, deliveries, users
// and the audit log — with its validation, the rendering of message text, and
// the SQLite store with its embedded migrations.
//
// Every write goes through one transaction that validates, writes and
// appends an audit entry; after it commits, Store.Changed is signalled so the
// daemon in the same process wakes up at once. Other processes (the sqlite3
// shell, the commune's document system) may INSERT notices directly; the
// schema's defaults, CHECK constraints and triggers make such a row a
// complete notice or refuse it (see docs/schema.md).
//
// Times are stored in UTC as 'YYYY-MM-DD HH:MM:SS' and shown and entered in
// the commune's zone (Asia/Ho_Chi_Minh unless configured otherwise).
package notices
