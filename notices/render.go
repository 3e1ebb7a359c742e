package notices

import (
	"strconv"
	"strings"
	"sync"
	"time"
)

// RenderOptions carries what a message needs besides the notice itself.
type RenderOptions struct {
	// Commune is the name signed in the footer, e.g. "UBND phường An Hòa".
	// Empty leaves the footer out.
	Commune string
	// Location is the commune's time zone, used for every date shown.
	// Nil means Asia/Ho_Chi_Minh, whatever the machine's zone.
	Location *time.Location
	// RefersTo is the original notice of an update or a cancel; its title and
	// date are quoted. Nil leaves the reference line out. Ignored for plain
	// notices and by RenderBulletin.
	RefersTo *Notice
	// PublicURL, if set, is shown as a "Xem thêm" link before the footer.
	PublicURL string
}

// Headers by kind and priority. A correction or a withdrawal is announced
// as such whatever its priority, so residents never mistake it for a new
// notice; an urgent correction says so.
const (
	headerNormal       = "📢 THÔNG BÁO"
	headerUrgent       = "🚨 KHẨN CẤP"
	headerLow          = "ℹ️ THÔNG TIN"
	headerUpdate       = "🔄 CẬP NHẬT"
	headerUrgentUpdate = "🔄 CẬP NHẬT KHẨN"
	headerCancel       = "❌ HỦY THÔNG BÁO"
	headerBulletin     = "📰 BẢN TIN"
)

// Render returns the whole message for n as one NFC-normalised text, before
// any splitting: a header by kind and priority, the title (as written: the
// Vietnamese administrative style keeps the document type in capitals and the
// subject in sentence case), for an update or a cancel a line quoting the
// original, the body, an optional link and the footer. Use RenderParts for
// the texts actually sent to Zalo.
func Render(n *Notice, opt RenderOptions) string {
	loc := opt.location()
	var b strings.Builder
	b.WriteString(header(n))
	if title := cleanLine(n.Title); title != "" {
		b.WriteString("\n")
		b.WriteString(title)
	}
	if ref := referenceLine(n, opt.RefersTo, loc); ref != "" {
		b.WriteString("\n")
		b.WriteString(ref)
	}
	if body := cleanText(n.Body); body != "" {
		b.WriteString("\n\n")
		b.WriteString(body)
	}
	writeFooter(&b, opt)
	return cleanText(b.String())
}

// RenderParts returns the messages to send for n, in order. A message that
// fits in MaxMessageRunes is returned whole; a longer one is split into
// numbered parts, see SplitMessage.
func RenderParts(n *Notice, opt RenderOptions) []string {
	return SplitMessage(Render(n, opt), MaxMessageRunes)
}

// RenderBulletin gathers low-priority notices into one "📰 BẢN TIN" message
// for the bulletin slot, numbered in the order given, with the footer once,
// and returns it split into parts like any long text. It returns nil when
// items is empty: a bulletin with nothing to say is not sent.
func RenderBulletin(items []*Notice, slot time.Time, opt RenderOptions) []string {
	if len(items) == 0 {
		return nil
	}
	loc := opt.location()
	t := slot.In(loc)
	var b strings.Builder
	b.WriteString(headerBulletin + " " + dayPeriod(t.Hour()) + " " + t.Format("02/01/2006"))
	for i, n := range items {
		b.WriteString("\n\n")
		b.WriteString(strconv.Itoa(i+1) + ".")
		switch n.Kind {
		case KindUpdate:
			b.WriteString(" [Cập nhật]")
		case KindCancel:
			b.WriteString(" [Hủy]")
		}
		if title := cleanLine(n.Title); title != "" {
			b.WriteString(" " + title)
		}
		// Blank lines separate the items, so none inside an item.
		if body := strings.ReplaceAll(cleanText(n.Body), "\n\n", "\n"); body != "" {
			b.WriteString("\n")
			b.WriteString(body)
		}
	}
	writeFooter(&b, opt)
	return SplitMessage(b.String(), MaxMessageRunes)
}

func header(n *Notice) string {
	switch n.Kind {
	case KindCancel:
		return headerCancel
	case KindUpdate:
		if n.Priority == Urgent {
			return headerUrgentUpdate
		}
		return headerUpdate
	}
	switch n.Priority {
	case Urgent:
		return headerUrgent
	case Low:
		return headerLow
	}
	return headerNormal
}

// referenceLine quotes the original of an update or a cancel, with the date
// it went out (or was approved, or written) in the commune's zone.
func referenceLine(n *Notice, orig *Notice, loc *time.Location) string {
	if orig == nil || (n.Kind != KindUpdate && n.Kind != KindCancel) {
		return ""
	}
	var ref string // " «title» ngày 27/11/2026"
	if title := cleanLine(orig.Title); title != "" {
		ref += " «" + title + "»"
	}
	if d := originalDate(orig); !d.IsZero() {
		ref += " ngày " + d.In(loc).Format("02/01/2006")
	}
	if n.Kind == KindCancel {
		return "Thông báo" + ref + " đã được hủy."
	}
	return "Đính chính thông báo" + ref + "."
}

func originalDate(n *Notice) time.Time {
	for _, t := range []time.Time{n.PublishAt, n.ApprovedAt, n.CreatedAt} {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

func writeFooter(b *strings.Builder, opt RenderOptions) {
	url := cleanLine(opt.PublicURL)
	commune := cleanLine(opt.Commune)
	if url == "" && commune == "" {
		return
	}
	b.WriteString("\n")
	if url != "" {
		b.WriteString("\nXem thêm: " + url)
	}
	if commune != "" {
		b.WriteString("\n— " + commune)
	}
}

// dayPeriod names the part of the day of a bulletin slot, as said on the
// loudspeaker: "bản tin sáng", "bản tin chiều".
func dayPeriod(hour int) string {
	switch {
	case hour < 4:
		return "đêm"
	case hour < 11:
		return "sáng"
	case hour < 13:
		return "trưa"
	case hour < 18:
		return "chiều"
	case hour < 22:
		return "tối"
	}
	return "đêm"
}

var defaultLocation = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	// Without tzdata: Vietnam has kept UTC+7 without daylight saving since 1975.
	return time.FixedZone("ICT", 7*60*60)
})

func (o RenderOptions) location() *time.Location {
	if o.Location != nil {
		return o.Location
	}
	return defaultLocation()
}
