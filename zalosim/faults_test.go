package zalosim

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	cases := []struct {
		name        string
		fault       Fault
		wantStatus  int // 0: transport error
		wantCode    int
		wantStored  int // messages recorded by the faulty call
		minDuration time.Duration
	}{
		{"5xx", Fault5xx, 503, 0, 0, 0},
		{"502", Fault{Kind: Kind5xx, Status: 502}, 502, 0, 0, 0},
		{"send failed", FaultSendFailed, 200, CodeSendFailed, 0, 0},
		{"code -248", FaultCode(CodeContentPolicy), 200, CodeContentPolicy, 0, 0},
		{"code -32", FaultCode(CodeRateLimited), 200, CodeRateLimited, 0, 0},
		{"slow", FaultSlow.Taking(150 * time.Millisecond), 200, 0, 1, 150 * time.Millisecond},
		{"lost answer", FaultLostAnswer, 0, 0, 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := NewTestServer(t)
			ts.FailNext(2, tc.fault)
			for i := range 2 {
				start := time.Now()
				req := newRequest(t, "POST", ts.URL+PathGroupMessage, strings.NewReader(textBody(g1, "tin")))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("access_token", ts.AccessToken)
				resp, err := http.DefaultClient.Do(req)
				if tc.wantStatus == 0 {
					if err == nil {
						resp.Body.Close()
						t.Fatalf("call %d: got HTTP %d; want a transport error", i, resp.StatusCode)
					}
				} else {
					if err != nil {
						t.Fatalf("call %d: %v", i, err)
					}
					resp.Body.Close()
					if resp.StatusCode != tc.wantStatus {
						t.Fatalf("call %d: status = %d; want %d", i, resp.StatusCode, tc.wantStatus)
					}
				}
				if d := time.Since(start); d < tc.minDuration {
					t.Errorf("call %d took %s; want at least %s", i, d, tc.minDuration)
				}
			}
			if got := len(ts.Messages(g1)); got != 2*tc.wantStored {
				t.Errorf("Messages after 2 faulty calls = %d; want %d", got, 2*tc.wantStored)
			}
			if tc.wantStatus == 200 && tc.wantCode != 0 {
				ts.FailNext(1, tc.fault)
				r := postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "tin"))
				if got := errCode(t, r); got != tc.wantCode {
					t.Errorf("error = %d; want %d", got, tc.wantCode)
				}
				if _, ok := r.body["message"].(string); !ok {
					t.Errorf("message missing in %s", r.raw)
				}
			}
			// The fault is used up: the next send succeeds.
			before := len(ts.Messages(g1))
			if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "tin"))); got != 0 {
				t.Fatalf("after the faults: error = %d; want 0", got)
			}
			if got := len(ts.Messages(g1)); got != before+1 {
				t.Errorf("after the faults: %d messages; want %d", got, before+1)
			}
			if got, want := ts.Stats().Faults, 2; got < want {
				t.Errorf("Stats().Faults = %d; want at least %d", got, want)
			}
		})
	}
}

func TestLostAnswerIsInHistory(t *testing.T) {
	ts := NewTestServer(t)
	ts.FailNext(1, FaultLostAnswer)
	req := newRequest(t, "POST", ts.URL+PathGroupMessage, strings.NewReader(textBody(g1, "Họp thôn 19h")))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", ts.AccessToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("want a transport error")
	}
	msgs := ts.Messages(g1)
	if len(msgs) != 1 || msgs[0].Text != "Họp thôn 19h" || msgs[0].ID == "" {
		t.Fatalf("Messages = %+v; want the lost message", msgs)
	}
	// Reconciliation finds it in the group's history.
	r := getAPI(t, ts.URL, PathConversation+"?group_id="+g1+"&offset=0&count=5", ts.AccessToken)
	if id, _ := r.get("data.0.message_id"); id != msgs[0].ID {
		t.Fatalf("history message_id = %v; want %s", id, msgs[0].ID)
	}
}

func TestSlowAnswerAfterClientTimeoutIsDelivered(t *testing.T) {
	ts := NewTestServer(t)
	ts.FailNext(1, FaultSlow.Taking(300*time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := newRequest(t, "POST", ts.URL+PathGroupMessage, strings.NewReader(textBody(g1, "chậm")))
	req = req.WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", ts.AccessToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("want a deadline error")
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(ts.Messages(g1)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow message was never recorded")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFaultScopeAndRate(t *testing.T) {
	ts := NewTestServer(t)
	ts.FailNext(1, Fault5xx.On(PathConversation))
	// Sends are not hit by a fault scoped to history.
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x"))); got != 0 {
		t.Fatalf("send: error = %d; want 0", got)
	}
	if r := getAPI(t, ts.URL, PathConversation+"?group_id="+g1, ts.AccessToken); r.status != 503 {
		t.Fatalf("history: status = %d; want 503", r.status)
	}
	ts.FailNext(1, FaultCode(-500).On("*"))
	if r := getAPI(t, ts.URL, PathGroupsOfOA, ts.AccessToken); errCode(t, r) != -500 {
		t.Fatalf("any-path fault: %s", r.raw)
	}
	ts.FailNext(1, Fault5xx.On(PathAccessToken))
	if r := postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.RefreshToken)); r.status != 503 {
		t.Fatalf("token endpoint fault: status %d", r.status)
	}

	ts.SetFaultRate(FaultSendFailed, 1)
	for range 3 {
		if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x"))); got != CodeSendFailed {
			t.Fatalf("rate 1: error = %d; want -200", got)
		}
	}
	if f := ts.Faults(); len(f.Rates) != 1 {
		t.Errorf("Faults().Rates = %+v; want one", f.Rates)
	}
	ts.ClearFaults()
	if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x"))); got != 0 {
		t.Fatalf("after ClearFaults: error = %d", got)
	}
}

func TestFailRateIsSeededAndPartial(t *testing.T) {
	ts := NewTestServer(t, WithConfig(func(c *Config) { c.FailRate = 0.5; c.Seed = 7 }))
	failed := 0
	for range 60 {
		r := postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "x"))
		if r.status != 200 || errCode(t, r) != 0 {
			failed++
		}
	}
	if failed < 10 || failed > 50 {
		t.Errorf("%d of 60 sends failed at FailRate 0.5", failed)
	}
	if got := len(ts.Messages(g1)); got != 60-failed {
		t.Errorf("recorded %d; want %d", got, 60-failed)
	}
}

func TestConcurrentSends(t *testing.T) {
	ts := NewTestServer(t, WithRatePerMin(1000))
	ts.SetFaultRate(FaultSendFailed, 0.2)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := DefaultGroups()[i%3].ID
			postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g, "x"))
			if i%5 == 0 {
				ts.ExpireAccessTokens()
				postForm(t, ts.URL, ts.AppSecret, refreshForm(ts.AppID, ts.Credentials().RefreshToken))
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, m := range ts.AllMessages() {
		if seen[m.ID] {
			t.Fatalf("duplicate message id %s", m.ID)
		}
		seen[m.ID] = true
	}
	if got := ts.Stats().Sends; got != len(seen) {
		t.Errorf("Stats().Sends = %d; want %d", got, len(seen))
	}
}
