package notices

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// A correction or a withdrawal goes where its original went: its targets
// are the original's. CreateNotice and UpdateNotice pin them (pinTargets);
// a different list is refused rather than silently replaced, so that the
// sender learns that the choice was not theirs to make. Migration 0015
// refuses the same for other programs' INSERTs, and a follow-up whose
// refers_to is itself a follow-up.

// pinTargets sets the targets of follow-up n to its original's (the
// targets column origTargets), or says why n's own list is refused.
func pinTargets(n *Notice, origTargets string) string {
	orig := splitTargets(origTargets)
	if len(n.Targets) > 0 && !sameCodes(n.Targets, orig) {
		where := "tất cả thôn/ấp"
		if len(orig) > 0 {
			where = "các thôn/ấp " + strings.Join(orig, ", ")
		}
		what := "đính chính"
		if n.Kind == KindCancel {
			what = "hủy"
		}
		return fmt.Sprintf("Thông báo %s phải đi tới đúng nơi thông báo gốc số %d đã đi (%s); "+
			"không chọn nơi gửi khác được. Hãy để trống phần nơi gửi; muốn báo cho nơi khác thì soạn thông báo mới.",
			what, n.RefersTo, where)
	}
	n.Targets = orig
	return ""
}

// sameCodes reports whether a and b hold the same hamlet codes.
func sameCodes(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// followUpOfFollowUp explains why notice id, itself a correction or
// withdrawal (kind) of notice orig, cannot be corrected or withdrawn.
func followUpOfFollowUp(id int64, kind Kind, orig int64) string {
	what := "một thông báo đính chính"
	if kind == KindCancel {
		what = "một thông báo hủy"
	}
	return fmt.Sprintf("Thông báo số %d là %s của thông báo số %d, nên không đính chính hay hủy nó được; "+
		"hãy đính chính hoặc hủy chính thông báo gốc số %d.", id, what, orig, orig)
}

// WithdrawalUnreached lists the hamlets that withdrawal n targets but that
// its original never reached: nothing is sent to them (the original's own
// deliveries there are simply stopped), so staff are told so rather than
// shown a message still to come. Nil for any other notice.
func (s *Store) WithdrawalUnreached(ctx context.Context, n *Notice) ([]Hamlet, error) {
	if n.Kind != KindCancel || n.RefersTo == 0 {
		return nil, nil
	}
	// Named parameters only: a :name takes the next free number, so it
	// would alias a later ?3 (reachedSQL is written with :orig).
	return s.hamlets(ctx, `SELECT `+hamletColumns+` FROM hamlets
		WHERE (:targets = 'all' AND active = 1 OR ',' || :targets || ',' LIKE '%,' || code || ',%')
		  AND (:commune = 0 OR commune_id = :commune)
		  AND id NOT IN (`+reachedSQL+`)
		  AND id NOT IN (SELECT hamlet_id FROM deliveries WHERE notice_id = :self)
		ORDER BY code, commune_id`, sql.Named("targets", joinTargets(n.Targets)), sql.Named("commune", n.CommuneID),
		sql.Named("self", n.ID), sql.Named("orig", n.RefersTo))
}
