package web

import (
	"net/http"

	"github.com/loaxa/loaxa/notices"
)

// noRetryIfSuperseded marks every hamlet of p as not to be retried when
// notice n has an approved or sent withdrawal or correction (the store
// would refuse the retry, notices.RetryRefusal), and returns why; "" when
// n may still be retried.
func (s *Server) noRetryIfSuperseded(r *http.Request, n *notices.Notice, p *progressNotice) (string, error) {
	sup, err := s.store.Superseded(r.Context(), []int64{n.ID})
	if err != nil {
		return "", err
	}
	f, ok := sup[n.ID]
	if !ok {
		return "", nil
	}
	for i := range p.Hamlets {
		p.Hamlets[i].NoRetry = true
	}
	return notices.RetryRefusal(n.ID, f), nil
}
