package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/rs/zerolog"
)

// Defaults. The base URLs are for cmd's configuration: the client always
// takes them from Config.
const (
	DefaultAPIBase      = "https://openapi.zalo.me"
	DefaultOAuthBase    = "https://oauth.zaloapp.com"
	DefaultRatePerMin   = 4000
	DefaultTimeout      = 20 * time.Second
	DefaultRefreshAhead = 5 * time.Hour // refresh at about 20 h of a 25 h token
)

// Config configures a Client.
type Config struct {
	APIBase   string // e.g. DefaultAPIBase or a simulator's URL
	OAuthBase string // e.g. DefaultOAuthBase or a simulator's URL
	AppID     string
	AppSecret string

	// RatePerMin is the number of requests per minute Zalo allows the app.
	// 0 means DefaultRatePerMin; a negative value turns the limit off.
	RatePerMin int
	// Timeout bounds every HTTP exchange. 0 means DefaultTimeout.
	Timeout time.Duration
	// RefreshAhead refreshes the access token when it has less than this
	// left. 0 means DefaultRefreshAhead, or a fifth of the token's lifetime
	// if that is shorter (a token that lives less than the margin would
	// otherwise be refreshed, and its refresh token rotated, on every call).
	RefreshAhead time.Duration
	// OA names a NewClient's OA in the reconnect command its errors give
	// (ConnectCommand) and in its log: the commune's code when the
	// database has several communes, "" for the only one. App.Client
	// names its clients itself.
	OA string
}

// Client talks to the Zalo OA API. It is safe for concurrent use; all its
// calls share one rate limit and one token state. A client of an App (one
// OA of several) has its OA's token state and own limit, and shares the
// app's limit with the app's other clients.
type Client struct {
	cfg     Config
	http    *resty.Client
	store   TokenStore
	log     zerolog.Logger
	limiter *limiter
	now     func() time.Time

	autoAhead bool // RefreshAhead was left to its default: cap it by the token's lifetime

	refreshMu sync.Mutex // serialises refreshes, code exchanges and reloads
	mu        sync.Mutex // guards tok
	tok       tokenState

	rateSeen atomic.Pointer[RateLimitSeen] // the latest X-RateLimit-* headers
	lastText atomic.Pointer[encodedText]   // the last text sent, and its JSON (textMessage)

	// With several OAs (NewApp): the app whose limit this client shares,
	// this OA's key, and its own limit (0: none). limiter is then the OA's
	// own; app.limiter the app's. Both nil/zero for NewClient.
	app    *App
	oa     string
	oaRate int
}

// NewClient builds a client. It does no I/O: tokens are loaded from the
// store on first use (or by Reload). For several OAs of one app, use NewApp.
func NewClient(cfg Config, store TokenStore, log zerolog.Logger) *Client {
	cfg, autoAhead := normalizeConfig(cfg)
	log = log.With().Str("component", "zalo").Logger()
	if cfg.OA != "" {
		log = log.With().Str("commune", cfg.OA).Logger()
	}
	return &Client{
		oa:        cfg.OA,
		cfg:       cfg,
		http:      newHTTP(cfg, log),
		store:     store,
		log:       log,
		limiter:   newLimiter(cfg.RatePerMin, time.Minute),
		now:       time.Now,
		autoAhead: autoAhead,
	}
}

// normalizeConfig fills in the defaults; autoAhead reports that
// RefreshAhead was left to its default.
func normalizeConfig(cfg Config) (_ Config, autoAhead bool) {
	if cfg.RatePerMin == 0 {
		cfg.RatePerMin = DefaultRatePerMin
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	autoAhead = cfg.RefreshAhead <= 0
	if autoAhead {
		cfg.RefreshAhead = DefaultRefreshAhead
	}
	cfg.APIBase = strings.TrimRight(cfg.APIBase, "/")
	cfg.OAuthBase = strings.TrimRight(cfg.OAuthBase, "/")
	return cfg, autoAhead
}

// newHTTP builds the HTTP client of a Client, or of all the clients of an App.
func newHTTP(cfg Config, log zerolog.Logger) *resty.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64 // sends are concurrent; the default 2 would churn connections

	hc := resty.NewWithClient(&http.Client{Transport: transport, Timeout: cfg.Timeout})
	// No retries: a timed-out send may have been delivered, and only the
	// dispatcher knows how to reconcile. No debug: it would print the token.
	hc.SetRetryCount(0).SetDebug(false).SetLogger(restyLogger{log}).
		SetHeader("User-Agent", "loaxa (+https://github.com/loaxa/loaxa)")
	return hc
}

