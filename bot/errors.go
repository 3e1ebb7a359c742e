package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrOutcomeUnknown marks a send whose answer never arrived (timeout,
	// dropped connection, unreadable 200 answer, gateway error): Zalo may
	// have delivered the message. Reconcile against the group's conversation
	// before sending again; Zalo accepts no idempotency key.
	ErrOutcomeUnknown = errors.New("zalo: outcome unknown, the message may have been delivered")

	// ErrReconnect means the refresh token cannot be used: Zalo refused it,
	// or a refresh that may have spent it never stored its answer. Every call
	// fails fast with it until new tokens are stored (ExchangeCode, or a
	// Reload that finds a different pair in the store). A client returns it
	// inside a *DisconnectedError, which names the command that reconnects
	// that client's OA.
	ErrReconnect = errors.New("the Zalo refresh token cannot be used (Zalo refused it, or it may have been spent)")

	// ErrTokensUnsaved means the token store did not take a write: a
	// rotated pair waits in memory to be stored, or a refresh was not
	// attempted because its answer could not have been stored. Nothing was
	// sent; calls wait until the store takes writes again.
	ErrTokensUnsaved = errors.New("zalo tokens cannot be stored now; sending waits until the database takes writes")

	// ErrRefreshBusy means another process held the token refresh lock for
	// too long (TokenStore.LockZaloRefresh). Nothing was sent; the refresh is tried again.
	ErrRefreshBusy = errors.New("another loaxa process is refreshing the Zalo token; waiting for it")

	// ErrNotZaloAnswer marks a token-endpoint answer that is not Zalo's: an
	// HTML or empty page, a 4xx without a Zalo error body (a proxy or a
	// firewall). It is no proof that the refresh token was spent: the pair
	// is kept and the refresh tried again.
	ErrNotZaloAnswer = errors.New("zalo: the token endpoint's answer is not Zalo's")

	// ErrNotConnected means no tokens are stored at all. A client returns it
	// inside a *DisconnectedError, as ErrReconnect.
	ErrNotConnected = errors.New("no Zalo tokens stored")

	// ErrMalformedAnswer marks an answer whose body is not the JSON envelope
	// the API documents.
	ErrMalformedAnswer = errors.New("zalo: malformed answer")
)

// Class is what a caller should do about a failure.
type Class int

// Retry classes, following zalo-oa-api.md §6.
const (
	ClassNone           Class = iota // no error
	ClassUnknown                     // unrecognised code: do not retry automatically, show it
	ClassTransient                   // retry with backoff: -200, -214, HTTP 5xx, network errors
	ClassRateLimited                 // -32: retry with backoff; the client already slowed down
	ClassTokenExpired                // -216, -220, -124: the client refreshes once and retries once itself
	ClassReupload                    // -100: attachment expired; upload again, then retry
	ClassQuota                       // -211: out of quota; retry next period
	ClassNightBan                    // -234: reschedule at or after 06:00 Asia/Ho_Chi_Minh
	ClassPermanentGroup              // -403, -237, -238, -241: this group cannot receive until an admin acts
	ClassPermanentUser               // -213, -217, -218, -227, -230, -232, -244, -249: this user cannot receive
	ClassContent                     // -201, -210, -233, -248: payload or content refused; fix it, do not retry
	ClassConfig                      // app/OA setup, billing or OAuth errors: fatal until an admin fixes it
	ClassDisconnected                // the refresh token was refused or none is stored: hold everything, reconnect
)

var classNames = [...]string{"none", "unknown", "transient", "rate_limited", "token_expired", "reupload",
	"quota", "night_ban", "permanent_group", "permanent_user", "content", "config", "disconnected"}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// codeInfo is one row of the §6 table.
type codeInfo struct {
	class   Class
	message string // Zalo's message, used when the body carries none
	reason  string // plain Vietnamese for staff
}

