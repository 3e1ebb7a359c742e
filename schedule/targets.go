package schedule

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// hamletIndex is the active hamlets of the active communes, read once a
// poll cycle when some occurrence is due, to resolve notices' targets as
// Store.NoticeTargets does (hamlet codes repeat across communes).
type hamletIndex struct {
	byCommune map[int64]map[string]notices.Hamlet // commune id → code → hamlet
	ids       map[string]int64                    // commune code → id
	names     map[int64]string                    // commune id → its footer name
	communes  int                                 // how many communes the database has
}

// activeHamlets reads the hamlet index.
func (r *Runner) activeHamlets(ctx context.Context) (*hamletIndex, error) {
	cs, err := r.store.Communes(ctx)
	if err != nil {
		return nil, err
	}
	all, err := r.store.Hamlets(ctx)
	if err != nil {
		return nil, err
	}
	x := &hamletIndex{byCommune: map[int64]map[string]notices.Hamlet{}, ids: map[string]int64{},
		names: map[int64]string{}, communes: len(cs)}
	for _, c := range cs {
		x.names[c.ID] = c.Name
		if c.Active {
			x.ids[c.Code] = c.ID
			x.byCommune[c.ID] = map[string]notices.Hamlet{}
		}
	}
	for _, h := range all {
		if m := x.byCommune[h.CommuneID]; m != nil && h.Active {
			m[h.Code] = h
		}
	}
	return x, nil
}

// targets resolves a notice's hamlets: all active ones of its commune, or
// those named; province-wide, of every active commune (all; the communes
// named; the hamlets named as commune/hamlet). A hamlet named twice is one
// target. Ordered by hamlet.
func targets(n *notices.Notice, x *hamletIndex) []notices.Target {
	seen := map[int64]bool{}
	var ts []notices.Target
	add := func(h notices.Hamlet) {
		if !seen[h.ID] {
			seen[h.ID] = true
			ts = append(ts, notices.Target{HamletID: h.ID, GroupID: h.GroupID, CommuneID: h.CommuneID})
		}
	}
	addAll := func(m map[string]notices.Hamlet) {
		for _, h := range m {
			add(h)
		}
	}
	switch {
	case n.Commune == notices.Province && len(n.Targets) == 0:
		for _, m := range x.byCommune {
			addAll(m)
		}
	case n.Commune == notices.Province:
		for _, t := range n.Targets {
			commune, hamlet, qualified := strings.Cut(t, "/")
			m := x.byCommune[x.ids[commune]]
			if !qualified {
				addAll(m)
			} else if h, ok := m[hamlet]; ok {
				add(h)
			}
		}
	case len(n.Targets) == 0:
		addAll(x.byCommune[n.CommuneID])
	default:
		for _, code := range n.Targets {
			if h, ok := x.byCommune[n.CommuneID][code]; ok {
				add(h)
			}
		}
	}
	sortTargets(ts)
	return ts
}

// unknownCommune says, for staff, why notice n belongs to no commune the
// database has (its commune_id changed by another program around the
// schema's rules, or before 0019 refused it), or "" when it does. Such a
// notice is set aside: whose OA would send it is not known, and the
// database refuses its occurrence.
func (x *hamletIndex) unknownCommune(n *notices.Notice) string {
	if _, ok := x.names[n.CommuneID]; ok || n.CommuneID == 0 && n.Commune == notices.Province {
		return ""
	}
	if n.CommuneID == 0 {
		return fmt.Sprintf("cột commune_id để trống, nên thông báo không thuộc xã nào (cột commune ghi %q)", n.Commune)
	}
	return fmt.Sprintf("cột commune_id có giá trị %d, không phải số của xã nào (cột commune ghi %q), nên không biết gửi qua OA của xã nào",
		n.CommuneID, n.Commune)
}

// noTargets says, for staff, why notice n resolves to no hamlet now.
func (x *hamletIndex) noTargets(n *notices.Notice) string {
	const lead = "không có thôn/ấp nào đang hoạt động để gửi"
	name := func(id int64) string { return strings.TrimPrefix(x.names[id], "UBND ") }
	if n.Commune != notices.Province {
		switch {
		case x.byCommune[n.CommuneID] == nil:
			return lead + ": " + name(n.CommuneID) + " đang tắt"
		case len(n.Targets) > 0:
			return lead + ": thôn/ấp được chọn (" + strings.Join(n.Targets, ", ") + ") đang tắt hoặc đã xóa"
		}
		return lead + ": " + name(n.CommuneID) + " chưa có thôn/ấp nào đang hoạt động"
	}
	var off []string
	for _, t := range n.Targets {
		commune, _, _ := strings.Cut(t, "/")
		if _, on := x.ids[commune]; !on && !slices.Contains(off, commune) {
			off = append(off, commune)
		}
	}
	if len(off) > 0 {
		return lead + ": xã/phường được chọn đang tắt hoặc không còn (" + strings.Join(off, ", ") + ")"
	}
	return lead + " trong các xã/phường được chọn"
}

// footer is the name that signs n's messages (notices.Signer).
func (x *hamletIndex) footer(n *notices.Notice, cfg Config) string {
	return notices.Signer(x.communes, n.Commune == notices.Province, x.names[n.CommuneID], cfg.Commune, cfg.Province)
}

// communeFooter is the name that signs commune id's messages (a bulletin's).
func (x *hamletIndex) communeFooter(id int64, cfg Config) string {
	return notices.Signer(x.communes, false, x.names[id], cfg.Commune, cfg.Province)
}
