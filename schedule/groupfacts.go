package schedule

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// GroupChecker reads one group's details from Zalo; *bot.Client has it.
type GroupChecker interface {
	GroupInfo(ctx context.Context, groupID string) (bot.GroupDetail, error)
}

// How often groups are checked (README, "Nhóm Zalo").
const (
	// factsDaily is how old a group's last check may be before the
	// refresh job checks it again.
	factsDaily = 24 * time.Hour
	// factsRetry is how soon a check that got no answer (Zalo unreachable,
	// not connected) is tried again.
	factsRetry = 30 * time.Minute
	// factsAtSend is how old the facts of a group a notice is sent to may
	// be before the send asks for a check.
	factsAtSend = time.Hour
	// factsBatch is the most groups one run of the refresh job checks.
	factsBatch = 500
)

// GroupCheck is the outcome of checking a group before a hamlet uses it.
type GroupCheck struct {
	Facts notices.GroupFacts // Facts.Checked() is false when Zalo could not be asked
	// Refused, when set, says in Vietnamese why the group cannot be used:
	// the OA is not in it (-403) or it is disabled. Nothing may be written.
	Refused string
}

// Unchecked reports whether Zalo could not be asked: the hamlet may be
// added, marked "chưa kiểm tra", and the check runs again later.
func (c GroupCheck) Unchecked() bool { return c.Refused == "" && !c.Facts.Checked() }

// FactsOf turns Zalo's answer into the facts kept for the group, checked at now.
func FactsOf(d bot.GroupDetail, now time.Time) notices.GroupFacts {
	return notices.GroupFacts{GroupID: d.GroupID, Name: d.Name, HasMembers: true, TotalMember: d.TotalMember,
		MaxMember: d.MaxMember, Status: d.Status, LockSendMsg: d.LockSendMsg, AssetID: d.AssetID,
		ValidThrough: d.ValidThrough, AutoRenew: d.AssetAutoRenew, CheckedAt: now, TriedAt: now}
}

// CheckGroup asks Zalo about groupID (GET /v3.0/oa/group/getgroup). A group
// the OA is not in, or a disabled one, is refused; when Zalo cannot be
// asked (c is nil, not connected, network error, 5xx) the check is
// unchecked, with the reason in Facts.CheckError. Dates in loc.
func CheckGroup(ctx context.Context, c GroupChecker, groupID string, now time.Time, loc *time.Location) GroupCheck {
	if c == nil {
		return GroupCheck{Facts: notices.GroupFacts{GroupID: groupID, TriedAt: now,
			CheckError: "chưa cấu hình Zalo OA (ZALO_APP_ID, ZALO_APP_SECRET)"}}
	}
	d, err := c.GroupInfo(ctx, groupID)
	if err != nil {
		if bot.ErrorClass(err) == bot.ClassPermanentGroup {
			return GroupCheck{Refused: refusal(groupID, err)}
		}
		return GroupCheck{Facts: notices.GroupFacts{GroupID: groupID, TriedAt: now, CheckError: bot.Reason(err)}}
	}
	f := FactsOf(d, now)
	if f.Status == "disabled" {
		msg := fmt.Sprintf("Nhóm Zalo %s (%s) đang bị tắt", groupID, f.Name)
		if last := f.LastDay(loc); !last.IsZero() {
			msg += ", gói nhóm (GMF) ghi hạn " + last.Format("02/01/2006")
		}
		return GroupCheck{Facts: f, Refused: msg + ": Zalo không nhận tin cho nhóm này. " +
			"Hãy gia hạn gói nhóm trong trang quản lý OA của Zalo (oa.zalo.me), rồi thêm lại."}
	}
	return GroupCheck{Facts: f}
}

// refusal says why Zalo refused a check of groupID and what to do.
func refusal(groupID string, err error) string {
	switch codeOf(err) {
	case -403:
		return fmt.Sprintf("OA không ở trong nhóm Zalo %s (Zalo báo lỗi -403): mã nhóm sai, hoặc OA chưa được thêm vào nhóm. "+
			"Hãy kiểm tra lại mã nhóm (chạy «loaxa hamlet sync» hoặc bấm «Đồng bộ nhóm từ Zalo» để xem các nhóm của OA), "+
			"hoặc thêm OA vào nhóm rồi thử lại.", groupID)
	default:
		return fmt.Sprintf("Zalo không cho dùng nhóm %s: %s (mã %d). Hãy gia hạn hoặc đổi gói nhóm trong trang quản lý OA "+
			"của Zalo (oa.zalo.me), rồi thử lại.", groupID, bot.Reason(err), codeOf(err))
	}
}

