// Package web is the staff admin site and the residents' public archive of
// loaxa: net/http, html/template and embedded assets, in Vietnamese.
//
// New builds one http.Handler for both. Staff pages need a session
// (server-side, in the database; the cookie holds a random token whose
// hash is stored), every state-changing request needs the session's CSRF
// token, and each action checks the user's role on the server:
//
//	editor    writes notices, submits them for approval, retries failures,
//	          cancels their own
//	approver  also approves or rejects (not their own notice unless
//	          Config.SelfApprove), cancels any, reads the audit log
//	admin     also hamlets, staff accounts and the Zalo OA connection
//
// The public pages (/public, /public/notices/{id}, /public/feed.atom) need
// no sign-in and show nothing internal. Every response carries a
// Content-Security-Policy without inline script; the little JavaScript
// there is lives in static/app.js. Serve the handler with the timeouts of
// NewHTTPServer.
package web
