package zalosim

import (
	"fmt"
	"time"
)

// FaultKind is the kind of an injected fault.
type FaultKind int

// Fault kinds.
const (
	Kind5xx        FaultKind = iota + 1 // an HTTP 5xx page from the proxy; nothing processed
	KindSendFailed                      // {"error":-200,"message":"Send message failed"}; nothing recorded
	KindSlow                            // answer normally after Delay
	KindLostAnswer                      // process (record the message), then drop the connection unanswered
	KindCode                            // {"error":Code,...}; nothing processed
	KindSlowAnswer                      // process at once, then answer after Delay: the work is done while the answer is on its way
)

var kindNames = map[FaultKind]string{
	Kind5xx: "5xx", KindSendFailed: "send_failed", KindSlow: "slow", KindLostAnswer: "lost_answer", KindCode: "code",
	KindSlowAnswer: "slow_answer",
}

// Fault describes one injected fault. Faults hit group message sends unless
// scoped to another path with On. A Fault is a comparable value.
type Fault struct {
	Kind   FaultKind
	Status int           // Kind5xx: HTTP status, default 503
	Code   int           // KindCode: the error code
	Delay  time.Duration // KindSlow, KindSlowAnswer: how long to wait
	Path   string        // API path it hits; "" = PathGroupMessage, "*" = every API call
	// OAID limits the fault to calls carrying that OA's access token
	// (ForOA); "" hits every OA. The token endpoint carries none, so a
	// fault for one OA never hits it.
	OAID string
}

// Predefined faults.
var (
	Fault5xx        = Fault{Kind: Kind5xx, Status: 503}
	FaultSendFailed = Fault{Kind: KindSendFailed}
	FaultSlow       = Fault{Kind: KindSlow, Delay: 2 * time.Second}
	FaultLostAnswer = Fault{Kind: KindLostAnswer}
	// FaultSlowAnswer does the work (records the message, rotates the token
	// pair) at once and answers after Delay: a client killed meanwhile
	// never learns what was done.
	FaultSlowAnswer = Fault{Kind: KindSlowAnswer, Delay: 2 * time.Second}
)

// FaultCode is a fault answering the given error code, for example
// FaultCode(CodeContentPolicy) or FaultCode(CodeNotInGroup).
func FaultCode(code int) Fault { return Fault{Kind: KindCode, Code: code} }

// On scopes the fault to another API path, such as PathConversation,
// PathAccessToken or "*" for every API call.
func (f Fault) On(path string) Fault { f.Path = path; return f }

// ForOA limits the fault to the calls of one OA (its access token's).
func (f Fault) ForOA(oaID string) Fault { f.OAID = oaID; return f }

// Taking returns the fault (KindSlow or KindSlowAnswer) with the given delay.
func (f Fault) Taking(d time.Duration) Fault { f.Delay = d; return f }

func (f Fault) String() string {
	s := kindNames[f.Kind]
	switch f.Kind {
	case Kind5xx:
		s = fmt.Sprintf("%s(%d)", s, f.Status)
	case KindCode:
		s = fmt.Sprintf("%s(%d)", s, f.Code)
	case KindSlow, KindSlowAnswer:
		s = fmt.Sprintf("%s(%s)", s, f.Delay)
	}
	if f.Path != "" {
		s += " on " + f.Path
	}
	if f.OAID != "" {
		s += " for OA " + f.OAID
	}
	return s
}

// hits reports whether the fault hits a call to path by oa (nil: a call
// without a valid access token, such as the token endpoint's).
func (f Fault) hits(path string, oa *oaState) bool {
	if f.OAID != "" && (oa == nil || oa.id != f.OAID) {
		return false
	}
	switch f.Path {
	case "":
		return path == PathGroupMessage
	case "*":
		return true
	}
	return f.Path == path
}

type pendingFault struct {
	Fault
	left int
}

type faultState struct {
	next  []pendingFault    // FailNext queue, in order
	rates map[Fault]float64 // SetFaultRate
}

// FailNext makes the next n calls that f hits fail with f. Queued faults are
// used in the order they were queued.
func (s *Server) FailNext(n int, f Fault) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.next = append(s.faults.next, pendingFault{f, n})
}

// SetFaultRate makes each call that f hits fail with f with probability p
// (0 removes it). Config.FailRate sets Fault5xx and FaultSendFailed to half
// of it each.
func (s *Server) SetFaultRate(f Fault, p float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p <= 0 {
		delete(s.faults.rates, f)
		return
	}
	if s.faults.rates == nil {
		s.faults.rates = make(map[Fault]float64)
	}
	s.faults.rates[f] = min(p, 1)
}

// ClearFaults removes queued faults, fault rates and the delay; the
// latency (SetLatency) stays.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = faultState{}
	s.delay = 0
}

// SetDelay makes every API call wait d before it is handled.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// pickFault consumes the first queued fault that hits path (called by oa),
// else rolls the dice for each fault rate that hits it.
func (s *Server) pickFault(path string, oa *oaState) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults.next {
		p := &s.faults.next[i]
		if !p.hits(path, oa) {
			continue
		}
		f := p.Fault
		p.left--
		if p.left == 0 {
			s.faults.next = append(s.faults.next[:i], s.faults.next[i+1:]...)
		}
		s.stats.Faults++
		return f, true
	}
	if len(s.faults.rates) == 0 {
		return Fault{}, false
	}
	roll := s.rng.Float64()
	acc := 0.0
	for _, f := range sortedFaults(s.faults.rates) {
		if !f.hits(path, oa) {
			continue
		}
		acc += s.faults.rates[f]
		if roll < acc {
			s.stats.Faults++
			return f, true
		}
	}
	return Fault{}, false
}

// sortedFaults orders the rate map so that a seeded run is reproducible.
func sortedFaults(m map[Fault]float64) []Fault {
	out := make([]Fault, 0, len(m))
	for f := range m {
		out = append(out, f)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].String() < out[j-1].String(); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// FaultStatus is a snapshot of the injected faults, for /_sim/faults.
type FaultStatus struct {
	Next  []QueuedFault `json:"next"`
	Rates []FaultRate   `json:"rates"`
	Delay string        `json:"delay"`
	// Latency is the round trip of every API call, "250ms±50ms" (SetLatency).
	Latency string `json:"latency"`
}

// QueuedFault is a FailNext entry.
type QueuedFault struct {
	Fault string `json:"fault"`
	Left  int    `json:"left"`
}

// FaultRate is a SetFaultRate entry.
type FaultRate struct {
	Fault string  `json:"fault"`
	Rate  float64 `json:"rate"`
}

// Faults returns the current fault settings.
func (s *Server) Faults() FaultStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := FaultStatus{Next: []QueuedFault{}, Rates: []FaultRate{}, Delay: s.delay.String(),
		Latency: latencyString(s.latency, s.jitter)}
	for _, p := range s.faults.next {
		st.Next = append(st.Next, QueuedFault{p.String(), p.left})
	}
	for _, f := range sortedFaults(s.faults.rates) {
		st.Rates = append(st.Rates, FaultRate{f.String(), s.faults.rates[f]})
	}
	return st
}
