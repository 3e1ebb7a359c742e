package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// hamletFilter resolves notice list's --hamlet to the commune the hamlet
// is in and its code. With several communes a hamlet is "commune/hamlet",
// or a bare code found in one commune only: in the commune in scope
// (--commune), or, with --province or none, in the whole province, where
// a code several communes use is refused with the choices (probe6 F19:
// "ap-1" of three communes listed only the notices naming a bare "ap-1").
// With one commune the commune is left empty: the filter is as before
// communes.
func hamletFilter(ctx context.Context, s *notices.Store, arg string, scope *notices.Commune) (commune, code string, err error) {
	arg = strings.ToLower(strings.TrimSpace(arg))
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return "", "", err
	}
	cs, err := s.Communes(ctx)
	if err != nil {
		return "", "", err
	}
	want, code, paired := strings.Cut(arg, "/")
	if !paired {
		code, want = arg, ""
		if scope != nil {
			want = scope.Code
		}
	}
	var found []notices.Hamlet
	for _, h := range hs {
		if h.Code == code && (want == "" || h.Commune == want) {
			found = append(found, h)
		}
	}
	switch {
	case len(found) == 0 && paired:
		return "", "", fmt.Errorf("không có thôn/ấp %q trong xã %q; xem các mã bằng loaxa hamlet list --commune %s", code, want, want)
	case len(found) == 0:
		return "", "", fmt.Errorf("không có thôn/ấp nào mang mã %q; xem các mã bằng loaxa hamlet list", code)
	case len(found) > 1:
		pairs := make([]string, len(found))
		for i, h := range found {
			pairs[i] = h.Commune + "/" + h.Code
		}
		return "", "", fmt.Errorf("mã %q có ở %d xã; hãy ghi rõ xã/thôn: %s", code, len(found), strings.Join(pairs, ", "))
	}
	if len(cs) <= 1 {
		return "", found[0].Code, nil
	}
	return found[0].Commune, found[0].Code, nil
}
