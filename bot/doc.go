// Package bot is loaxa's client for the Zalo Official Account (OA) API, on
// go-resty/resty/v2. It follows ../docs/zalo-oa-api.md: group messages
// (GMF), image uploads, group listing and history, and OAuth v4 with PKCE.
//
// # Calls
//
// Every call takes a context, sends the access token in the access_token
// header, and reads the outcome from the JSON body even on HTTP 200
// ({"data":…,"error":0,"message":"Success"}). IDs are strings, never float64.
// All calls of one Client share a rate limit (Config.RatePerMin) that paces
// requests evenly a little under the configured rate, so that Zalo's sliding
// 60-second window is never exceeded, and slows down further when Zalo answers
// -32 anyway. resty's retries are off and every HTTP exchange has a timeout.
//
// # Errors
//
// A failure Zalo reports is an *APIError with a Class (the retry class of
// zalo-oa-api.md §6), predicates such as TokenExpired or PermanentForGroup,
// and a Vietnamese Reason for staff. A call that got no usable answer is a
// *TransportError. For a send, errors.Is(err, ErrOutcomeUnknown) means the
// message may have been delivered: reconcile with GroupConversation instead of
// sending again. ErrorClass and Reason classify any error the client returns.
//
// # Tokens
//
// Access tokens live 25 h; refresh tokens are single-use and rotate. The
// client loads the pair from a TokenStore on first use, refreshes it when
// less than Config.RefreshAhead is left, and once after -216/-220/-124
// (followed by one retry of the call, or just the retry when another caller
// already refreshed). Refreshes are serialised, in the process and, through
// the store's TokenStore.LockZaloRefresh, across processes: under the lock the
// stored pair is read again, and a pair another process stored is adopted
// rather than spending a refresh token twice. A rotated pair is stored
// before it is used. A refresh token that may be spent (a refresh whose
// answer never reached the store, RefreshJournal) is never sent again. Such
// a token, or one Zalo refuses, disconnects the client: every call then
// fails fast with ErrReconnect until new tokens are stored, through
// ExchangeCode or in the store by another process (picked up by Reload, and
// checked every few seconds while disconnected). Tokens, the app secret and
// PKCE verifiers never reach the logs. A token-endpoint answer that is not
// Zalo's (a proxy's 4xx page) is no refusal: the pair is kept, the refresh
// tried again, and TokenHealth.RefreshFailing raised meanwhile.
//
// # Several OAs under one app
//
// In province mode one Zalo app (ZALO_APP_ID, ZALO_APP_SECRET) serves every
// commune's OA. NewApp builds the app; App.Client(key, store, oaRatePerMin)
// builds one Client per OA, with that OA's TokenStore (its own token chain,
// its own refresh lock: the store's RefreshLocker must lock that OA's row
// alone, so that one commune's refresh never waits on another's, and its
// RefreshJournal mark must be that OA's alone, or one commune's interrupted
// refresh would disconnect them all) and optionally its package limit
// (zalo-oa-api.md §7: 100 a minute for Growth). The clients share the app's limit (Config.RatePerMin, ZALO_RATE_PER_MIN)
// and its connections. Every OpenAPI call passes both limits: it goes when
// the OA's log and the app's both have room, and counts in both at that
// instant; the OA's calls are also spaced by its pace between their actual
// sends. The token endpoint is the app's: refreshes pass the app's limit
// only. NewClient is unchanged: one client is one app.
//
// A dead token (Zalo refused the OA's refresh token, one may be spent, none
// is stored) stops that OA's client alone: the others go on, and
// Client.State and App.States say which OA is Paused and needs Reconnect.
//
// Zalo answers both limits with the one code -32 "application/OA reached
// limit call api" (§6), so the body cannot tell whose limit refused. The
// X-RateLimit-Limit header (§7) names a limit: when it equals the OA's own
// configured limit (and that differs from the app's), the OA's limit
// refused, and that OA alone pauses (1 s, doubling) and halves its pace for
// a window. Anything else, the app's value, an unknown value, no header, or
// an OA without a configured limit, is read as the app's -32, the safe
// reading: every OA of the app pauses and slows, since slowing one OA for
// the app's -32 would let the others go on hitting it. Configure each
// commune's package limit so that its own -32 can be told apart.
//
// Header names are sent in Zalo's documented spelling, access_token and
// secret_key, not Go's canonical Access_token.
package bot
