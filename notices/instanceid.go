package notices

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"
)

// instanceKey is the daemon_state row that names this installation.
const instanceKey = "instance_id"

// Instance names this installation: a random UUID made on first start and
// kept in the database (daemon_state), so it survives restarts, upgrades
// and backups restored elsewhere. The Atom feed builds its ids from it
// when no public address (LOAXA_BASE_URL) is set, never from a request.
type Instance struct {
	ID        string    // a version 4 UUID, e.g. 1b4e28ba-2fa1-4d2b-883f-0016d3cca427
	CreatedAt time.Time // when it was made: the empty feed's <updated>
}

// Instance returns this installation's Instance, making it on first use.
// Two processes starting together agree: the first insert wins and both
// read it back.
func (s *Store) Instance(ctx context.Context) (Instance, error) {
	var in Instance
	err := s.commit(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO daemon_state (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO NOTHING`, instanceKey, newUUID(), fmtTime(tx.Now)); err != nil {
			return err
		}
		var at sql.NullString
		if err := tx.QueryRowContext(ctx, `SELECT value, updated_at FROM daemon_state WHERE key = ?`,
			instanceKey).Scan(&in.ID, &at); err != nil {
			return err
		}
		in.CreatedAt = parseText(at.String)
		return nil
	})
	if err != nil {
		return Instance{}, fmt.Errorf("instance id: %w", err)
	}
	return in, nil
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("notices: crypto/rand failed: " + err.Error()) // never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
