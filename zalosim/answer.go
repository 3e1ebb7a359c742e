package zalosim

// What every simulated Zalo API call goes through (api) and how its answer
// is written: the success envelope, or HTTP 200 with a negative error code.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// answer is what an API handler produces; api writes it, or drops it.
type answer struct {
	status int
	body   any
}

type okEnvelope struct {
	Data    any    `json:"data"`
	Error   int    `json:"error"`
	Message string `json:"message"`
}

type errEnvelope struct {
	Error   int    `json:"error"`
	Message string `json:"message"`
}

func ok(data any) answer { return answer{http.StatusOK, okEnvelope{data, 0, "Success"}} }

// apiError is Zalo's failure shape: HTTP 200 with a negative error code.
func apiError(code int, msg string) answer {
	return answer{http.StatusOK, errEnvelope{code, msg}}
}

// api wraps an API handler with what every Zalo call goes through: the
// round trip (latency.go), the request count, injected delay, the rate
// limits (the app's, and the OA's whose access token the call carries) and
// their headers, the access_token check and injected faults. An authed
// handler gets the OA its access token identifies.
func (s *Server) api(path string, authed bool, h func(*http.Request, *oaState) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		there, back := s.roundTrip()
		s.sleep(r, there)
		var owner *oaState
		s.mu.Lock()
		s.stats.Requests++
		if authed {
			if owner = s.tokenOA[r.Header.Get("access_token")]; owner != nil {
				owner.stats.Requests++
			}
		}
		delay := s.delay
		s.mu.Unlock()
		s.sleep(r, delay)
		reply := func(a answer) {
			s.sleep(r, back)
			s.writeAnswer(w, a)
		}

		limit, remain, refused := s.admit(owner)
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
		w.Header().Set("X-RateLimit-Remain", strconv.Itoa(remain))
		switch refused {
		case refusedByApp:
			reply(errorFor(path, CodeRateLimited, codeMessage(CodeRateLimited)))
			return
		case refusedByOA:
			reply(errorFor(path, s.cfg.OARateCode, s.cfg.OARateMessage))
			return
		}
		var oa *oaState
		if authed {
			var a answer
			var bad bool
			if oa, a, bad = s.checkAccessToken(r); bad {
				reply(a)
				return
			}
		}
		f, hit := s.pickFault(path, oa)
		if hit {
			s.log.Debug().Str("path", path).Str("fault", f.String()).Msg("inject fault")
			switch f.Kind {
			case Kind5xx:
				s.sleep(r, back)
				write5xx(w, f.Status)
				return
			case KindSendFailed:
				reply(errorFor(path, CodeSendFailed, "Send message failed"))
				return
			case KindCode:
				reply(errorFor(path, f.Code, codeMessage(f.Code)))
				return
			case KindSlow:
				s.sleep(r, f.Delay)
			}
		}
		a := h(r, oa)
		if hit && f.Kind == KindLostAnswer {
			s.sleep(r, back)
			dropConnection(w)
			return
		}
		if hit && f.Kind == KindSlowAnswer {
			s.sleep(r, f.Delay)
		}
		reply(a)
	}
}

func (s *Server) writeAnswer(w http.ResponseWriter, a answer) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	if err := json.NewEncoder(w).Encode(a.body); err != nil {
		s.log.Debug().Err(err).Msg("write answer")
	}
}

// sleep waits d, or less if the simulator is closed. It deliberately does not
// stop when the client goes away: a real server finishes what it started.
func (s *Server) sleep(_ *http.Request, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-s.quit:
	}
}

func (s *Server) now() time.Time { return s.cfg.Now() }
