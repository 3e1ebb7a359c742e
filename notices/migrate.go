package notices

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one numbered schema file, e.g. 0001_init.sql.
type Migration struct {
	Version int
	Name    string // the file name
	sql     string
}

// migrations returns the embedded migrations in order.
func migrations() ([]Migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, p := range names {
		name := strings.TrimPrefix(p, "migrations/")
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and '_'", name)
		}
		b, err := migrationFS.ReadFile(p)
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].Name, ms[i].Name, ms[i].Version)
		}
	}
	return ms, nil
}

// LatestSchema is the highest schema version this binary knows.
func LatestSchema() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

// SchemaVersion returns the highest migration recorded in the database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// Migrate applies, in order, each embedded migration the database has not
// recorded, each in one transaction with its schema_migrations row, and
// returns those it applied. It refuses a database that records a migration
// this binary does not know (*SchemaTooNewError). Open calls it.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := migrations()
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL DEFAULT (datetime('now'))
	)`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	done := map[int]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	maxDB := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		done[v] = true
		maxDB = max(maxDB, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	known := map[int]bool{}
	latest := 0
	for _, m := range ms {
		known[m.Version] = true
		latest = m.Version
	}
	for v := range done {
		if !known[v] {
			return nil, &SchemaTooNewError{DBVersion: maxDB, Known: latest}
		}
	}
	var applied []Migration
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		if err := s.apply(ctx, m); err != nil {
			return applied, fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		s.log.Info().Int("version", m.Version).Str("migration", m.Name).Msg("schema migrated")
		applied = append(applied, m)
	}
	return applied, nil
}

// fkOffMarker in a migration file makes apply run it with foreign keys
// off, as SQLite's way of rebuilding a table requires; the file keeps
// every row's id, so that the rows referring to it still do.
const fkOffMarker = "-- loaxa:foreign_keys=off"

// goSteps are the steps a migration needs that SQL alone cannot take; each
// runs right after its file, in the same transaction.
var goSteps = map[int]func(ctx context.Context, s *Store, tx *txn) error{
	13: communeStep,
}

// apply runs one migration, its Go step and its schema_migrations row in
// one transaction, on one connection: PRAGMA foreign_keys only takes
// effect outside a transaction, on the connection it is set on.
func (s *Store) apply(ctx context.Context, m Migration) (err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if strings.Contains(m.sql, fkOffMarker) {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return err
		}
		defer func() {
			if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
				err = onErr
			}
		}()
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &txn{Tx: sqlTx, Now: s.Now()}
	err = func() error {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		if step := goSteps[m.Version]; step != nil {
			if err := step(ctx, s, tx); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.Version, m.Name, fmtTime(tx.Now))
		return err
	}()
	if err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.signal()
	return nil
}
