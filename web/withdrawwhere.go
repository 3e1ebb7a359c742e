package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// withdrawalWhere names where withdrawal n goes: only to the hamlets that
// its original reached (notices.Store.ReachedHamlets), not to every hamlet
// the original aimed at. ok is false for any other notice.
func (s *Server) withdrawalWhere(ctx context.Context, n *notices.Notice) (text string, ok bool, err error) {
	if n.Kind != notices.KindCancel || n.RefersTo == 0 {
		return "", false, nil
	}
	ids, err := s.store.ReachedHamlets(ctx, n.RefersTo)
	if err != nil {
		return "", true, err
	}
	orig := "thông báo gốc số " + strconv.FormatInt(n.RefersTo, 10)
	if len(ids) == 0 {
		return "không thôn/ấp nào: " + orig + " chưa đến nhóm nào, nên chỉ dừng gửi bản gốc", true, nil
	}
	// Commune staff see their own commune's hamlets only (scope.go).
	var in int64
	if sc, _ := ctx.Value(scopeKey{}).(*scope); sc != nil {
		in = sc.id()
	}
	// One read of the hamlets, not one per hamlet reached (a province
	// withdrawal may name 1,800).
	var hs []notices.Hamlet
	if in == 0 {
		hs, err = s.store.Hamlets(ctx)
	} else {
		hs, err = s.store.HamletsOf(ctx, in)
	}
	if err != nil {
		return "", true, err
	}
	reached := make(map[int64]bool, len(ids))
	for _, id := range ids {
		reached[id] = true
	}
	names := make([]string, 0, len(ids))
	for _, h := range hs {
		if reached[h.ID] {
			names = append(names, h.Name)
		}
	}
	if len(names) == 0 {
		return "không thôn/ấp nào của xã này: " + orig + " chưa đến nhóm nào ở đây", true, nil
	}
	return "các thôn/ấp đã nhận " + orig + ": " + strings.Join(names, ", "), true, nil
}

// withdrawalUnreached names the hamlets in scope that withdrawal n aims at
// but whose group never got the original: nothing is owed to them.
func (s *Server) withdrawalUnreached(r *http.Request, n *notices.Notice) ([]string, error) {
	if n.Status != notices.StatusApproved && n.Status != notices.StatusDone {
		return nil, nil // before approval the original still goes on
	}
	hs, err := s.store.WithdrawalUnreached(r.Context(), n)
	if err != nil || len(hs) == 0 {
		return nil, err
	}
	in := scopeFrom(r).id()
	var names []string
	for _, h := range hs {
		if in == 0 || h.CommuneID == in {
			names = append(names, h.Name)
		}
	}
	return names, nil
}
