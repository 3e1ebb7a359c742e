package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
	"golang.org/x/crypto/bcrypt"

	_ "time/tzdata" // the commune zone on machines without a zoneinfo database
)

// DefaultZone is the commune's time zone unless configured otherwise.
const DefaultZone = "Asia/Ho_Chi_Minh"

// sqlTime is how times are stored: UTC, SQLite's own datetime() format.
const sqlTime = "2006-01-02 15:04:05"

// Options tune Open. The zero value is usable.
type Options struct {
	Now          func() time.Time // the clock; default time.Now
	Location     *time.Location   // the commune zone; default Asia/Ho_Chi_Minh
	Logger       zerolog.Logger   // default: discard
	PasswordCost int              // bcrypt cost; default bcrypt.DefaultCost (tests use bcrypt.MinCost)
	BusyTimeout  time.Duration    // how long to wait for another process's write lock; default 5s
	// Commune is the commune's name (LOAXA_COMMUNE); staff passwords may
	// not be made of it.
	Commune string
	// Hashers is how many password checks (bcrypt) may run at once; more
	// wait their turn. Default half the CPUs, at least 1 (hashing.go).
	Hashers int
}

// Store is the SQLite database of one commune. It is safe for concurrent use;
// all statements go through one connection, so writes are serialised in this
// process, and busy_timeout covers writes by other processes.
type Store struct {
	db      *sql.DB
	tokenDB *sql.DB // a connection of its own for SaveZaloTokens, synchronous=FULL
	path    string
	now     func() time.Time
	loc     *time.Location
	log     zerolog.Logger
	cost    int
	commune string
	changed chan struct{}
	applied []Migration

	dummyOnce sync.Once
	dummyHash []byte
	hashers   chan struct{} // a slot per password check running

	fairAfter atomic.Int64 // the commune the latest fair claim ended its turn with (queue.go)
}

// Open opens (creating it with mode 0600 if needed) the database at path and
// brings its schema up to date. It refuses a database whose schema is newer
// than this binary knows (*SchemaTooNewError).
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open database: want a file path, got %q", path)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		loc, err := time.LoadLocation(DefaultZone)
		if err != nil {
			return nil, fmt.Errorf("load time zone %s: %w", DefaultZone, err)
		}
		opts.Location = loc
	}
	if opts.PasswordCost == 0 {
		opts.PasswordCost = bcrypt.DefaultCost
	}
	if opts.BusyTimeout == 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	// Create the file ourselves so that it, and the -wal and -shm files
	// SQLite derives from it, are readable by this user only.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db, err := sql.Open(driverName, dsn(path, opts.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db.SetMaxOpenConns(1) // one writer, chosen on purpose
	db.SetConnMaxIdleTime(0)
	s := &Store{
		db:      db,
		path:    path,
		now:     opts.Now,
		loc:     opts.Location,
		log:     opts.Logger,
		cost:    opts.PasswordCost,
		commune: opts.Commune,
		changed: make(chan struct{}, 1),
		hashers: make(chan struct{}, hashers(opts.Hashers)),
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, damaged(path, fmt.Errorf("open database %s: %w", path, err))
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, damaged(path, err)
	}
	s.applied = applied
	// Storing a rotated Zalo token pair must not wait for the daemon's
	// other statements on the one connection, and must survive a power
	// cut: its own connection, with synchronous=FULL.
	s.tokenDB, err = sql.Open("sqlite3",
		strings.Replace(dsn(path, opts.BusyTimeout), "_synchronous=NORMAL", "_synchronous=FULL", 1))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s.tokenDB.SetMaxOpenConns(1)
	if err := s.tokenDB.PingContext(ctx); err != nil {
		db.Close()
		s.tokenDB.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return s, nil
}

// dsn builds the connection string: pragmas in the DSN reach every
// connection the driver opens. _stmt_cache_size keeps the daemon's
// statements prepared on the connection: compiling the claim query cost
// more than running it (docs/PERFORMANCE.md).
func dsn(path string, busy time.Duration) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return fmt.Sprintf("file:%s?_journal_mode=WAL&_busy_timeout=%d&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"+
		"&_stmt_cache_size=%d", esc, busy.Milliseconds(), stmtCacheSize)
}

// stmtCacheSize is how many prepared statements the connection keeps: more
// than the daemon's and the admin site's distinct queries.
const stmtCacheSize = 128

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.tokenDB != nil {
		err = errors.Join(err, s.tokenDB.Close())
	}
	return err
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Location returns the commune's time zone.
func (s *Store) Location() *time.Location { return s.loc }

// Now returns the store's clock reading, in UTC, to the second.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Second) }

// Applied returns the migrations Open applied (empty when the schema was
// already up to date).
func (s *Store) Applied() []Migration { return s.applied }

// Changed is signalled after each write this Store commits. It holds at most
// one pending signal: a receiver that was busy sees one wake-up for many
// writes, which is what a poll loop wants.
func (s *Store) Changed() <-chan struct{} { return s.changed }

