package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Hamlet is a khóm, ấp or thôn with its Zalo group.
type Hamlet struct {
	ID        int64
	Commune   string // its commune's code; empty in a write means the only commune
	CommuneID int64  // set by the store
	Code      string // short handle, unique within its commune, e.g. khom-1
	Name      string // e.g. Khóm 1
	GroupID   string // the Zalo group's id
	Active    bool   // inactive hamlets receive nothing
	CreatedAt time.Time
	UpdatedAt time.Time
	// Facts, when set, is the check of the group made before the hamlet is
	// written (CreateHamlet, ImportHamlets, UpdateHamlet); it is stored in
	// the same transaction. Reads leave it nil: see AllGroupFacts.
	Facts *GroupFacts
}

const hamletColumns = `id, commune_id, (SELECT code FROM communes WHERE communes.id = hamlets.commune_id),
	code, name, group_id, active, created_at, updated_at`

func scanHamlet(sc interface{ Scan(...any) error }) (Hamlet, error) {
	var h Hamlet
	var created, updated sql.NullString
	if err := sc.Scan(&h.ID, &h.CommuneID, &h.Commune, &h.Code, &h.Name, &h.GroupID, &h.Active, &created, &updated); err != nil {
		return h, err
	}
	// The times are only shown: one that cannot be read reads as zero
	// rather than stop every hamlet's deliveries.
	h.CreatedAt, _ = parseTime(created)
	h.UpdatedAt, _ = parseTime(updated)
	return h, nil
}

// uniqueHamlet checks in tx that no other hamlet (other than id) has h's
// code in its commune, or its group id anywhere.
func uniqueHamlet(ctx context.Context, tx *txn, h *Hamlet, id int64) (FieldErrors, error) {
	var es FieldErrors
	var other string
	err := tx.QueryRowContext(ctx, `SELECT name FROM hamlets WHERE commune_id = ? AND code = ? AND id <> ?`,
		h.CommuneID, h.Code, id).Scan(&other)
	switch {
	case err == nil:
		es.add("code", "Mã %q đã dùng cho %q; hãy đặt mã khác.", h.Code, other)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("check hamlet code %s: %w", h.Code, err)
	}
	err = tx.QueryRowContext(ctx, `SELECT name || ' (' || code || ')' || CASE WHEN (SELECT count(*) FROM communes) > 1
		THEN ' của ' || (SELECT c.name || ' (' || c.code || ')' FROM communes c WHERE c.id = hamlets.commune_id) ELSE '' END
		FROM hamlets WHERE group_id = ? AND id <> ?`, h.GroupID, id).Scan(&other)
	switch {
	case err == nil:
		es.add("group_id", "Nhóm Zalo %q đã gắn với %s; mỗi thôn/ấp cần một nhóm riêng, hãy kiểm tra lại mã nhóm.", h.GroupID, other)
	case !errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("check hamlet group %s: %w", h.GroupID, err)
	}
	return es, nil
}

func insertHamlet(ctx context.Context, tx *txn, actor string, h *Hamlet) error {
	res, err := tx.ExecContext(ctx, `INSERT INTO hamlets (commune_id, code, name, group_id, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, 1, ?, ?)`, h.CommuneID, h.Code, h.Name, h.GroupID, fmtTime(tx.Now), fmtTime(tx.Now))
	if err != nil {
		return fmt.Errorf("insert hamlet %s: %w", h.Code, err)
	}
	h.ID, _ = res.LastInsertId()
	h.Active, h.CreatedAt, h.UpdatedAt = true, tx.Now, tx.Now
	if h.Facts != nil {
		if err := upsertFacts(ctx, tx, h.GroupID, *h.Facts); err != nil {
			return err
		}
	}
	return tx.audit(ctx, actor, "hamlet.add", 0, h.ID, h.Code+" "+h.GroupID)
}

// hamletCommune sets h.CommuneID from h.Commune (empty: the only commune).
func hamletCommune(ctx context.Context, tx *txn, h *Hamlet) error {
	c, err := resolveCommune(ctx, tx, h.Commune)
	if err != nil {
		return err
	}
	h.Commune, h.CommuneID = c.Code, c.ID
	return nil
}

