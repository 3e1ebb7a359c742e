package web

import (
	"context"

	"github.com/loaxa/loaxa/notices"
)

// whereText says where notice n goes, by name (notices.Store.WhereText);
// a withdrawal, only where its original reached (withdrawalWhere).
func (s *Server) whereText(ctx context.Context, n *notices.Notice, all string) (string, error) {
	if t, ok, err := s.withdrawalWhere(ctx, n); ok {
		return t, err
	}
	return s.store.WhereText(ctx, n, all)
}
