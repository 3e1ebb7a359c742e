package schedule

import (
	"context"
	"fmt"
	"io"
)

// writeCommuneMetrics writes, when the database has several communes,
// each commune's queue, with whether it is disabled (its deliveries are
// then not sent): an alert on disabled="1" and a depth above 0 finds
// deliveries that wait for a person; and whether each active commune's OA
// can send (loaxa_commune_connected 0: its token is dead or it was never
// connected, and only it is paused), so that one commune of a hundred
// going silent can be alerted on, not only read in /healthz.
func (r *Runner) writeCommuneMetrics(ctx context.Context, w io.Writer) {
	cs, err := r.store.Communes(ctx)
	if err != nil || len(cs) < 2 {
		return
	}
	depth, err := r.store.QueueDepthByCommune(ctx)
	if err != nil {
		return
	}
	fmt.Fprintln(w, "# HELP loaxa_commune_queue_depth Queued, retry and sending deliveries of each commune; disabled=\"1\": the commune is disabled and they are not sent.")
	fmt.Fprintln(w, "# TYPE loaxa_commune_queue_depth gauge")
	for _, c := range cs {
		off := "0"
		if !c.Active {
			off = "1"
		}
		fmt.Fprintf(w, "loaxa_commune_queue_depth{commune=%q,disabled=%q} %d\n", c.Code, off, depth[c.ID])
	}
	fmt.Fprintln(w, "# HELP loaxa_commune_connected 1 when the commune's Zalo OA can send, 0 when it is disconnected (reconnect it with loaxa zalo connect --commune CODE); disabled communes are left out.")
	fmt.Fprintln(w, "# TYPE loaxa_commune_connected gauge")
	for _, c := range cs {
		if !c.Active {
			continue
		}
		up := 0
		if s, ok := r.senders.For(c.ID); ok && s.Health().Connected {
			up = 1
		}
		fmt.Fprintf(w, "loaxa_commune_connected{commune=%q} %d\n", c.Code, up)
	}
}
