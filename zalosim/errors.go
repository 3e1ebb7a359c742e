package zalosim

import (
	"fmt"
	"net/http"
)

// OpenAPI error codes the simulator answers with (zalo-oa-api.md §6).
const (
	CodeRateLimited       = -32
	CodeAttachmentExpired = -100
	CodeSendFailed        = -200
	CodeInvalidParam      = -201 // "<field> is invalid!"
	CodeParamExceedsLimit = -210 // text over 2000 characters, image over 1 MB
	CodeInvalidToken      = -216
	CodeExpiredToken      = -220
	CodeMessageType       = -233
	CodeGroupDisabled     = -237
	CodeContentPolicy     = -248
	CodeNotInGroup        = -403
)

// OAuth endpoint error codes. -14002/-14003/-14004 are documented; the
// others are the simulator's choice, because Zalo documents no code for a
// bad refresh token, code or verifier (zalo-oa-api.md §1, §11.7).
const (
	CodeOAuthInvalidParam    = -14001
	CodeOAuthInvalidAppID    = -14002
	CodeOAuthInvalidRedirect = -14003
	CodeOAuthInvalidSecret   = -14004
	CodeOAuthInvalidCode     = -14005
	CodeOAuthInvalidRefresh  = -14014
	CodeOAuthInvalidVerifier = -14019
)

var codeMessages = map[int]string{
	CodeRateLimited:       "application/OA reached limit call api",
	CodeAttachmentExpired: "attachment_id was expired",
	CodeSendFailed:        "Send message failed",
	CodeParamExceedsLimit: "param exceeds limit",
	-204:                  "OA has been disabled",
	-205:                  "OA does not exist",
	-209:                  "App has not been activated",
	-211:                  "Out of quota",
	-212:                  "App has not registered this api",
	-214:                  "Article is being processed",
	CodeInvalidToken:      "Access token is invalid",
	-219:                  "App has been removed or disabled",
	CodeExpiredToken:      "Access token is expired or removed",
	-221:                  "OA must be verified",
	-223:                  "OA has not authorized this api",
	-224:                  "Upgrade OA tier to use this feature",
	CodeMessageType:       "message type invalid",
	-234:                  "cannot be sent at night (10PM-6AM)",
	CodeGroupDisabled:     "group is disabled",
	-238:                  "asset_id has been used",
	-241:                  "asset_id is disabled",
	-242:                  "Invalid appsecret_proof",
	CodeContentPolicy:     "Violates our platform standards",
	CodeNotInGroup:        "OA is not in group",
	-14002:                "Invalid appId",
	-14003:                "Invalid redirect uri",
	-14004:                "Invalid secret key",
}

func codeMessage(code int) string {
	if m, ok := codeMessages[code]; ok {
		return m
	}
	return fmt.Sprintf("Simulated error %d", code)
}

// oauthEnvelope is the token endpoint's failure shape: no access_token, a
// negative error and a name and reason (zalo-oa-api.md §1).
type oauthEnvelope struct {
	Error            int    `json:"error"`
	ErrorName        string `json:"error_name"`
	ErrorReason      string `json:"error_reason"`
	ErrorDescription string `json:"error_description"`
}

func oauthError(code int, name, reason string) answer {
	return answer{http.StatusOK, oauthEnvelope{code, name, reason, reason}}
}

// errorFor answers code in the failure shape of the endpoint at path.
func errorFor(path string, code int, msg string) answer {
	if path == PathAccessToken {
		return oauthError(code, msg, msg)
	}
	return apiError(code, msg)
}

func invalidField(field string) answer {
	return apiError(CodeInvalidParam, field+" is invalid!")
}

const page5xx = `<html>
<head><title>%d %s</title></head>
<body>
<center><h1>%d %s</h1></center>
<hr><center>nginx</center>
</body>
</html>
`

// write5xx answers like the reverse proxy in front of the API does.
func write5xx(w http.ResponseWriter, status int) {
	if status < 500 || status > 599 {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, page5xx, status, http.StatusText(status), status, http.StatusText(status))
}

// dropConnection closes the connection without answering, so the client
// sees a transport error although the request was processed.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
