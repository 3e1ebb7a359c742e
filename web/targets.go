package web

import (
	"context"
	"strings"

	"github.com/loaxa/loaxa/notices"
)

// whereText says where notice n goes, by name: with several communes a
// hamlet code names a hamlet only within its commune, so a commune's
// notice is read against its own hamlets and a province notice's
// "commune/hamlet" and "commune" targets are named with their commune.
// all is what an untargeted commune notice says (with several communes,
// followed by the commune's name).
func (s *Server) whereText(ctx context.Context, n *notices.Notice, all string) (string, error) {
	if t, ok, err := s.withdrawalWhere(ctx, n); ok {
		return t, err
	}
	cs, err := s.store.Communes(ctx)
	if err != nil {
		return "", err
	}
	if len(cs) <= 1 || n.Commune != notices.Province {
		if len(n.Targets) == 0 {
			for _, c := range cs {
				if len(cs) > 1 && c.ID == n.CommuneID {
					return all + " của " + c.Name, nil
				}
			}
			return all, nil
		}
		var hs []notices.Hamlet
		if len(cs) <= 1 || n.CommuneID == 0 {
			hs, err = s.store.Hamlets(ctx)
		} else {
			hs, err = s.store.HamletsOf(ctx, n.CommuneID)
		}
		if err != nil {
			return "", err
		}
		return strings.Join(hamletNames(hs, n.Targets), ", "), nil
	}
	if len(n.Targets) == 0 {
		return "tất cả các xã, phường trong tỉnh (mọi thôn/ấp đang hoạt động)", nil
	}
	name := map[string]string{}
	for _, c := range cs {
		name[c.Code] = c.Name
	}
	hs, err := s.store.Hamlets(ctx)
	if err != nil {
		return "", err
	}
	hamlet := map[string]string{}
	for _, h := range hs {
		hamlet[h.Commune+"/"+h.Code] = h.Name
	}
	var out []string
	for _, t := range n.Targets {
		c, h, qualified := strings.Cut(t, "/")
		cn := name[c]
		if cn == "" {
			cn = c
		}
		switch {
		case !qualified:
			out = append(out, cn+" (mọi thôn/ấp)")
		case hamlet[t] != "":
			out = append(out, hamlet[t]+" ("+cn+")")
		default:
			out = append(out, h+" ("+cn+")")
		}
	}
	return strings.Join(out, ", "), nil
}
