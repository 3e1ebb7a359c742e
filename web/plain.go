package web

import (
	"context"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// plainFuncs are the template helpers of plain.go and audittext.go.
func (s *Server) plainFuncs() template.FuncMap {
	return template.FuncMap{
		"category": categoryLabel,
		"size":     sizeVN,
		"actor":    actorLabel,
		// hamletNames writes a notice's targets by name: "Khóm 1, Khóm 2".
		"hamletNames": func(codes []string) string {
			hs, err := s.store.Hamlets(context.Background())
			if err != nil {
				return strings.Join(codes, ", ")
			}
			return strings.Join(notices.HamletNames(hs, codes), ", ")
		},
	}
}

// categoryLabel is a category as people read it (notices.CategoryName):
// "moi-truong" reads "Môi trường".
func categoryLabel(c string) string { return notices.CategoryName(c) }

// timeLayout is the one way the site writes a moment: 27/11/2026 08:00,
// in the commune zone ("date" adds the weekday in front).
const timeLayout = notices.DisplayLayout

// whenVN is t as the site writes it, "" for the zero time (never
// "01/01/0001").
func whenVN(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(timeLayout)
}

// sizeVN is a byte count as people read it, with a decimal comma:
// "1,4 MB", "320 KB", "12 byte".
func sizeVN(n int64) string {
	switch {
	case n >= 1<<20:
		return decimalVN(float64(n)/(1<<20), 1) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " byte"
}

// decimalVN writes f with prec decimals and a decimal comma: 1,4.
func decimalVN(f float64, prec int) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', prec, 64), ".", ",", 1)
}
