package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loaxa/loaxa/notices"
)

// FuzzComposeForm posts arbitrary compose forms through the form's own
// parsing: never a panic; a form with no field error gives a notice whose
// preset recurrence parses (a typed spec is checked by the store on save)
// and whose times are UTC; a refused form names fields.
//
//	go test ./web -run '^$' -fuzz '^FuzzComposeForm$' -fuzztime 30s
func FuzzComposeForm(f *testing.F) {
	f.Add("title=Họp+thôn&body=19h&priority=normal&target_mode=all&when=now&kind=notice")
	f.Add("title=x&body=y&when=repeat&repeat=weekly&repeat_time=07:00&repeat_days=1&repeat_days=5")
	f.Add("title=x&body=y&when=repeat&repeat=monthly&repeat_time=25:99&repeat_day=31")
	f.Add("title=x&body=y&when=repeat&repeat=cron&cron=@every+1s")
	f.Add("title=x&body=y&when=at&at=2026-11-27T08:00&expires=2026-11-27T07:00")
	f.Add("title=x&body=y&kind=update&refers_to=-1&target_mode=list&targets=khom-1&targets=%00")
	loc, err := time.LoadLocation(notices.DefaultZone)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		r := &http.Request{Method: http.MethodPost, PostForm: v, Form: v, Header: http.Header{}}
		form := readComposeForm(r)
		errs := fieldErrs{}
		n := form.notice("editor", now, loc, errs)
		spec := form.recurrence(fieldErrs{})
		if len(errs) > 0 {
			for field, msg := range errs {
				if field == "" || strings.TrimSpace(msg) == "" {
					t.Fatalf("a field error without a field or a message: %q %q", field, msg)
				}
			}
			return
		}
		if n == nil {
			t.Fatal("no field error and no notice")
		}
		if spec != "" && form.Repeat != "cron" { // a typed spec is checked by the store, on save
			if _, err := notices.ParseRecurrence(spec, loc); err != nil {
				t.Fatalf("the form built the spec %q, which does not parse: %v", spec, err)
			}
		}
		for _, tm := range []time.Time{n.PublishAt, n.ExpiresAt} {
			if !tm.IsZero() && tm.Location() != time.UTC {
				t.Fatalf("a time not in UTC: %v", tm)
			}
		}
	})
}