var codes = map[int]codeInfo{
	-32:  {ClassRateLimited, "application/OA reached limit call api", "Zalo báo gửi quá nhanh (vượt giới hạn gọi API); hệ thống sẽ gửi lại sau"},
	-100: {ClassReupload, "attachment_id was expired", "Ảnh/tệp đính kèm đã hết hạn trên Zalo; cần tải lên lại"},
	-200: {ClassTransient, "Send message failed", "Zalo gửi tin thất bại tạm thời; hệ thống sẽ thử lại"},
	-201: {ClassContent, "parameter is invalid", "Nội dung tin nhắn không hợp lệ (sai tham số)"},
	-204: {ClassConfig, "OA has been disabled", "OA đã bị vô hiệu hóa; liên hệ quản trị"},
	-205: {ClassConfig, "OA does not exist", "OA không tồn tại; kiểm tra cấu hình Zalo"},
	-209: {ClassConfig, "App has not been activated", "Ứng dụng Zalo chưa được kích hoạt"},
	-210: {ClassContent, "parameter exceeds limit", "Tin nhắn vượt giới hạn (quá dài hoặc quá lớn)"},
	-211: {ClassQuota, "Out of quota", "OA đã hết hạn mức gửi tin; sẽ gửi lại ở kỳ sau"},
	-212: {ClassConfig, "OA has not registered this API", "OA chưa đăng ký sử dụng API này"},
	-213: {ClassPermanentUser, "User has not followed OA", "Người nhận chưa quan tâm OA"},
	-214: {ClassTransient, "Article is being processed", "Bài viết đang được Zalo xử lý; thử lại sau"},
	-216: {ClassTokenExpired, "Access token is invalid", "Mã truy cập Zalo không hợp lệ; hệ thống tự làm mới"},
	-217: {ClassPermanentUser, "User has blocked invitation", "Người nhận đã chặn lời mời từ OA"},
	-218: {ClassPermanentUser, "Out of quota receive", "Người nhận đã hết hạn mức nhận tin"},
	-219: {ClassConfig, "Application is removed or disabled", "Ứng dụng Zalo đã bị xóa hoặc vô hiệu hóa"},
	-220: {ClassTokenExpired, "Access token has expired or been removed", "Mã truy cập Zalo đã hết hạn; hệ thống tự làm mới"},
	-221: {ClassConfig, "OA must be verified", "OA phải được xác thực để dùng tính năng này"},
	-223: {ClassConfig, "OA has not authorized this API or reached the article quota", "OA chưa cấp quyền API này cho ứng dụng (hoặc hết hạn mức bài viết)"},
	-224: {ClassConfig, "OA tier must be upgraded", "Cần nâng cấp gói OA để dùng tính năng này"},
	-227: {ClassPermanentUser, "User is banned or inactive for more than 45 days", "Người nhận bị khóa hoặc không hoạt động quá 45 ngày"},
	-230: {ClassPermanentUser, "User has not interacted with the OA in the past 7 days", "Người nhận không tương tác với OA trong 7 ngày qua"},
	-232: {ClassPermanentUser, "User interaction has expired", "Thời hạn tương tác của người nhận đã hết"},
	-233: {ClassContent, "Message type is invalid", "Loại tin nhắn không hợp lệ"},
	-234: {ClassNightBan, "Message cannot be sent at night (10PM-6AM)", "Không được gửi loại tin này ban đêm (22h–6h); sẽ gửi sau 6h sáng"},
	-235: {ClassConfig, "API is not supported for this OA type", "API không hỗ trợ loại OA này"},
	-237: {ClassPermanentGroup, "Group is disabled (GMF asset expired)", "Nhóm đã bị tắt (gói GMF hết hạn); cần gia hạn"},
	-238: {ClassPermanentGroup, "asset_id has been used", "Gói nhóm (asset_id) đã được dùng; cần gói khác"},
	-240: {ClassConfig, "MessageV2 API has been shut down", "API tin nhắn v2 đã ngừng; cần cập nhật phần mềm"},
	-241: {ClassPermanentGroup, "asset_id is disabled", "Gói nhóm (asset_id) đã bị vô hiệu hóa; cần gia hạn"},
	-242: {ClassConfig, "Invalid appsecret_proof", "Sai appsecret_proof; kiểm tra App Secret"},
	-244: {ClassPermanentUser, "User has restricted this message type", "Người nhận đã chặn loại tin này"},
	-248: {ClassContent, "Violates our platform standards", "Nội dung vi phạm tiêu chuẩn của Zalo; cần sửa nội dung"},
	-249: {ClassPermanentUser, "Template does not support send via UID", "Mẫu tin không hỗ trợ gửi theo UID"},
	-320: {ClassConfig, "Application needs a Zalo Cloud Account", "Ứng dụng cần liên kết Zalo Cloud Account"},
	-321: {ClassConfig, "Zalo Cloud Account is out of money", "Tài khoản Zalo Cloud hết tiền; cần nạp thêm"},
	-403: {ClassPermanentGroup, "OA is not in group", "OA không ở trong nhóm này (sai group_id?)"},
	// ZNS family, handled like -216 by the community.
	-124: {ClassTokenExpired, "Access token invalid", "Mã truy cập Zalo không hợp lệ; hệ thống tự làm mới"},
	// OAuth endpoint (§1).
	-14002: {ClassConfig, "Invalid appId", "Sai App ID của ứng dụng Zalo"},
	-14003: {ClassConfig, "Invalid redirect uri", "Địa chỉ chuyển hướng (callback) không khớp cấu hình OA"},
	-14004: {ClassConfig, "Invalid secret key", "Sai App Secret của ứng dụng Zalo"},
}