// CreateHamlet adds an active hamlet to the commune h.Commune (empty: the
// only one); an empty Code is made from the name with Slug. A code already
// in use in the commune, or a group id in use anywhere, is a FieldErrors.
func (s *Store) CreateHamlet(ctx context.Context, actor string, h *Hamlet) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		if err := hamletCommune(ctx, tx, h); err != nil {
			return err
		}
		es, err := uniqueHamlet(ctx, tx, h, 0)
		if err != nil {
			return err
		}
		if len(es) > 0 {
			return es
		}
		return insertHamlet(ctx, tx, actor, h)
	})
}

// HamletTaken checks, before a hamlet is added (and its group asked of
// Zalo), that h's code is free in its commune (h.Commune; empty: the only
// one) and its group id everywhere: the same FieldErrors CreateHamlet
// gives, naming the hamlet — and its commune — that has them.
func (s *Store) HamletTaken(ctx context.Context, h *Hamlet) error {
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback()
	tx := &txn{Tx: sqlTx, Now: s.Now()}
	c := *h
	if err := hamletCommune(ctx, tx, &c); err != nil {
		return err
	}
	es, err := uniqueHamlet(ctx, tx, &c, 0)
	if err != nil {
		return err
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// ImportHamlets adds every hamlet in hs, each to its Commune (empty: the
// only one), in one transaction: all or nothing. A bad item is a *RowError
// with its index in hs; a code repeated within a commune, or a group id
// repeated, within hs or with the database, is a bad item.
func (s *Store) ImportHamlets(ctx context.Context, actor string, hs []Hamlet) error {
	codes, groups := map[string]int{}, map[string]int{}
	for i := range hs {
		h := &hs[i]
		if err := h.Validate(); err != nil {
			return &RowError{Row: i, Err: err.(FieldErrors)}
		}
		if j, ok := codes[h.Commune+"/"+h.Code]; ok {
			return &RowError{Row: i, Err: fieldErr("code", "Mã %q trùng với dòng trước (mục %d); hãy đặt mã khác.", h.Code, j+1)}
		}
		if j, ok := groups[h.GroupID]; ok {
			return &RowError{Row: i, Err: fieldErr("group_id", "Nhóm Zalo %q trùng với dòng trước (mục %d); mỗi thôn/ấp cần một nhóm riêng.", h.GroupID, j+1)}
		}
		codes[h.Commune+"/"+h.Code], groups[h.GroupID] = i, i
	}
	return s.update(ctx, func(tx *txn) error {
		for i := range hs {
			if err := hamletCommune(ctx, tx, &hs[i]); err != nil {
				var fes FieldErrors
				if errors.As(err, &fes) {
					return &RowError{Row: i, Err: fes}
				}
				return err
			}
			es, err := uniqueHamlet(ctx, tx, &hs[i], 0)
			if err != nil {
				return err
			}
			if len(es) > 0 {
				return &RowError{Row: i, Err: es}
			}
			if err := insertHamlet(ctx, tx, actor, &hs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Hamlets lists every hamlet of every commune, active or not, by code
// (with several communes, codes repeat: see HamletsOf).
func (s *Store) Hamlets(ctx context.Context) ([]Hamlet, error) {
	return s.hamlets(ctx, `SELECT `+hamletColumns+` FROM hamlets ORDER BY code, commune_id`)
}

// HamletsOf lists the hamlets of commune communeID, active or not, by code.
func (s *Store) HamletsOf(ctx context.Context, communeID int64) ([]Hamlet, error) {
	return s.hamlets(ctx, `SELECT `+hamletColumns+` FROM hamlets WHERE commune_id = ? ORDER BY code`, communeID)
}

func (s *Store) hamlets(ctx context.Context, q string, args ...any) ([]Hamlet, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list hamlets: %w", err)
	}
	defer rows.Close()
	var hs []Hamlet
	for rows.Next() {
		h, err := scanHamlet(rows)
		if err != nil {
			return nil, fmt.Errorf("list hamlets: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// HamletByCode returns the hamlet with code, or ErrNotFound. When several
// communes have a hamlet of that code it is a *CommuneRequiredError: use
// HamletInCommune.
func (s *Store) HamletByCode(ctx context.Context, code string) (*Hamlet, error) {
	hs, err := s.hamlets(ctx, `SELECT `+hamletColumns+` FROM hamlets WHERE code = ? ORDER BY commune_id LIMIT 2`, code)
	switch {
	case err != nil:
		return nil, fmt.Errorf("get hamlet %s: %w", code, err)
	case len(hs) == 0:
		return nil, ErrNotFound
	case len(hs) > 1:
		cs, err := s.Communes(ctx)
		if err != nil {
			return nil, err
		}
		codes := make([]string, len(cs))
		for i, c := range cs {
			codes[i] = c.Code
		}
		return nil, &CommuneRequiredError{Codes: codes}
	}
	return &hs[0], nil
}

// HamletInCommune returns the hamlet with code in commune communeID, or ErrNotFound.
func (s *Store) HamletInCommune(ctx context.Context, communeID int64, code string) (*Hamlet, error) {
	hs, err := s.hamlets(ctx, `SELECT `+hamletColumns+` FROM hamlets WHERE commune_id = ? AND code = ?`, communeID, code)
	if err != nil {
		return nil, fmt.Errorf("get hamlet %s: %w", code, err)
	}
	if len(hs) == 0 {
		return nil, ErrNotFound
	}
	return &hs[0], nil
}

// HamletByGroup returns the hamlet of Zalo group groupID (group ids are
// unique across communes), or ErrNotFound.
func (s *Store) HamletByGroup(ctx context.Context, groupID string) (*Hamlet, error) {
	return s.hamletWhere(ctx, `group_id = ?`, groupID)
}

// HamletByID returns the hamlet with id, or ErrNotFound.
func (s *Store) HamletByID(ctx context.Context, id int64) (*Hamlet, error) {
	return s.hamletWhere(ctx, `id = ?`, id)
}

func (s *Store) hamletWhere(ctx context.Context, where string, arg any) (*Hamlet, error) {
	h, err := scanHamlet(s.db.QueryRowContext(ctx, `SELECT `+hamletColumns+` FROM hamlets WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get hamlet %v: %w", arg, err)
	}
	return &h, nil
}

// UpdateHamlet changes the name, code and group id of the hamlet h.ID.
// Changing a code that notices target is refused.
func (s *Store) UpdateHamlet(ctx context.Context, actor string, h *Hamlet) error {
	if err := h.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		var oldCode, communeCode string
		if err := tx.QueryRowContext(ctx, `SELECT h.code, h.commune_id, c.code FROM hamlets h JOIN communes c ON c.id = h.commune_id
			WHERE h.id = ?`, h.ID).Scan(&oldCode, &h.CommuneID, &communeCode); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return fmt.Errorf("get hamlet %d: %w", h.ID, err)
		}
		es, err := uniqueHamlet(ctx, tx, h, h.ID)
		if err != nil {
			return err
		}
		if oldCode != h.Code {
			var n int
			// Its commune's notices name it by code, province-wide ones as commune/code.
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notices WHERE targets <> 'all'
				AND ((commune_id = ?1 AND ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ?2 || ',%')
				  OR (commune = '*' AND ',' || replace(targets, ' ', '') || ',' LIKE '%,' || ?3 || '/' || ?2 || ',%'))`,
				h.CommuneID, oldCode, communeCode).Scan(&n); err != nil {
				return fmt.Errorf("check notices of hamlet %s: %w", oldCode, err)
			}
			if n > 0 {
				es.add("code", "Có %d thông báo nhắm tới mã %q nên không đổi mã được; hãy giữ mã cũ.", n, oldCode)
			}
		}
		if len(es) > 0 {
			return es
		}
		if _, err := tx.ExecContext(ctx, `UPDATE hamlets SET code = ?, name = ?, group_id = ?, updated_at = ? WHERE id = ?`,
			h.Code, h.Name, h.GroupID, fmtTime(tx.Now), h.ID); err != nil {
			return fmt.Errorf("update hamlet %d: %w", h.ID, err)
		}
		h.UpdatedAt, h.Commune = tx.Now, communeCode
		if h.Facts != nil {
			if err := upsertFacts(ctx, tx, h.GroupID, *h.Facts); err != nil {
				return err
			}
		}
		return tx.audit(ctx, actor, "hamlet.update", 0, h.ID, h.Code+" "+h.GroupID)
	})
}

// SetHamletActive includes or excludes the hamlet code from deliveries.
func (s *Store) SetHamletActive(ctx context.Context, actor, code string, active bool) error {
	h, err := s.HamletByCode(ctx, code)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE hamlets SET active = ?, updated_at = ? WHERE id = ?`,
			active, fmtTime(tx.Now), h.ID); err != nil {
			return fmt.Errorf("set hamlet %s active: %w", code, err)
		}
		action := "hamlet.enable"
		if !active {
			action = "hamlet.disable"
		}
		return tx.audit(ctx, actor, action, 0, h.ID, code)
	})
}
