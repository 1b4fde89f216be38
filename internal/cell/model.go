// Package cell runs the 无废细胞 certification: units apply with a
// self-assessment against their type's rubric and evidence, district staff
// and then the city review, the result is publicised for objections, and a
// certified unit gets a numbered certificate with a QR code that anyone can
// verify. It feeds indicator 41 (units holding a valid certificate).
//
// Every move is one guarded update of the application document (status in
// the filter, history inside the document) under the service's Locker,
// because the embedded store's updates are not atomic (see mongodb.Locker).
package cell

import (
	"context"
	"time"

	"github.com/ordos-wufei/wufei/internal/account"
	"github.com/ordos-wufei/wufei/internal/notify"
	"github.com/ordos-wufei/wufei/internal/upload"
)

// Unit is the applying organisation as it stands on an application.
type Unit struct {
	Name         string  `json:"name"`
	CreditCode   string  `json:"credit_code"` // 统一社会信用代码, GB 32100-2015
	Type         string  `json:"type"`
	District     string  `json:"district"` // adcode, derived from the location
	DistrictName string  `json:"district_name"`
	Address      string  `json:"address"`
	Lat          float64 `json:"lat"` // GCJ-02
	Lng          float64 `json:"lng"`
	ContactName  string  `json:"contact_name"`
	ContactPhone string  `json:"contact_phone"`
}

// ItemScore is the applicant's self-assessment of one rubric item.
type ItemScore struct {
	Score    float64  `json:"score"`
	Evidence []string `json:"evidence"` // upload ids
}

// Review is one level's decision.
type Review struct {
	Decision   string             `json:"decision"` // pass, return, reject
	Scores     map[string]float64 `json:"scores"`
	Total      float64            `json:"total"`
	VetoFailed []string           `json:"veto_failed"`
	Comment    string             `json:"comment"`
	By         Who                `json:"by"`
	At         time.Time          `json:"at"`
}

// Who made a move. Citizens appear by user id only: no openid ever.
type Who struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// Objection is a public objection raised during publicity.
type Objection struct {
	ID         string     `json:"id"`
	Text       string     `json:"text"`
	By         Who        `json:"by"`
	At         time.Time  `json:"at"`
	Status     string     `json:"status"` // open, dismissed, upheld
	Resolution string     `json:"resolution,omitempty"`
	ResolvedBy *Who       `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// Objection statuses.
const (
	ObjectionOpen      = "open"
	ObjectionDismissed = "dismissed"
	ObjectionUpheld    = "upheld"
)

// HistoryEntry records one move.
type HistoryEntry struct {
	Action  Action    `json:"action"`
	From    Status    `json:"from"`
	To      Status    `json:"to"`
	Comment string    `json:"comment,omitempty"`
	By      Who       `json:"by"`
	At      time.Time `json:"at"`
}

// Application is one unit's application for certification.
type Application struct {
	ID             string               `json:"id"`
	Status         Status               `json:"status"`
	Unit           Unit                 `json:"unit"`
	SelfAssessment map[string]ItemScore `json:"self_assessment"`
	SelfTotal      float64              `json:"self_total"`
	Renews         string               `json:"renews,omitempty"` // certificate number renewed by this application
	DistrictReview *Review              `json:"district_review"`
	CityReview     *Review              `json:"city_review"`
	PublicityStart *time.Time           `json:"publicity_start"`
	PublicityEnd   *time.Time           `json:"publicity_end"`
	Objections     []Objection          `json:"objections"`
	Certificate    string               `json:"certificate,omitempty"` // number
	// ReviewDue is when the pending review (district or city) is due,
	// counted in working days; ReviewOverdue is derived from it.
	ReviewDue     *time.Time `json:"review_due,omitempty"`
	ReviewOverdue bool       `json:"review_overdue"`
	// ReviewEscalatedAt is when the system recorded the pending review
	// overdue and told its reviewers and the city.
	ReviewEscalatedAt *time.Time     `json:"review_escalated_at,omitempty"`
	History           []HistoryEntry `json:"history"`
	Applicants        []string       `json:"-"`
	CreatedAt         time.Time      `json:"created_at"`
	UpdatedAt         time.Time      `json:"updated_at"`
}

// Certificate statuses, derived on read from the revocation and the clock.
const (
	CertValid   = "valid"
	CertExpired = "expired"
	CertRevoked = "revoked"
)

// Certificate is an issued certificate. Its number is its id.
type Certificate struct {
	Number        string     `json:"number"`
	Title         string     `json:"title"`
	ApplicationID string     `json:"application_id"`
	Type          string     `json:"type"`
	TypeName      string     `json:"type_name"`
	UnitName      string     `json:"unit_name"`
	CreditCode    string     `json:"credit_code"`
	District      string     `json:"district"`
	DistrictName  string     `json:"district_name"`
	Address       string     `json:"address"`
	Lat           float64    `json:"lat"`
	Lng           float64    `json:"lng"`
	IssuedAt      time.Time  `json:"issued_at"`
	ExpiresAt     time.Time  `json:"expires_at"` // first instant it is no longer valid
	Status        string     `json:"status"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokeReason  string     `json:"revoke_reason,omitempty"`
	Renews        string     `json:"renews,omitempty"`
}

// Notifier sends notifications to applicants: *notify.Service (the
// outbox) in production, a recorder in tests.
type Notifier interface {
	Notify(ctx context.Context, n notify.Notification) error
}

// Uploads is what the service needs of *upload.Service: reading an upload's
// record (to check every item's evidence before attaching any) and claiming
// the uploads for an application.
type Uploads interface {
	Get(ctx context.Context, id string) (upload.Upload, error)
	Claim(ctx context.Context, a account.Actor, ids []string, ref upload.Ref, allowed []upload.Kind, opts ...upload.ClaimOption) error
}

// RefType is the upload reference type of an application's evidence.
const RefType = "cell_application"

// QRCoder makes the WeChat unlimited mini-program code; *wechat.Client
// satisfies it (a placeholder PNG in development mode).
type QRCoder interface {
	UnlimitedQRCode(ctx context.Context, scene, page string, width int) ([]byte, error)
}

// TryLocker takes a short cross-replica lock for periodic work;
// *redisx.Client satisfies it.
type TryLocker interface {
	TryLock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error)
}
