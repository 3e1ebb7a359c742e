package notices

import "time"

// Priority orders deliveries and decides quiet hours and bulletins.
type Priority string

const (
	Urgent Priority = "urgent" // sent at once, even in quiet hours
	Normal Priority = "normal" // waits for the morning in quiet hours
	Low    Priority = "low"    // gathered into the next bulletin
)

// PriorityRank is a priority as deliveries store and order it
// (deliveries.priority): urgent first.
type PriorityRank int

const (
	RankUrgent PriorityRank = 0
	RankNormal PriorityRank = 1
	RankLow    PriorityRank = 2
)

// Rank is p's place in the delivery order.
func (p Priority) Rank() PriorityRank {
	switch p {
	case Urgent:
		return RankUrgent
	case Low:
		return RankLow
	default:
		return RankNormal
	}
}

// Kind says whether a notice stands alone or corrects or withdraws an earlier one.
type Kind string

const (
	KindNotice Kind = "notice"
	KindUpdate Kind = "update" // a correction of RefersTo
	KindCancel Kind = "cancel" // a withdrawal of RefersTo
)

// Status is a notice's place in draft → pending → approved → done.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusPending   Status = "pending"
	StatusApproved  Status = "approved"
	StatusDone      Status = "done"
	StatusRejected  Status = "rejected"
	StatusCancelled Status = "cancelled"
	StatusExpired   Status = "expired"
)

// Source says where a notice came from.
type Source string

const (
	SourceWeb Source = "web"
	SourceCLI Source = "cli"
	SourceSQL Source = "sql" // inserted by another program
)

// AllHamlets is the Targets value for every active hamlet.
const AllHamlets = "all"

// Notice is an announcement to one or more hamlets. Times are in UTC; a zero
// PublishAt means "as soon as approved", a zero ExpiresAt means "never".
type Notice struct {
	ID        int64
	Commune   string // its commune's code, or Province; empty in CreateNotice means the only commune
	CommuneID int64  // 0 for a province-wide notice; set by the store
	Title     string
	Body      string
	Category  string
	Priority  Priority
	Status    Status
	// Targets are hamlet codes of its commune; empty means all its active
	// hamlets. A province-wide notice names commune codes (all of the
	// commune's active hamlets) and commune/hamlet codes (xa-an-phu/ap-1);
	// empty means every active hamlet of every active commune.
	Targets    []string
	PublishAt  time.Time
	Recurrence string // standard 5-field cron spec or descriptor; empty for a one-off
	ExpiresAt  time.Time
	Kind       Kind
	RefersTo   int64 // for KindUpdate and KindCancel
	Image      []byte
	ImageType  string // image/jpeg or image/png
	Author     string
	Approver   string
	ApprovedAt time.Time
	Reason     string // why it was rejected, cancelled or expired
	Source     Source
	LastDueAt  time.Time // kept by the daemon
	CreatedAt  time.Time
	UpdatedAt  time.Time
	// Damaged, when set, says in plain Vietnamese why the notice cannot be
	// read, planned or materialised: a row another program wrote that the
	// schema did not refuse. The daemon sets such a notice aside (DamagedAt)
	// and sends nothing of it; staff can still cancel it.
	Damaged   string
	DamagedAt time.Time // when the daemon set it aside; zero if it has not (yet)
}
