package notices

import (
	"context"
	"strings"
)

// WhereText says where notice n goes, by name, for the site's pages and
// `loaxa notice show` alike: its hamlets by name (a code only for a hamlet
// since deleted). With several communes a hamlet code names a hamlet only
// within its commune, so a commune's notice is read against its own
// hamlets, and a province notice's "commune/hamlet" and "commune" targets
// are named with their commune. all is what an untargeted commune notice
// says (with several communes, followed by "của" and the commune's name).
func (s *Store) WhereText(ctx context.Context, n *Notice, all string) (string, error) {
	cs, err := s.Communes(ctx)
	if err != nil {
		return "", err
	}
	untargeted := len(n.Targets) == 0 || len(n.Targets) == 1 && n.Targets[0] == AllHamlets
	multi := len(cs) > 1
	if !multi || n.Commune != Province {
		if untargeted {
			for _, c := range cs {
				if multi && c.ID == n.CommuneID {
					return all + " của " + c.Name, nil
				}
			}
			return all, nil
		}
		var hs []Hamlet
		if !multi || n.CommuneID == 0 {
			hs, err = s.Hamlets(ctx)
		} else {
			hs, err = s.HamletsOf(ctx, n.CommuneID)
		}
		if err != nil {
			return "", err
		}
		return strings.Join(HamletNames(hs, n.Targets), ", "), nil
	}
	if untargeted {
		return "tất cả các xã, phường trong tỉnh (mọi thôn/ấp đang hoạt động)", nil
	}
	name := map[string]string{}
	for _, c := range cs {
		name[c.Code] = c.Name
	}
	hs, err := s.Hamlets(ctx)
	if err != nil {
		return "", err
	}
	hamlet := map[string]string{} // "commune/hamlet" → name
	for _, h := range hs {
		hamlet[h.Commune+"/"+h.Code] = h.Name
	}
	out := make([]string, 0, len(n.Targets))
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

// HamletNames writes hamlet codes by name, "Khóm 1", "Khóm 2", reading
// them in hs; a code hs lacks (a hamlet since deleted) stays as it is.
func HamletNames(hs []Hamlet, codes []string) []string {
	byCode := make(map[string]string, len(hs))
	for _, h := range hs {
		byCode[h.Code] = h.Name
	}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if n, ok := byCode[c]; ok {
			out = append(out, n)
		} else {
			out = append(out, c)
		}
	}
	return out
}

// WithCommunes follows each hamlet of hds by its commune, for a list that
// holds several communes' hamlets (a province notice's): its name
// becomes «Ấp 1 (xã Phú Hòa)» and its Commune is set to the commune's
// code, so that a hamlet code repeated across communes is told apart
// («xa-phu-hoa/ap-1»). cs are the communes, as Communes reads them.
func WithCommunes(hds []HamletDeliveries, cs []Commune) {
	byID := make(map[int64]Commune, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	for i := range hds {
		c, ok := byID[hds[i].Hamlet.CommuneID]
		if !ok {
			continue
		}
		hds[i].Hamlet.Commune = c.Code
		hds[i].Hamlet.Name += " (" + strings.TrimPrefix(c.Name, "UBND ") + ")"
	}
}