// APIError is an answer in which Zalo reported a failure: a non-zero
// "error" in the body (usually with HTTP 200), or an HTTP error status.
// Code is 0 when only the HTTP status tells what went wrong.
type APIError struct {
	Code       int
	Message    string
	HTTPStatus int
}

func (e *APIError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("zalo: HTTP %d: %s", e.HTTPStatus, e.Message)
	}
	return fmt.Sprintf("zalo error %d: %s", e.Code, e.Message)
}

// Class tells what to do about the error.
func (e *APIError) Class() Class {
	if e.Code != 0 {
		if info, ok := codes[e.Code]; ok {
			return info.class
		}
		if e.Code <= -14000 && e.Code > -15000 {
			return ClassConfig // other OAuth endpoint errors
		}
		if e.HTTPStatus >= 500 {
			return ClassTransient
		}
		return ClassUnknown
	}
	switch {
	case e.HTTPStatus >= 500, e.HTTPStatus == http.StatusRequestTimeout:
		return ClassTransient
	case e.HTTPStatus == http.StatusTooManyRequests:
		return ClassRateLimited
	case e.HTTPStatus == http.StatusRequestEntityTooLarge:
		return ClassContent
	case e.HTTPStatus >= 400:
		return ClassConfig // 401, 403, 404: wrong base URL, credentials or path
	}
	return ClassUnknown
}

// TokenExpired reports -216, -220 or -124: refresh and retry once.
func (e *APIError) TokenExpired() bool { return e.Class() == ClassTokenExpired }

// RateLimited reports -32 (or HTTP 429).
func (e *APIError) RateLimited() bool { return e.Class() == ClassRateLimited }

// Transient reports failures worth retrying later with backoff: -32, -200,
// -214, HTTP 5xx, and -100 provided the retry uploads the attachment again.
func (e *APIError) Transient() bool {
	switch e.Class() {
	case ClassTransient, ClassRateLimited, ClassReupload:
		return true
	}
	return false
}

// PermanentForGroup reports that this group cannot receive messages until
// someone acts (wrong group_id, group disabled, GMF asset expired).
func (e *APIError) PermanentForGroup() bool { return e.Class() == ClassPermanentGroup }

// PermanentForUser reports that a 1:1 recipient cannot receive this message.
func (e *APIError) PermanentForUser() bool { return e.Class() == ClassPermanentUser }

// ContentRefused reports a payload or content that Zalo will refuse every
// time: -201, -210, -233, -248.
func (e *APIError) ContentRefused() bool { return e.Class() == ClassContent }

// ConfigError reports an app, OA, billing or OAuth setup problem that only
// an administrator can fix.
func (e *APIError) ConfigError() bool { return e.Class() == ClassConfig }

// Reason is a plain-language Vietnamese explanation for staff.
func (e *APIError) Reason() string {
	if info, ok := codes[e.Code]; ok {
		return info.reason
	}
	switch e.Class() {
	case ClassTransient:
		return fmt.Sprintf("Máy chủ Zalo đang lỗi (HTTP %d); hệ thống sẽ thử lại", e.HTTPStatus)
	case ClassRateLimited:
		return "Zalo báo gửi quá nhanh; hệ thống sẽ gửi lại sau"
	case ClassContent:
		return "Tin nhắn quá lớn, Zalo từ chối"
	case ClassConfig:
		if e.Code != 0 {
			return fmt.Sprintf("Lỗi cấu hình kết nối Zalo (mã %d); liên hệ quản trị", e.Code)
		}
		return fmt.Sprintf("Lỗi cấu hình kết nối Zalo (HTTP %d); liên hệ quản trị", e.HTTPStatus)
	}
	return fmt.Sprintf("Zalo báo lỗi không xác định (mã %d): %s", e.Code, e.Message)
}

