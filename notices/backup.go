package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Backup writes a consistent copy of the database to dest with SQLite's
// online backup API, while this and other processes go on writing. dest must
// not exist; it is created with mode 0600. The copy is of one moment.
func (s *Store) Backup(ctx context.Context, dest string) error {
	f, err := os.OpenFile(dest, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	f.Close()
	if err := s.backup(ctx, dest); err != nil {
		os.Remove(dest)
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return nil
}

func (s *Store) backup(ctx context.Context, dest string) error {
	destDB, err := sql.Open("sqlite3", dsn(dest, 5*time.Second))
	if err != nil {
		return err
	}
	defer destDB.Close()
	destConn, err := destDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer destConn.Close()
	srcConn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer srcConn.Close()
	return destConn.Raw(func(dc any) error {
		return srcConn.Raw(func(sc any) error {
			d, ok1 := dc.(*sqlite3.SQLiteConn)
			src, ok2 := sc.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("not a go-sqlite3 connection")
			}
			b, err := d.Backup("main", src, "main")
			if err != nil {
				return err
			}
			for {
				// All pages in one step, from one read transaction: in WAL
				// mode it does not block writers, and a writer elsewhere
				// cannot make it start over again and again as small steps
				// would.
				done, err := b.Step(-1)
				if err != nil && !isBusy(err) {
					b.Finish()
					return err
				}
				if done {
					return b.Finish()
				}
				if err := ctx.Err(); err != nil {
					b.Finish()
					return err
				}
				if err != nil {
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	})
}

func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}
