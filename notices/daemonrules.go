package notices

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// daemonRulesKey is the daemon_state row in which the running daemon
// records the sending rules it keeps to, so that the CLI, run with
// another environment, says what the daemon will do.
const daemonRulesKey = "daemon_rules"

// DaemonRules are the rules a daemon (serve, demo) runs with, as its
// configuration gave them.
type DaemonRules struct {
	TZ          string    `json:"tz"`          // LOAXA_TZ
	QuietHours  string    `json:"quiet_hours"` // LOAXA_QUIET_HOURS: "21:00-06:00" or "off"
	Bulletin    []string  `json:"bulletin"`    // LOAXA_BULLETIN's cron specs
	MaxLateness string    `json:"max_lateness"`
	Program     string    `json:"program"` // "serve" or "demo"
	At          time.Time `json:"-"`       // when it was recorded (the daemon's start)
}

// RecordDaemonRules records r as the rules the daemon now runs with.
func (s *Store) RecordDaemonRules(ctx context.Context, r DaemonRules) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("record daemon rules: %w", err)
	}
	return s.commit(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			daemonRulesKey, string(v), fmtTime(tx.Now))
		if err != nil {
			return fmt.Errorf("record daemon rules: %w", err)
		}
		return nil
	})
}

// RecordedDaemonRules are the rules the last daemon started on this
// database recorded; ok is false when none did.
func (s *Store) RecordedDaemonRules(ctx context.Context) (r DaemonRules, ok bool, err error) {
	var v, at string
	err = s.db.QueryRowContext(ctx, `SELECT value, updated_at FROM daemon_state WHERE key = ?`, daemonRulesKey).Scan(&v, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return DaemonRules{}, false, nil
	}
	if err != nil {
		return DaemonRules{}, false, fmt.Errorf("read daemon rules: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &r); err != nil {
		return DaemonRules{}, false, fmt.Errorf("read daemon rules: %w", err)
	}
	r.At = parseText(at)
	return r, true, nil
}
