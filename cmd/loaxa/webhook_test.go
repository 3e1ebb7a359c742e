package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/zalosim"
	"github.com/loaxa/loaxa/zalosim/zalosimtest"
)

// The daemon as served: ZALO_OA_SECRET wired to POST /zalo/webhook, and the
// stored echo of a send whose answer was lost settling it well before the
// daemon's own settle time (AnswerSettle 5 s, ReconcileAfter 20 s).
var sentRe = regexp.MustCompile(`khom-1 +đã gửi`)

func TestServeWebhookEchoSettlesLostAnswer(t *testing.T) {
	sim := zalosimtest.New(t)
	g := sim.Groups()[0]
	c := simCLI(t, sim)
	c.env["ZALO_OA_SECRET"] = "khoa-bi-mat-oa"
	c.ok("hamlet", "add", "--name", "Khóm 1", "--group-id", g.ID)
	base, log, stop := c.serve()
	defer stop()
	sim.SetWebhook(base+"/zalo/webhook", "khoa-bi-mat-oa")
	sim.FailNext(1, zalosim.FaultLostAnswer)
	c.ok("notice", "add", "--title", "Phun thuốc muỗi", "--body", "Sáng thứ bảy phun thuốc diệt muỗi.", "--priority", "urgent", "--approve")
	waitFor(t, "the message in the group", func() bool { return len(sim.Messages(g.ID)) == 1 })
	arrived := time.Now()
	waitFor(t, "the delivery sent", func() bool { return sentRe.MatchString(c.ok("notice", "show", "1")) })
	if took := time.Since(arrived); took > 2*time.Second {
		t.Errorf("settled %v after the message reached Zalo; want within 2 s (by the echo)", took)
	}
	waitFor(t, "the log to say the echo settled it", func() bool {
		return strings.Contains(log.String(), "delivery proven sent by Zalo's echo")
	})
	if !strings.Contains(log.String(), `"signature":"app_id+oa_secret"`) {
		t.Errorf("the log does not say which signature variant matched")
	}
	if n := len(sim.Messages(g.ID)); n != 1 {
		t.Errorf("the group got %d messages; want 1", n)
	}
}

func TestServeWebhookWithoutSecretRefuses(t *testing.T) {
	sim := zalosimtest.New(t)
	c := simCLI(t, sim)
	base, log, stop := c.serve()
	defer stop()
	sim.SetWebhook(base+"/zalo/webhook", "anything")
	d, err := sim.TriggerWebhook(zalosim.TriggerRequest{Event: "user_join_group", GroupID: sim.Groups()[0].ID})
	if err != nil || d.Status != http.StatusServiceUnavailable {
		t.Errorf("webhook without ZALO_OA_SECRET answered %d (%v); want 503", d.Status, err)
	}
	if !strings.Contains(log.String(), "ZALO_OA_SECRET is not set") {
		t.Errorf("no clear log line for the missing secret:\n%s", log)
	}
}
