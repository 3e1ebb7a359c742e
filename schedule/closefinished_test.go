package schedule_test

import (
	"context"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// TestFinishedNoticeClosedAtNextCycle is probe 6's F12 tail: a notice
// whose deliveries had all been sent read «đã duyệt» for about a minute and
// a half before «đã gửi xong»: the dispatcher's outcomes did not wake the
// poll loop (its own writes change no data_version, and do not signal
// Changed), so the notice was closed only by the next full cycle, a minute
// later. The poll loop runs the next cycle (here within PollInterval,
// 100 ms) after a delivery ends, and that cycle closes it. The rig's clock
// stands still: no full cycle comes due by itself.
func TestFinishedNoticeClosedAtNextCycle(t *testing.T) {
	p := newProvinceRig(t, "")
	if err := p.runner.Start(p.ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.runner.Stop(ctx); err != nil {
			t.Error(err)
		}
	}()
	// A first notice: the OAs' tokens are refreshed on first use, a write
	// the poll loop sees (another connection's); then all is quiet.
	p.notice(notices.Notice{Title: "Khởi động", Commune: notices.Province, Priority: notices.Urgent})
	if !waitFor(10*time.Second, func() bool { return len(p.sent("Khởi động")) == 6 }) {
		t.Fatalf("the first notice reached %d groups; want 6", len(p.sent("Khởi động")))
	}
	time.Sleep(time.Second)
	n := p.notice(notices.Notice{Title: "Họp xong sớm", Commune: "xa-a", Priority: notices.Urgent})
	if !waitFor(10*time.Second, func() bool { return len(p.sent("Họp xong sớm")) == 2 }) {
		t.Fatalf("the notice reached %d groups; want its 2", len(p.sent("Họp xong sớm")))
	}
	status := func() notices.Status {
		got, err := p.store.Notice(p.ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}
	if !waitFor(2*time.Second, func() bool { return status() == notices.StatusDone }) {
		t.Errorf("2 s after its last delivery was sent the notice is %q; want done at the next poll cycle", status())
	}
}
