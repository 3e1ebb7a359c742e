package schedule_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// Notices approved in the same second to the same groups arrive in each
// group in the order they were made (the claim's order), though the
// daemon's own loop sends to several groups at once and Zalo's round
// trips vary: one group's sends go one at a time.
func TestSameGroupSendsKeepClaimOrder(t *testing.T) {
	const groups, count = 3, 12
	r := newBenchRig(t, benchOptions{groups: groups, rtt: 20 * time.Millisecond})
	ctx := context.Background()
	for k := range count {
		r.notice(fmt.Sprintf("Tin tồn số %02d", k+1), false)
	}
	run := r.runner(benchConfig())
	if err := run.Start(ctx); err != nil {
		t.Fatal(err)
	}
	r.waitSends(0, groups*count, time.Minute)
	if err := run.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := r.sim.AllMessages()
	sort.SliceStable(msgs, func(a, b int) bool { return msgs[a].Time.Before(msgs[b].Time) })
	per := map[string][]int{}
	for _, m := range msgs {
		i := strings.Index(m.Text, "Tin tồn số ")
		if i < 0 {
			continue
		}
		var k int
		if _, err := fmt.Sscanf(m.Text[i+len("Tin tồn số "):], "%02d", &k); err != nil {
			t.Fatalf("message %q: %v", m.Text, err)
		}
		per[m.GroupID] = append(per[m.GroupID], k)
	}
	if len(per) != groups {
		t.Fatalf("messages reached %d groups; want %d", len(per), groups)
	}
	for g, ks := range per {
		if len(ks) != count {
			t.Errorf("group %s received %d notices; want %d", g, len(ks), count)
		}
		if !sort.IntsAreSorted(ks) {
			t.Errorf("group %s received the notices in the order %v; want 1 to %d in order", g, ks, count)
		}
	}
}
