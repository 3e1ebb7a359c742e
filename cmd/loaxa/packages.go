package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// vietnam is the zone Zalo's package dates are given in (dd/mm/yyyy, §12).
var vietnam = time.FixedZone("ICT", 7*3600)

// packageMetrics writes, for /metrics, when each active hamlet's GMF package
// ends and whether its group is enabled, so that an alert fires days before a
// group stops taking messages (-237). It reads the group facts the daemon
// keeps (refreshed daily, around sends and by the webhook's events): it asks
// Zalo nothing itself.
func packageMetrics(store *notices.Store) func(ctx context.Context, w io.Writer) {
	return func(ctx context.Context, w io.Writer) {
		hs, err := store.Hamlets(ctx)
		if err != nil {
			return
		}
		facts, err := store.AllGroupFacts(ctx)
		if err != nil {
			return
		}
		type row struct {
			code    string
			f       notices.GroupFacts
			enabled bool
		}
		var rows []row
		for _, h := range hs {
			f, ok := facts[h.GroupID]
			if !h.Active || !ok || (!f.Checked() && f.GoneAt.IsZero()) {
				continue
			}
			rows = append(rows, row{h.Code, f, f.GoneAt.IsZero() && (f.Status == "" || f.Status == "enabled")})
		}
		sort.Slice(rows, func(i, j int) bool { return rows[i].code < rows[j].code })
		fmt.Fprintln(w, "# HELP loaxa_zalo_package_expiry_timestamp_seconds When the GMF package of a hamlet's group ends (the end of its last valid day), as Zalo last said.")
		fmt.Fprintln(w, "# TYPE loaxa_zalo_package_expiry_timestamp_seconds gauge")
		for _, r := range rows {
			if last := r.f.LastDay(vietnam); !last.IsZero() {
				end := last.AddDate(0, 0, 1).Add(-time.Second)
				fmt.Fprintf(w, "loaxa_zalo_package_expiry_timestamp_seconds{hamlet=%q} %d\n", r.code, end.Unix())
			}
		}
		fmt.Fprintln(w, "# HELP loaxa_zalo_group_enabled 1 while a hamlet's group is enabled on Zalo and the OA is in it.")
		fmt.Fprintln(w, "# TYPE loaxa_zalo_group_enabled gauge")
		for _, r := range rows {
			fmt.Fprintf(w, "loaxa_zalo_group_enabled{hamlet=%q} %d\n", r.code, boolNum(r.enabled))
		}
	}
}

func boolNum(b bool) int {
	if b {
		return 1
	}
	return 0
}
