package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/loaxa/loaxa/notices"
)

// wrongPassword is the start of the answer to a password that was checked
// and found wrong.
const wrongPassword = "Tên đăng nhập hoặc mật khẩu không đúng"

// TestConcurrentSignInsCannotBypassThrottle releases many wrong sign-ins
// for one user name from one address at once: no more passwords are
// checked than one at a time would allow (5 free failures and the one that
// starts the first wait); the rest are refused without running bcrypt.
func TestConcurrentSignInsCannotBypassThrottle(t *testing.T) {
	s := newSite(t)
	b := s.browser()
	_, _ = b.get("/login")
	token, csrf := b.cookie("loaxa_login"), b.csrf
	if token == "" || csrf == "" {
		t.Fatal("no sign-in token")
	}
	const n = 100
	var (
		wg              sync.WaitGroup
		start           = make(chan struct{})
		mu              sync.Mutex
		checked, denied int
		unauthorized    int
		other           []int
	)
	client := s.srv.Client()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"username": {"quantri"}, "password": {"đoán bừa mật khẩu"}, "csrf_token": {csrf}}
			req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "loaxa_login", Value: token})
			<-start
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			body := readAll(resp)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case resp.StatusCode == http.StatusUnauthorized:
				unauthorized++
				checked++
			case resp.StatusCode == http.StatusTooManyRequests && strings.Contains(body, wrongPassword):
				checked++ // checked, and the failure started a wait
			case resp.StatusCode == http.StatusTooManyRequests:
				denied++
			default:
				other = append(other, resp.StatusCode)
			}
		}()
	}
	close(start)
	wg.Wait()
	if len(other) > 0 {
		t.Errorf("unexpected answers: %v", other)
	}
	if checked > 6 || unauthorized > 5 {
		t.Errorf("%d concurrent wrong sign-ins: %d passwords checked (%d answered 401), %d throttled; "+
			"want at most 6 checked (5 free failures and the one that starts the wait)", n, checked, unauthorized, denied)
	}
	if checked+denied != n {
		t.Errorf("checked %d + throttled %d != %d", checked, denied, n)
	}
	es, err := s.store.Audit(context.Background(), notices.AuditFilter{Action: "user.login_failed"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != checked {
		t.Errorf("%d failed sign-ins audited; want %d (one per password checked)", len(es), checked)
	}
	// A throttled refusal is not a failure: the real user from another
	// address still gets in, and their success leaves no count behind.
	s.browser().login("duyet")
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return b.String()
}
