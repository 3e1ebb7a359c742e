package zalosim

import (
	"testing"
	"time"
)

func TestParseLatency(t *testing.T) {
	cases := []struct {
		in           string
		base, jitter time.Duration
		bad          bool
	}{
		{"", 0, 0, false},
		{"0", 0, 0, false},
		{"250ms", 250 * time.Millisecond, 0, false},
		{"250ms±50ms", 250 * time.Millisecond, 50 * time.Millisecond, false},
		{"250ms+-50ms", 250 * time.Millisecond, 50 * time.Millisecond, false},
		{" 1s ± 100ms ", time.Second, 100 * time.Millisecond, false},
		{"250", 0, 0, true},
		{"-5ms", 0, 0, true},
		{"250ms±", 0, 0, true},
		{"250ms±x", 0, 0, true},
		{"50ms±100ms", 0, 0, true},
	}
	for _, tc := range cases {
		base, jitter, err := ParseLatency(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("ParseLatency(%q) = %s, %s; want an error", tc.in, base, jitter)
			}
			continue
		}
		if err != nil || base != tc.base || jitter != tc.jitter {
			t.Errorf("ParseLatency(%q) = %s, %s, %v; want %s, %s", tc.in, base, jitter, err, tc.base, tc.jitter)
		}
	}
}

// TestLatency: every API call takes the configured round trip, within the
// jitter; the message is recorded half-way, and the latency survives
// ClearFaults.
func TestLatency(t *testing.T) {
	ts := NewTestServer(t, WithConfig(func(c *Config) {
		c.Latency, c.LatencyJitter = 200*time.Millisecond, 50*time.Millisecond
	}))
	ts.ClearFaults()
	if got := ts.Faults().Latency; got != "200ms±50ms" {
		t.Errorf("Faults().Latency = %q; want 200ms±50ms", got)
	}
	var spread []time.Duration
	for i := range 6 {
		start := time.Now()
		var r reply
		if i%2 == 0 {
			r = postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "tin"))
		} else {
			r = getAPI(t, ts.URL, PathGroupsOfOA, ts.AccessToken)
		}
		took := time.Since(start)
		if errCode(t, r) != 0 {
			t.Fatalf("call %d: %s", i, r.raw)
		}
		if took < 150*time.Millisecond || took > 450*time.Millisecond {
			t.Errorf("call %d took %s; want 150ms–250ms (plus scheduling)", i, took)
		}
		if i%2 == 0 {
			msgs := ts.Messages(g1)
			at := msgs[len(msgs)-1].Time.Sub(start)
			if at < 75*time.Millisecond || at > took-70*time.Millisecond {
				t.Errorf("call %d: message recorded %s after the request, answered after %s; want about half-way", i, at, took)
			}
		}
		spread = append(spread, took)
	}
	if minD, maxD := minMax(spread); maxD-minD < time.Millisecond {
		t.Errorf("round trips %v: no jitter", spread)
	}
	ts.SetLatency(0, 0)
	start := time.Now()
	getAPI(t, ts.URL, PathGroupsOfOA, ts.AccessToken)
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("after SetLatency(0, 0) a call took %s", took)
	}
}

func minMax(ds []time.Duration) (lo, hi time.Duration) {
	lo, hi = ds[0], ds[0]
	for _, d := range ds {
		lo, hi = min(lo, d), max(hi, d)
	}
	return lo, hi
}

// TestSlowRate: Config.SlowRate makes that share of sends slow, and the
// slow ones are still delivered.
func TestSlowRate(t *testing.T) {
	ts := NewTestServer(t, WithConfig(func(c *Config) {
		c.SlowRate, c.SlowDelay, c.Seed = 0.5, 150*time.Millisecond, 42
	}))
	slow := 0
	const n = 12
	for range n {
		start := time.Now()
		if got := errCode(t, postJSON(t, ts.URL, PathGroupMessage, ts.AccessToken, textBody(g1, "tin"))); got != 0 {
			t.Fatalf("send: error %d", got)
		}
		if time.Since(start) >= 150*time.Millisecond {
			slow++
		}
	}
	if slow == 0 || slow == n {
		t.Errorf("%d of %d sends were slow; want some but not all at rate 0.5", slow, n)
	}
	if got := len(ts.Messages(g1)); got != n {
		t.Errorf("%d messages recorded; want %d", got, n)
	}
	if got := ts.Faults().Rates; len(got) != 1 || got[0].Fault != "slow(150ms)" || got[0].Rate != 0.5 {
		t.Errorf("Faults().Rates = %+v; want slow(150ms) at 0.5", got)
	}
}
