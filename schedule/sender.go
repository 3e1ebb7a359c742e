package schedule

import (
	"context"
	"time"

	"github.com/loaxa/loaxa/bot"
	"github.com/loaxa/loaxa/notices"
)

// Sender is what the daemon needs from the Zalo client (*bot.Client). Every
// method is required: a sender that could not reload its tokens, keep them
// fresh or say its pace would silently lose the behaviour that depends on
// it, so such a sender does not compile.
type Sender interface {
	SendGroupText(ctx context.Context, groupID, text string) (messageID string, err error)
	SendGroupImage(ctx context.Context, groupID, attachmentID, caption string) (messageID string, err error)
	UploadImage(ctx context.Context, filename string, data []byte) (attachmentID string, err error)
	GroupConversationPage(ctx context.Context, groupID string, offset, count int) ([]bot.ConversationItem, error)
	GroupChecker
	Health() bot.TokenHealth
	// Reload reads the tokens from the store again: new ones may have been
	// stored by `loaxa zalo connect` or the admin site.
	Reload(ctx context.Context) error
	// Upkeep refreshes the access token ahead of its expiry.
	Upkeep(ctx context.Context) error
	// RatePerMin is how many calls a minute the sender allows itself,
	// negative or 0 for no limit: it sizes the sends in flight.
	RatePerMin() int
	// State says, without I/O, until when a -32 holds its OA
	// (RateLimitedUntil): a -32 of one OA's own limit slows that commune
	// alone.
	State() bot.OAState
}

// Queue is what the dispatcher needs from the store (*notices.Store): claim
// and record deliveries, the next retry, and an occurrence's uploaded image.
type Queue interface {
	// RecordAndClaim records outcomes and claims the next batch in one
	// transaction; the claims are committed when it returns.
	RecordAndClaim(ctx context.Context, results []notices.Result, c notices.Claim) ([]notices.Delivery, error)
	Record(ctx context.Context, results []notices.Result) error
	NextAttempt(ctx context.Context, now time.Time) (time.Time, error)
	// Attachment is the image the store keeps for an occurrence, and the
	// occurrence's commune (0: a province notice's).
	Attachment(ctx context.Context, occurrenceID int64) (id string, uploadedAt time.Time, communeID int64, err error)
	SetAttachment(ctx context.Context, occurrenceID int64, attachmentID string) error
	NoticeImage(ctx context.Context, noticeID int64) (data []byte, contentType string, err error)
}

var _ Queue = (*notices.Store)(nil)