// groupFailure is a delivery's reason when Zalo refuses the group: what
// happened and the step that fixes it, since sending again does not.
func groupFailure(err error) string {
	r := bot.Reason(err)
	switch codeOf(err) {
	case -403:
		return r + ": thêm OA vào lại nhóm hoặc sửa mã nhóm của thôn/ấp; gửi lại trước khi sửa sẽ lỗi y như vậy"
	default:
		return r + ": gia hạn gói nhóm trong trang quản lý OA của Zalo (oa.zalo.me) rồi bấm «Gửi lại»; " +
			"gửi lại trước khi gia hạn sẽ lỗi y như vậy"
	}
}

// facts refreshes the groups' facts: daily, after failed tries, and for
// groups a notice was just sent to. One check at a time, after the due
// deliveries have gone (waiting up to idleWait), so that checks do not hold
// up a send.
type facts struct {
	r    *Runner
	kick chan struct{}

	mu      sync.Mutex
	wanted  map[string]bool // groups sent to since the last run
	reached map[string]bool // groups Zalo took a message for since the last run

	warnMu   sync.Mutex
	warnedOn string // the commune-zone date of the last warn line

	offMu sync.Mutex
	off   map[string]bool // communes whose group checks fail because their OA cannot call Zalo (offline)
}

func newFacts(r *Runner) *facts {
	return &facts{r: r, kick: make(chan struct{}, 1), wanted: map[string]bool{}, reached: map[string]bool{},
		off: map[string]bool{}}
}

