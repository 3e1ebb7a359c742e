// Package bot is loaxa's client for the Zalo Official Account (OA) API, on
// go-resty/resty/v2. It follows ../shared/zalo-oa-api.md: group messages
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
// already refreshed). Refreshes are serialised, and a rotated pair is stored
// before it is used. A refresh Zalo refuses disconnects the client: every
// call then fails fast with ErrReconnect until new tokens are stored, through
// ExchangeCode or in the store by another process (picked up by Reload, and
// checked every few seconds while disconnected). Tokens, the app secret and
// PKCE verifiers never reach the logs.
package bot
