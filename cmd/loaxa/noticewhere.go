package main

import (
	"context"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// whereCLI names where notice n goes as the site's notice page does: the
// hamlets by name (a code only for a hamlet since deleted); with several
// communes, whose hamlets, and for a province notice each commune by name.
func whereCLI(ctx context.Context, s *notices.Store, n *notices.Notice) (string, error) {
	cs, err := s.Communes(ctx)
	if err != nil {
		return "", err
	}
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return "", err
	}
	communeName := map[string]string{}
	for _, c := range cs {
		communeName[c.Code] = c.Name
	}
	hamletName := map[string]string{} // "commune/hamlet" → name
	for _, h := range hs {
		hamletName[h.Commune+"/"+h.Code] = h.Name
	}
	all := len(n.Targets) == 0 || len(n.Targets) == 1 && n.Targets[0] == notices.AllHamlets
	province := n.Commune == notices.Province && len(cs) > 1
	switch {
	case all && province:
		return "tất cả các xã, phường trong tỉnh (mọi thôn/ấp đang hoạt động)", nil
	case all && len(cs) > 1:
		return "tất cả thôn/ấp đang hoạt động của " + or(communeName[n.Commune], n.Commune), nil
	case all:
		return "tất cả thôn/ấp đang hoạt động", nil
	}
	names := make([]string, 0, len(n.Targets))
	for _, t := range n.Targets {
		if !province {
			names = append(names, or(hamletName[n.Commune+"/"+t], t))
			continue
		}
		c, h, ok := strings.Cut(t, "/")
		cn := or(communeName[c], c)
		if ok {
			names = append(names, or(hamletName[t], h)+" ("+cn+")")
		} else {
			names = append(names, cn+" (mọi thôn/ấp)")
		}
	}
	return strings.Join(names, ", "), nil
}

// or is s, or else when s is empty.
func or(s, orElse string) string {
	if s == "" {
		return orElse
	}
	return s
}
