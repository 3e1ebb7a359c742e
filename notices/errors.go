package notices

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned when a hamlet, notice or user does not exist.
var ErrNotFound = errors.New("not found")

// ErrBadCredentials is returned by Authenticate for an unknown user, a wrong
// password or a disabled account alike, so callers cannot tell them apart.
var ErrBadCredentials = errors.New("bad credentials")

// FieldError says what is wrong with one field, in plain Vietnamese, for
// staff to read beside the field or on the command line.
type FieldError struct {
	Field string // the field's name as in the schema: title, targets, publish_at …
	Msg   string // a sentence that says what is wrong and how to fix it
}

func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// FieldErrors is a validation failure: every field that is wrong, in the
// order the fields appear in the form.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// add appends a field error; msg is formatted with args.
func (es *FieldErrors) add(field, msg string, args ...any) {
	if len(args) > 0 {
		msg = fmt.Sprintf(msg, args...)
	}
	*es = append(*es, FieldError{Field: field, Msg: msg})
}

// Err returns es as an error, or nil when it is empty.
func (es FieldErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Has reports whether field has an error.
func (es FieldErrors) Has(field string) bool {
	for _, e := range es {
		if e.Field == field {
			return true
		}
	}
	return false
}

// fieldErr returns a FieldErrors with one entry.
func fieldErr(field, msg string, args ...any) FieldErrors {
	var es FieldErrors
	es.add(field, msg, args...)
	return es
}

// RowError is a validation failure in one item of a batch (ImportHamlets):
// Row is the item's index in the slice passed in, from 0.
type RowError struct {
	Row int
	Err FieldErrors
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %v", e.Row, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// SchemaTooNewError is returned by Open for a database that records a
// migration this binary does not know.
type SchemaTooNewError struct {
	DBVersion int // the highest version recorded in the database
	Known     int // the highest version embedded in this binary
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this loaxa (knows up to %d); upgrade loaxa",
		e.DBVersion, e.Known)
}

// DamagedError is returned by Open for a file that is not a SQLite database,
// or whose pages SQLite finds damaged. Restore the last backup.
type DamagedError struct {
	Path string
	Err  error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("database %s is not a SQLite database or is damaged (%v); restore the last backup", e.Path, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }
