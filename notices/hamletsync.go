package notices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// Group is a Zalo group the OA belongs to, as listed by Zalo.
type Group struct {
	ID   string
	Name string
	// Facts, when set, is the group's check; SyncHamlets stores it for a
	// hamlet it adds and for one that has the group already.
	Facts *GroupFacts
	// Refused, when set, says why no hamlet may be added for the group
	// (it is disabled); a hamlet that has it already keeps it.
	Refused string
}

// SyncResult says what SyncHamlets did.
type SyncResult struct {
	Added   []Hamlet // new hamlets for groups we did not know
	Known   int      // groups that already had a hamlet (left as staff named them)
	Missing []Hamlet // active hamlets whose group was not in the list (left unchanged)
	Refused []Group  // groups with no hamlet that were not added, with why
}

// SyncHamlets is SyncHamletsIn for the only commune.
func (s *Store) SyncHamlets(ctx context.Context, actor string, gs []Group) (SyncResult, error) {
	return s.SyncHamletsIn(ctx, actor, "", gs)
}

// SyncHamletsIn adds to commune (a code; empty: the only commune) a hamlet
// for each group in gs, its OA's, that has none, in one transaction, with
// a code made from the group's name (suffixed -2, -3 … if taken in the
// commune). Existing hamlets keep their names; the commune's hamlets whose
// group is absent are reported, not changed.
func (s *Store) SyncHamletsIn(ctx context.Context, actor, commune string, gs []Group) (SyncResult, error) {
	var res SyncResult
	err := s.update(ctx, func(tx *txn) error {
		res = SyncResult{}
		c, err := resolveCommune(ctx, tx, commune)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, g := range gs {
			if seen[g.ID] {
				continue
			}
			seen[g.ID] = true
			var id int64
			err := tx.QueryRowContext(ctx, `SELECT id FROM hamlets WHERE group_id = ?`, g.ID).Scan(&id)
			if err == nil {
				res.Known++
				if g.Facts != nil {
					if err := upsertFacts(ctx, tx, g.ID, *g.Facts); err != nil {
						return err
					}
				}
				continue
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("find hamlet of group %s: %w", g.ID, err)
			}
			if g.Refused != "" {
				res.Refused = append(res.Refused, g)
				continue
			}
			h := Hamlet{Commune: c.Code, CommuneID: c.ID, Name: g.Name, GroupID: g.ID, Facts: g.Facts}
			if nfcTrim(h.Name) == "" {
				h.Name = "Nhóm " + g.ID
			}
			h.normalize()
			if h.Code == "" {
				h.Code = "nhom"
			}
			base := h.Code
			for i := 2; ; i++ {
				var n int
				if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM hamlets WHERE commune_id = ? AND code = ?`,
					c.ID, h.Code).Scan(&n); err != nil {
					return fmt.Errorf("check hamlet code %s: %w", h.Code, err)
				}
				if n == 0 {
					break
				}
				suffix := "-" + strconv.Itoa(i)
				h.Code = base[:min(len(base), MaxCode-len(suffix))] + suffix
			}
			if err := h.Validate(); err != nil {
				return fmt.Errorf("group %s (%s): %w", g.ID, g.Name, err)
			}
			if err := insertHamlet(ctx, tx, actor, &h); err != nil {
				return err
			}
			res.Added = append(res.Added, h)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+hamletColumns+` FROM hamlets WHERE commune_id = ? AND active = 1 ORDER BY code`, c.ID)
		if err != nil {
			return fmt.Errorf("list hamlets: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			h, err := scanHamlet(rows)
			if err != nil {
				return fmt.Errorf("list hamlets: %w", err)
			}
			if !seen[h.GroupID] {
				res.Missing = append(res.Missing, h)
			}
		}
		return rows.Err()
	})
	return res, err
}