// sentOK is told of a message Zalo took for groupID: the OA is in the
// group, so a "gone" alarm on it is over, and a check that got no answer
// (Zalo unreachable, the commune not yet connected) can be made again now.
func (f *facts) sentOK(groupID string) {
	f.mu.Lock()
	if len(f.reached) < 100_000 {
		f.reached[groupID] = true
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// checkReached clears the "gone" marks of the groups of ids, which Zalo
// just took messages for, and checks those whose facts are not known good.
func (f *facts) checkReached(ctx context.Context, stop <-chan struct{}, ids []string) {
	todo, err := f.r.store.GroupsReached(ctx, ids)
	if err != nil {
		f.r.log.Warn().Err(err).Int("groups", len(ids)).Msg("record the groups sent to")
		return
	}
	for _, g := range todo {
		if !f.waitIdle(ctx, stop) {
			return
		}
		if err := f.check(ctx, g); err != nil {
			f.r.log.Warn().Err(err).Str("group_id", g).Msg("record group facts")
		}
	}
}

// sentTo asks for a check of the groups a new occurrence goes to.
func (f *facts) sentTo(ts []notices.Target) {
	if len(ts) == 0 {
		return
	}
	f.mu.Lock()
	for _, t := range ts {
		if len(f.wanted) < 100_000 {
			f.wanted[t.GroupID] = true
		}
	}
	f.mu.Unlock()
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// loop checks the groups sent to, once nothing is due, until stop.
func (f *facts) loop(work context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-f.kick:
		}
		f.mu.Lock()
		ids := make([]string, 0, len(f.wanted))
		for g := range f.wanted {
			ids = append(ids, g)
		}
		clear(f.wanted)
		reached := make([]string, 0, len(f.reached))
		for g := range f.reached {
			reached = append(reached, g)
		}
		clear(f.reached)
		f.mu.Unlock()
		ctx, cancel := context.WithTimeout(work, 10*time.Minute)
		f.checkStale(ctx, stop, ids, f.r.now().Add(-factsAtSend))
		f.checkReached(ctx, stop, reached)
		cancel()
	}
}

// idleWait is the longest checks wait for the due sends to go first:
// deliveries held by quiet hours or a lost connection stay "due" for hours,
// and must not hold the checks that long.
const idleWait = 2 * time.Minute

// waitIdle waits, up to idleWait, until no delivery the dispatcher would
// send now is due (quiet hours hold all but urgent ones; a lost connection
// holds all) and none it claimed is still waiting for its turn, on the
// wire or waiting for its outcome to be recorded (the last 136 of a
// fan-out are no longer "due" once claimed), so that checks do not compete
// with sends; it reports false when stop closed or ctx ended first.
func (f *facts) waitIdle(ctx context.Context, stop <-chan struct{}) bool {
	deadline := time.Now().Add(idleWait)
	for time.Now().Before(deadline) {
		due, err := f.sendsDue(ctx)
		if err == nil && !due && !f.r.claims.busy() {
			return true
		}
		select {
		case <-stop:
			return false
		case <-ctx.Done():
			return false
		case <-time.After(2 * time.Second):
		}
	}
	return ctx.Err() == nil
}

// sendsDue reports whether a delivery the dispatcher would send now is
// due: quiet hours hold all but urgent ones, and a commune whose OA is
// disconnected holds its own (in a province, the others go on and their
// checks must not wait for it).
func (f *facts) sendsDue(ctx context.Context) (bool, error) {
	now := f.r.now()
	rank := f.r.cfg.QuietHours.MaxRank(now)
	cs := f.r.senders.Communes()
	var up []int64
	for _, c := range cs {
		if c.Sender.Health().Connected {
			up = append(up, c.ID)
		}
	}
	switch {
	case len(up) == 0:
		return false, nil
	case len(up) == len(cs):
		return f.r.store.AnyDue(ctx, now, rank)
	}
	return f.r.store.AnyDueOf(ctx, now, rank, up)
}

// checkStale checks those of ids whose facts were last tried before
// cutoff, one at a time.
func (f *facts) checkStale(ctx context.Context, stop <-chan struct{}, ids []string, cutoff time.Time) {
	for _, g := range ids {
		old, ok, err := f.r.store.GroupFactsOf(ctx, g)
		if err != nil || (ok && old.TriedAt.After(cutoff)) {
			continue
		}
		// Sends made due meanwhile (the next notice) go first.
		if !f.waitIdle(ctx, stop) {
			return
		}
		if err := f.check(ctx, g); err != nil {
			f.r.log.Warn().Err(err).Str("group_id", g).Msg("record group facts")
		}
	}
}

// check asks Zalo about one group and records what it said.
func (f *facts) check(ctx context.Context, groupID string) error {
	now := f.r.now()
	h, err := f.r.store.HamletByGroup(ctx, groupID)
	if errors.Is(err, notices.ErrNotFound) {
		return nil // no hamlet has it now: nothing to check
	} else if err != nil {
		return err
	}
	s := f.r.senderFor(h.CommuneID)
	if s == nil {
		return nil // its commune is inactive: nothing to check
	}
	d, err := s.GroupInfo(ctx, groupID)
	if ctx.Err() == nil {
		offline := bot.ErrorClass(err) == bot.ClassDisconnected
		f.offline(h, groupID, offline, err)
		if err != nil && !offline {
			f.r.log.Warn().Err(err).Str("commune", h.Commune).Str("hamlet", h.Code).Str("group_id", groupID).
				Str("reason", bot.Reason(err)).Msg("group check with Zalo failed")
		}
	}
	switch {
	case err == nil:
		return f.r.store.UpdateGroupFacts(ctx, groupID, FactsOf(d, now))
	case bot.ErrorClass(err) == bot.ClassPermanentGroup && codeOf(err) == -403:
		return f.r.store.MarkGroupGone(ctx, groupID, "Zalo báo OA không ở trong nhóm (lỗi -403) khi kiểm tra nhóm")
	case bot.ErrorClass(err) == bot.ClassPermanentGroup:
		if err := f.r.store.MarkGroupDisabled(ctx, groupID); err != nil {
			return err
		}
		return f.r.store.UpdateGroupFacts(ctx, groupID, notices.GroupFacts{TriedAt: now, CheckError: bot.Reason(err)})
	case ctx.Err() != nil:
		return nil
	default:
		return f.r.store.UpdateGroupFacts(ctx, groupID, notices.GroupFacts{TriedAt: now, CheckError: bot.Reason(err)})
	}
}

// offline logs, once when it starts and once when it ends, that the group
// checks of h's commune fail because its OA cannot call Zalo (disconnected,
// or its tokens cannot be stored): each group's check fails for that one
// reason every factsRetry for as long as it lasts, which the disconnection's
// own alarm (/healthz, loaxa_commune_connected, the dashboard) already
// says. Each group's facts keep the true reason all along.
func (f *facts) offline(h *notices.Hamlet, groupID string, offline bool, err error) {
	f.offMu.Lock()
	was := f.off[h.Commune]
	if offline {
		f.off[h.Commune] = true
	} else {
		delete(f.off, h.Commune)
	}
	f.offMu.Unlock()
	switch {
	case offline && !was:
		f.r.log.Warn().Err(err).Str("commune", h.Commune).Str("hamlet", h.Code).Str("group_id", groupID).
			Str("reason", bot.Reason(err)).
			Msg("group checks with Zalo fail: the commune's OA cannot call Zalo; each group's check is tried again every 30 minutes, " +
				"and this is logged again only when they work")
	case !offline && was:
		f.r.log.Info().Str("commune", h.Commune).Str("group_id", groupID).
			Msg("group checks with Zalo work again: the commune's OA calls Zalo")
	}
}

// refresh is the calendar job: it checks the groups not checked for a day
// (or whose last try got no answer, after factsRetry), then logs the
// groups' alarms at warn level, once a day.
func (f *facts) refresh(ctx context.Context) error {
	if f.waitIdle(ctx, nil) {
		now := f.r.now()
		f.mu.Lock()
		sent := make([]string, 0, len(f.wanted))
		for g := range f.wanted {
			sent = append(sent, g)
		}
		clear(f.wanted)
		f.mu.Unlock()
		f.checkStale(ctx, nil, sent, now.Add(-factsAtSend))
		ids, err := f.r.store.GroupsToCheck(ctx, now.Add(-factsDaily), now.Add(-factsRetry), factsBatch)
		if err != nil {
			return err
		}
		for _, g := range ids {
			if !f.waitIdle(ctx, nil) {
				break
			}
			if err := f.check(ctx, g); err != nil { // one group's failure does not stop the others
				f.r.log.Warn().Err(err).Str("group_id", g).Msg("record group facts")
			}
		}
	}
	return f.warn(ctx)
}

// warn logs the groups' alarms, one warn line a day (commune zone).
func (f *facts) warn(ctx context.Context) error {
	now := f.r.now()
	today := now.In(f.r.cfg.Location).Format(time.DateOnly)
	f.warnMu.Lock()
	done := f.warnedOn == today
	f.warnMu.Unlock()
	if done {
		return nil
	}
	alarms, err := f.r.store.GroupAlarms(ctx, now)
	if err != nil {
		return err
	}
	var msgs, codes []string
	for _, a := range alarms {
		msgs = append(msgs, a.Message)
		codes = append(codes, a.HamletCode+":"+a.Kind)
	}
	f.warnMu.Lock()
	f.warnedOn = today
	f.warnMu.Unlock()
	if len(alarms) > 0 {
		f.r.log.Warn().Int("groups", len(alarms)).Str("hamlets", strings.Join(codes, ",")).
			Str("detail", strings.Join(msgs, " | ")).
			Msg("Zalo groups need an admin: packages expiring or expired, groups disabled, gone or full")
	}
	return nil
}

// RefreshGroups runs the groups' calendar job now: it checks the groups a
// notice was sent to whose facts are over an hour old, and every group not
// checked for a day, then logs the alarms (once a day).
func (r *Runner) RefreshGroups(ctx context.Context) error { return r.facts.refresh(ctx) }

// noteGroupRefused records what a recorded send that Zalo refused for its
// group says of the group: gone for -403, disabled for -237, -238 and -241.
func (r *Runner) noteGroupRefused(ctx context.Context, res result) {
	if res.Status != notices.DeliveryFailed || bot.ErrorClass(res.err) != bot.ClassPermanentGroup {
		return
	}
	groupID, err := res.job.GroupID, res.err
	var e error
	if codeOf(err) == -403 {
		e = r.store.MarkGroupGone(ctx, groupID, "Zalo từ chối gửi tin: OA không ở trong nhóm (lỗi -403)")
	} else {
		e = r.store.MarkGroupDisabled(ctx, groupID)
	}
	if e != nil {
		r.log.Warn().Err(e).Str("group_id", groupID).Msg("record the group refused by Zalo")
	}
}