func (s *Store) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// DataVersion returns PRAGMA data_version: it changes when another process
// commits to the database, so a poll loop can skip work when it has not.
// Writes through this Store's own connection do not change it; use Changed.
func (s *Store) DataVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read data_version: %w", err)
	}
	return v, nil
}

// txn is a write transaction with its clock reading fixed.
type txn struct {
	*sql.Tx
	Now time.Time // UTC, to the second
}

// audit appends an audit entry in the transaction. It belongs to the
// commune of the hamlet, else of the notice; to none (the province's) when
// neither names one. Only a commune that exists is taken: a notice whose
// commune_id another program changed to the id of no commune goes by the
// commune its code names, else none, so that its entry (setting it aside,
// closing it) is never refused by the foreign key.
func (tx *txn) audit(ctx context.Context, actor, action string, noticeID, hamletID int64, detail string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO audit_log (at, actor, action, notice_id, hamlet_id, detail, commune_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6,
			coalesce((SELECT c.id FROM hamlets h JOIN communes c ON c.id = h.commune_id WHERE h.id = ?5),
				(SELECT c.id FROM notices n JOIN communes c ON c.id = n.commune_id WHERE n.id = ?4),
				(SELECT c.id FROM notices n JOIN communes c ON c.code = n.commune WHERE n.id = ?4)))`,
		fmtTime(tx.Now), actor, action, nullID(noticeID), nullID(hamletID), detail)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", action, err)
	}
	return nil
}

// auditIn appends an audit entry of commune communeID (0: the province's).
func (tx *txn) auditIn(ctx context.Context, communeID int64, actor, action string, noticeID, hamletID int64, detail string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO audit_log (at, actor, action, notice_id, hamlet_id, detail, commune_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		fmtTime(tx.Now), actor, action, nullID(noticeID), nullID(hamletID), detail, nullID(communeID))
	if err != nil {
		return fmt.Errorf("append audit %s: %w", action, err)
	}
	return nil
}

// auditAccount appends an audit entry about the account named username (a
// sign-in, a failed one, a sign-out): it is that account's commune's, so
// that the commune's admin sees it in its log; a province account's, or
// a name no account has, is the province's.
func (tx *txn) auditAccount(ctx context.Context, username, actor, action, detail string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO audit_log (at, actor, action, detail, commune_id)
		VALUES (?1, ?2, ?3, ?4, (SELECT commune_id FROM users WHERE username = ?5))`,
		fmtTime(tx.Now), actor, action, detail, strings.TrimSpace(username))
	if err != nil {
		return fmt.Errorf("append audit %s: %w", action, err)
	}
	return nil
}

// update runs fn in one write transaction and commits it, then signals
// Changed. Validate before calling it; fn writes, and appends its audit
// entry with tx.audit so the record and the action commit together.
func (s *Store) update(ctx context.Context, fn func(tx *txn) error) error {
	if err := s.commit(ctx, fn); err != nil {
		return err
	}
	s.signal()
	return nil
}

// commit runs fn in one write transaction and commits it without signalling
// Changed: for the daemon's own bookkeeping, which must not wake its poll
// loop.
func (s *Store) commit(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &txn{Tx: sqlTx, Now: s.Now()}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// fmtTime formats t for storage: NULL for the zero time.
func fmtTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(sqlTime)
}

// parseTime reads a stored time; NULL and the empty string read as the zero time.
func parseTime(ns sql.NullString) (time.Time, error) {
	if !ns.Valid || ns.String == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(sqlTime, ns.String, time.UTC)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", ns.String, err)
	}
	return t, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// damaged wraps err in a *DamagedError when SQLite says the file is not a
// database or is corrupt.
func damaged(path string, err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && (se.Code == sqlite3.ErrNotADB || se.Code == sqlite3.ErrCorrupt) {
		return &DamagedError{Path: path, Err: err}
	}
	return err
}

// isConstraint reports whether err is a SQLite constraint violation whose
// message contains text.
func isConstraint(err error, text string) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) || se.Code != sqlite3.ErrConstraint {
		return false
	}
	return strings.Contains(err.Error(), text)
}

// IsTransient reports whether err says the database could not do the work
// right now (locked by another program, disk full or read-only, I/O, a
// cancelled context, a closed connection), as opposed to refusing this
// particular row. The daemon retries the first kind and sets a notice aside
// for the second.
func IsTransient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) ||
		err != nil && strings.Contains(err.Error(), "sql: database is closed") {
		return true
	}
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case sqlite3.ErrBusy, sqlite3.ErrLocked, sqlite3.ErrIoErr, sqlite3.ErrFull, sqlite3.ErrReadonly,
		sqlite3.ErrCantOpen, sqlite3.ErrNomem, sqlite3.ErrInterrupt, sqlite3.ErrCorrupt, sqlite3.ErrNotADB,
		sqlite3.ErrProtocol, sqlite3.ErrAbort, sqlite3.ErrPerm, sqlite3.ErrSchema:
		return true
	}
	return false
}
