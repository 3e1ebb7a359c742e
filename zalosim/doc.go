// Package zalosim is a stateful simulator of the Zalo Official Account API,
// in the spirit of net/http/httptest: the same paths, methods, headers,
// bodies, envelopes, error codes, token rules and rate limit as the real
// API described in docs/zalo-oa-api.md, with fault injection and a page
// that shows each group's chat as a resident sees it.
//
// One handler serves both hosts, so one base URL can stand for
// ZALO_API_BASE (openapi.zalo.me) and ZALO_OAUTH_BASE (oauth.zaloapp.com):
//
//	POST /v4/oa/access_token          refresh_token and authorization_code grants (secret_key header)
//	GET  /v4/oa/permission            the authorisation page ("Cho phép"); &auto=1 redirects at once
//	POST /v3.0/oa/group/message       text, or an image by attachment_id or url
//	POST /v2.0/oa/upload/image        multipart "file", jpg/png ≤ 1 MB
//	GET  /v3.0/oa/group/getgroupsofoa ?offset=&count= (or data= JSON)
//	GET  /v3.0/oa/group/getgroup      ?group_id=
//	GET  /v3.0/oa/group/conversation  group_id, offset, count; data is a list, newest first
//	GET  /                            the resident view: groups, then /groups/{id}
//	     /_sim/…                      inspection and control API (see inspectRoutes)
//
// # Tests
//
//	fake := zalosimtest.New(t)                      // DefaultGroups, generated credentials
//	fake.FailNext(2, zalosim.Fault5xx)               // the next two sends get a 503 page
//	fake.FailNext(1, zalosim.FaultLostAnswer)        // recorded, then the connection drops
//	fake.FailNext(1, zalosim.Fault5xx.On(zalosim.PathConversation))
//	fake.SetFaultRate(zalosim.FaultSendFailed, 0.1)  // -200 on 10 % of sends
//	fake.ExpireAccessTokens()                        // -220 until the client refreshes
//	… run the client against fake.URL with fake.AppID, fake.AppSecret, fake.RefreshToken …
//	msgs := fake.Messages(zalosim.DefaultGroups()[0].ID)
//
// # The loaxa zalosim command
//
// cmd/loaxa wires the flags to a Config and calls Run:
//
//	--addr A            Run's addr
//	--groups g1,g2      Config.Groups via ParseGroups ("id" or "id=Name"); empty: DefaultGroups
//	--app-id ID         Config.AppID        (generated when empty)
//	--app-secret S      Config.AppSecret    (generated when empty)
//	--refresh-token RT  Config.RefreshToken (generated when empty)
//	--token-ttl SECONDS Config.TokenTTL = time.Duration(SECONDS) * time.Second
//	--rate-per-min N    Config.RatePerMin (0 = unlimited)
//	--fail-rate P       Config.FailRate (half 5xx pages, half -200 answers, on sends)
//	--oas N, --groups-per-oa M, --oas-file F, --oa-rate-per-min R
//	                    Config.OAs via OAFlags.Apply: several OAs under the one app
//
// # Several OAs
//
// Config.OAs (WithOAs in tests, GenerateOAs for a province) makes the app
// serve several Official Accounts, each with its groups, its own token
// chain and its own rate limit; an access token acts for its OA only, and
// another OA's group is -403. See oa.go and docs/zalosim.md.
//
// Run prints the base URL, the credentials it accepts (as ZALO_* lines) and
// the groups to its out writer, never to the log. A program that embeds the
// simulator (loaxa demo) calls New, Serve and Credentials itself, and may
// print the same block with PrintBanner.
//
// Choices where the API document is silent or conflicting are listed in
// docs/zalosim.md.
package zalosim