// Zalo writes its header names in lowercase in every official example
// (zalo-oa-api.md §12). Header.Set would canonicalise them to Access_token
// and Secret_key; setting the map key directly sends them as documented.
const (
	headerAccessToken = "access_token"
	headerSecretKey   = "secret_key"
)

// call describes one API request.
type call struct {
	op      string // what is being attempted, for errors and logs
	method  string
	path    string
	query   url.Values
	body    any         // JSON body
	encoded []byte      // or the body's JSON, already encoded
	file    *uploadFile // multipart body
	send    bool        // a send: an unanswered request may have been delivered
	group   string      // group_id, for logs
	empty   bool        // a missing or null data means "nothing" rather than a malformed answer
}

type uploadFile struct {
	field, name string
	data        []byte
}

// envelope is the OA API's answer: {"data":…,"error":0,"message":"Success"}.
type envelope struct {
	Error   *flexInt        `json:"error"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// do runs a call with a valid access token, and after -216/-220/-124 refreshes
// once and retries once. data receives the envelope's data.
func (c *Client) do(ctx context.Context, cl call, data any) error {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", cl.op, err)
	}
	err = c.once(ctx, cl, tok, data)
	var ae *APIError
	if !errors.As(err, &ae) || !ae.TokenExpired() {
		return err
	}
	// Zalo refused the token, so nothing was delivered: refresh (unless
	// someone already did since this call began) and retry once.
	if rerr := c.refreshAfterRejection(ctx, tok); rerr != nil {
		return fmt.Errorf("%s: refresh after %v: %w", cl.op, ae, rerr)
	}
	tok, err = c.accessToken(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", cl.op, err)
	}
	return c.once(ctx, cl, tok, data)
}

// once makes exactly one HTTP request.
//
// The send path is the daemon's hot loop (BenchmarkFanout10k), so the
// request goes through resty with as little of its per-request work as the
// API allows: the body is marshalled once and handed over as a
// *bytes.Reader (resty neither re-marshals nor copies it, and net/http
// still sets Content-Length), Accept is set as resty would set it (sparing
// its content-type regexp), and the answer is read here
// (SetDoNotParseResponse) and decoded in one pass.
func (c *Client) once(ctx context.Context, cl call, tok string, data any) error {
	if err := c.waitTurn(ctx); err != nil {
		return fmt.Errorf("%s: wait for the rate limit: %w", cl.op, err)
	}
	req := c.http.R().SetContext(ctx)
	req.Header[headerAccessToken] = []string{tok} // the documented spelling, not Go's Access_token
	if cl.query != nil {
		req.SetQueryParamsFromValues(cl.query)
	}
	body := cl.encoded
	if cl.body != nil {
		var err error
		if body, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("%s: encode the request: %w", cl.op, err)
		}
	}
	if body != nil {
		req.SetHeader("Content-Type", "application/json").SetHeader("Accept", "application/json").
			SetBody(bytes.NewReader(body))
	}
	if cl.file != nil {
		req.SetFileReader(cl.file.field, cl.file.name, bytes.NewReader(cl.file.data))
	}
	req.SetDoNotParseResponse(true)
	start := time.Now()
	resp, err := req.Execute(cl.method, c.cfg.APIBase+cl.path)
	var buf *bytes.Buffer
	if err == nil {
		buf = answerBuffers.Get().(*bytes.Buffer)
		defer putAnswerBuffer(buf)
		err = readAnswer(buf, resp.RawBody())
		c.noteRateHeaders(resp.Header())
	}
	took := time.Since(start)
	if err == nil {
		addTiming(ctx, took)
	}
	if err != nil {
		te := newTransportError(cl.op, cl.send, err)
		c.log.Debug().Str("op", cl.op).Str("group_id", cl.group).Bool("timeout", te.Timeout).
			Bool("outcome_unknown", te.MaybeDelivered).Int64("took_ms", took.Milliseconds()).Msg("zalo call failed")
		return te
	}
	err = c.decode(cl, resp.StatusCode(), buf.Bytes(), data)
	ev := c.log.Debug().Str("op", cl.op).Str("group_id", cl.group).Int("http_status", resp.StatusCode()).
		Int64("took_ms", took.Milliseconds())
	var ae *APIError
	if errors.As(err, &ae) {
		ev = ev.Int("zalo_code", ae.Code)
		if ae.RateLimited() {
			c.rateLimited(cl.op, ae, resp.Header())
		}
	}
	ev.Msg("zalo call")
	return err
}

// answerBuffers hold answers while they are decoded: nothing decoded
// refers to the buffer afterwards (strings and json.RawMessage copy).
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func putAnswerBuffer(b *bytes.Buffer) {
	if b.Cap() > 64<<10 { // a rare large answer (history) is not kept
		return
	}
	b.Reset()
	answerBuffers.Put(b)
}

// readAnswer reads a whole answer body and closes it, as resty would have
// (an error while reading is a transport error: the connection broke).
func readAnswer(buf *bytes.Buffer, body io.ReadCloser) error {
	if body == nil {
		return nil
	}
	_, err := buf.ReadFrom(body)
	if cerr := body.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

// decode reads an answer: the body's "error" decides, whatever the status.
func (c *Client) decode(cl call, status int, body []byte, data any) error {
	env, err := decodeEnvelope(body)
	if err != nil || env.Error == nil {
		if status >= 400 {
			return c.maybeUnknown(cl, status, newAPIError(0, http.StatusText(status), status))
		}
		err = fmt.Errorf("%s: %w (HTTP %d, %d bytes): %s", cl.op, ErrMalformedAnswer, status, len(body), malformedWhy(err))
		if cl.send {
			return &unknownOutcome{err}
		}
		return err
	}
	if *env.Error != 0 {
		return fmt.Errorf("%s: %w", cl.op, newAPIError(int(*env.Error), env.Message, status))
	}
	if status >= 400 {
		return c.maybeUnknown(cl, status, newAPIError(0, env.Message, status))
	}
	if data == nil {
		return nil
	}
	if len(env.Data) == 0 || bytes.Equal(env.Data, []byte("null")) {
		if cl.empty {
			return nil
		}
		err := fmt.Errorf("%s: %w: success without data", cl.op, ErrMalformedAnswer)
		if cl.send {
			return &unknownOutcome{err}
		}
		return err
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		err = fmt.Errorf("%s: %w: data: %v", cl.op, ErrMalformedAnswer, err)
		if cl.send {
			return &unknownOutcome{err}
		}
		return err
	}
	return nil
}

// rawData is the envelope's data, left in the answer's buffer: unlike
// json.RawMessage it is not copied. It is only used while the buffer is.
type rawData []byte

func (d *rawData) UnmarshalJSON(b []byte) error {
	*d = b
	return nil
}

// decodeEnvelope decodes the first JSON value of body into an envelope, as
// a json.Decoder with UseNumber would. An answer that is exactly one JSON
// value (all of Zalo's) takes the one-pass json.Unmarshal; anything else
// (trailing bytes, invalid JSON) goes the Decoder's way, so that the result
// and the error are the Decoder's.
func decodeEnvelope(body []byte) (envelope, error) {
	var fast struct {
		Error   *flexInt `json:"error"`
		Message string   `json:"message"`
		Data    rawData  `json:"data"`
	}
	if json.Unmarshal(body, &fast) == nil {
		return envelope{Error: fast.Error, Message: fast.Message, Data: json.RawMessage(fast.Data)}, nil
	}
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := dec.Decode(&env)
	return env, err
}

// maybeUnknown marks an HTTP error without a Zalo code as outcome unknown for
// a send when a gateway answered for a server that may have done the work
// (500, 502, 504; 503 means the request was turned away).
func (c *Client) maybeUnknown(cl call, status int, ae *APIError) error {
	err := fmt.Errorf("%s: %w", cl.op, ae)
	if cl.send && status >= 500 && status != http.StatusServiceUnavailable {
		return &unknownOutcome{err}
	}
	return err
}

func malformedWhy(err error) string {
	if err == nil {
		return `no "error" field`
	}
	return err.Error()
}

// restyLogger routes resty's own messages to zerolog. Debug mode stays off,
// so resty never logs headers or bodies.
type restyLogger struct{ log zerolog.Logger }

func (l restyLogger) Errorf(format string, v ...any) { l.log.Error().Msgf("resty: "+format, v...) }
func (l restyLogger) Warnf(format string, v ...any)  { l.log.Warn().Msgf("resty: "+format, v...) }
func (l restyLogger) Debugf(format string, v ...any) { l.log.Debug().Msgf("resty: "+format, v...) }
