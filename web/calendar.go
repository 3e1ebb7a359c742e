package web

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// calendarDays is how far ahead /calendar looks.
const calendarDays = 7

// calendarMaxPerNotice bounds the occurrences read for one notice (one
// every minute makes 10,080 in a week); the page says when it stopped.
const calendarMaxPerNotice = 500

// calendarData is /calendar: the coming week's sends and bulletin slots,
// day by day, in the commune zone. Every time comes from notices.Rules,
// the daemon's own rules: when a notice is due, and when it really goes
// (quiet hours, bulletin slots).
type calendarData struct {
	From, To time.Time
	Days     []calDay
	Slots    int              // bulletin slots in the window
	Paused   []notices.Notice // paused recurring notices: nothing of them is sent until resumed
}

type calDay struct {
	Date  string // "Thứ Hai, 30/11/2026"
	Items []calItem
}

// calItem is one line of a day: a notice's sends that day, or a bulletin
// slot with the low notices it will carry.
type calItem struct {
	At       time.Time
	Clock    string         // "06:30", or "00:00–23:55" for many sends
	Bulletin bool           // a bulletin slot
	Notice   notices.Notice // the notice sent (not for a bulletin)
	Times    int            // how many sends of Notice that day
	Note     string         // "đến hạn 22:00, chờ hết giờ yên lặng"
	Hamlets  string
	Carries  []notices.Notice // the bulletin's low notices
	More     bool             // more occurrences than were read
}

func (s *Server) calendar(w http.ResponseWriter, r *http.Request, sess *notices.Session) {
	ctx := r.Context()
	live, err := s.store.LiveNotices(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	hs, err := s.scopedHamlets(r)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	paused, err := s.store.PausedNotices(ctx)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	rules, loc, now := s.cfg.Rules, s.cfg.Location, s.now()
	end := now.Add(calendarDays * 24 * time.Hour)
	d := calendarData{From: now, To: end}
	day := func(t time.Time) string { lt := t.In(loc); return lt.Format("2006-01-02") }
	byDay := map[string][]calItem{}
	bulletins := map[time.Time]*calItem{}
	// The bulletin slots of the week, even empty ones.
	for t := rules.NextBulletin(now); !t.IsZero() && t.Before(end); t = rules.NextBulletin(t) {
		at := rules.Quiet.After(t)
		if bulletins[at] == nil {
			bulletins[at] = &calItem{At: at, Bulletin: true}
			d.Slots++
		}
	}
	for _, n := range live {
		if !scopeFrom(r).sees(n) {
			continue // another commune's
		}
		if n.Damaged != "" {
			continue // nothing of it will be sent
		}
		if paused[n.ID] {
			d.Paused = append(d.Paused, *n) // its occurrences are skipped while paused (pause.go)
			continue
		}
		dues := rules.NextDueN(n, now, calendarMaxPerNotice)
		more := len(dues) == calendarMaxPerNotice && dues[len(dues)-1].Before(end)
		if n.Priority == notices.Low {
			slots := map[time.Time]bool{}
			if at := rules.BulletinFor(n, now); !at.IsZero() {
				slots[at] = true // held for the next bulletin, or due now
			}
			for _, due := range dues {
				if at := rules.SendAt(notices.Low, due, due); !at.IsZero() {
					slots[at] = true
				}
			}
			for at := range slots {
				if !at.Before(end) {
					continue
				}
				b := bulletins[at]
				if b == nil {
					b = &calItem{At: at, Bulletin: true}
					bulletins[at] = b
				}
				b.Carries = append(b.Carries, *n)
			}
			continue
		}
		// A notice's sends, one line a day.
		perDay := map[string][]time.Time{}
		var notes = map[string]string{}
		// Runs already queued and held past their due time (quiet hours):
		// the rules above see only runs still to fall due.
		held, err := s.store.HeldSends(ctx, n.ID, now)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		for _, h := range held {
			if !h.At.Before(end) {
				continue
			}
			k := day(h.At)
			perDay[k] = append(perDay[k], h.At)
			if notes[k] == "" {
				notes[k] = "đến hạn " + notices.FormatLocal(h.DueAt, loc) + ", đã xếp hàng, chờ hết giờ yên lặng"
			}
		}
		for i, due := range dues {
			if i+1 < len(dues) && rules.Superseded(n.Priority, due, dues[i+1]) {
				continue // held for quiet hours, replaced by the next run (notices/supersede.go)
			}
			at := rules.SendAt(n.Priority, due, due)
			if !at.Before(end) {
				break
			}
			k := day(at)
			perDay[k] = append(perDay[k], at)
			if at.After(due) && notes[k] == "" {
				notes[k] = "đến hạn " + due.In(loc).Format("15:04") + ", chờ hết giờ yên lặng"
			}
		}
		targets := "tất cả thôn/ấp"
		if len(n.Targets) > 0 {
			targets = strings.Join(notices.HamletNames(hs, n.Targets), ", ")
		}
		if scopeFrom(r).Multi {
			if targets, err = s.whereText(ctx, n, "tất cả thôn/ấp"); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		for k, ts := range perDay {
			sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
			it := calItem{At: ts[0], Notice: *n, Times: len(ts), Note: notes[k], Hamlets: targets, More: more}
			it.Clock = ts[0].In(loc).Format("15:04")
			if len(ts) > 1 {
				it.Clock += "–" + ts[len(ts)-1].In(loc).Format("15:04")
			}
			byDay[k] = append(byDay[k], it)
		}
	}
	// Bulletin slots: each one with notices on its own line; the empty
	// ones of a day on one line ("06:30, 17:30", or "288 lần, 00:00–23:55"
	// when they come every few minutes, as in the demo).
	empty := map[string][]time.Time{}
	for at, b := range bulletins {
		if len(b.Carries) == 0 {
			empty[day(at)] = append(empty[day(at)], at)
			continue
		}
		b.Clock = at.In(loc).Format("15:04")
		sort.Slice(b.Carries, func(i, j int) bool { return b.Carries[i].ID < b.Carries[j].ID })
		byDay[day(at)] = append(byDay[day(at)], *b)
	}
	for k, ts := range empty {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		it := calItem{At: ts[0], Bulletin: true, Times: len(ts)}
		if len(ts) <= 4 {
			cs := make([]string, len(ts))
			for i, t := range ts {
				cs[i] = t.In(loc).Format("15:04")
			}
			it.Clock = strings.Join(cs, ", ")
		} else {
			it.Clock = ts[0].In(loc).Format("15:04") + "–" + ts[len(ts)-1].In(loc).Format("15:04")
		}
		byDay[k] = append(byDay[k], it)
	}
	keys := make([]string, 0, len(byDay))
	for k := range byDay {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		items := byDay[k]
		sort.SliceStable(items, func(i, j int) bool {
			if !items[i].At.Equal(items[j].At) {
				return items[i].At.Before(items[j].At)
			}
			return items[i].Notice.ID < items[j].Notice.ID
		})
		t, _ := time.ParseInLocation("2006-01-02", k, loc)
		d.Days = append(d.Days, calDay{Date: weekdaysVN[t.Weekday()] + ", " + t.Format("02/01/2006"), Items: items})
	}
	s.render(w, r, http.StatusOK, "calendar", view{Title: "Lịch gửi 7 ngày tới", Sess: sess, Nav: "calendar", Data: d})
}

// TimesText says how many sends a line stands for: "" for one, "12 lần".
func (it calItem) TimesText() string {
	if it.Times <= 1 {
		return ""
	}
	return strconv.Itoa(it.Times) + " lần"
}