// newAPIError fills in the documented message when the body carries none.
func newAPIError(code int, message string, status int) *APIError {
	if message == "" {
		if info, ok := codes[code]; ok {
			message = info.message
		} else if code == 0 {
			message = http.StatusText(status)
		}
	}
	return &APIError{Code: code, Message: message, HTTPStatus: status}
}

// TransportError is a call that got no usable answer: connection refused,
// timeout, dropped connection. For a send, MaybeDelivered is true unless the
// request certainly never left (dial or DNS failure), and then errors.Is(err,
// ErrOutcomeUnknown) holds.
type TransportError struct {
	Op             string
	Err            error
	Timeout        bool
	MaybeDelivered bool
}

func (e *TransportError) Error() string {
	what := "transport error"
	if e.Timeout {
		what = "timeout"
	}
	if e.MaybeDelivered {
		return fmt.Sprintf("%s: %s, outcome unknown (the message may have been delivered): %v", e.Op, what, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Op, what, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrOutcomeUnknown) true for a send that may have
// been delivered.
func (e *TransportError) Is(target error) bool {
	return target == ErrOutcomeUnknown && e.MaybeDelivered
}

func newTransportError(op string, send bool, err error) *TransportError {
	te := &TransportError{Op: op, Err: err}
	var ne net.Error
	te.Timeout = errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	te.MaybeDelivered = send && !neverSent(err)
	return te
}

// neverSent reports errors that happen before any byte of the request is
// written: the connection could not be opened.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// unknownOutcome wraps an answer that does not tell whether a send was
// delivered (unreadable 200 body, gateway 5xx). It unwraps to the cause, so
// errors.As still finds an *APIError.
type unknownOutcome struct{ err error }

func (e *unknownOutcome) Error() string {
	return e.err.Error() + " (outcome unknown, the message may have been delivered)"
}
func (e *unknownOutcome) Unwrap() error        { return e.err }
func (e *unknownOutcome) Is(target error) bool { return target == ErrOutcomeUnknown }

// ErrorClass classifies any error returned by the client, so callers can
// branch without unwrapping.
func ErrorClass(err error) Class {
	if err == nil {
		return ClassNone
	}
	if errors.Is(err, ErrReconnect) || errors.Is(err, ErrNotConnected) || errors.Is(err, ErrTokensUnsaved) ||
		errors.Is(err, ErrRefreshBusy) {
		return ClassDisconnected
	}
	if errors.Is(err, ErrNotZaloAnswer) {
		return ClassTransient
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Class()
	}
	var te *TransportError
	if errors.As(err, &te) || errors.Is(err, ErrMalformedAnswer) || errors.Is(err, ErrOutcomeUnknown) {
		return ClassTransient
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ClassTransient
	}
	return ClassUnknown
}

// Reason gives staff a plain Vietnamese explanation of any client error.
func Reason(err error) string {
	var ae *APIError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrReconnect):
		return "Mã làm mới (refresh token) của Zalo không dùng được nữa (Zalo từ chối, hoặc có thể đã bị dùng); quản trị cần kết nối lại OA (" +
			ConnectCommand(oaOf(err)) + " hoặc trang quản trị)"
	case errors.Is(err, ErrNotConnected):
		return "Chưa kết nối Zalo OA; quản trị cần kết nối OA (" + ConnectCommand(oaOf(err)) + " hoặc trang quản trị)"
	case errors.Is(err, ErrTokensUnsaved):
		return "Không ghi được mã Zalo vào cơ sở dữ liệu; tin chờ gửi đến khi cơ sở dữ liệu ghi được"
	case errors.Is(err, ErrRefreshBusy):
		return "Một tiến trình loaxa khác đang làm mới mã Zalo; tin chờ gửi đến khi xong"
	case errors.Is(err, ErrNotZaloAnswer):
		return "Máy chủ cấp mã Zalo trả lời một trang không phải của Zalo (có thể do proxy hoặc tường lửa chặn); hệ thống giữ cặp mã và sẽ thử lại"
	case errors.As(err, &ae):
		return ae.Reason()
	case errors.Is(err, ErrOutcomeUnknown):
		return "Không nhận được trả lời của Zalo; tin có thể đã được gửi, hệ thống sẽ kiểm tra lại trước khi gửi lại"
	case errors.Is(err, ErrMalformedAnswer):
		return "Zalo trả lời không đúng định dạng; hệ thống sẽ thử lại"
	}
	var te *TransportError
	if errors.As(err, &te) {
		return "Không kết nối được máy chủ Zalo; hệ thống sẽ thử lại"
	}
	return "Lỗi khi gọi Zalo: " + err.Error()
}
