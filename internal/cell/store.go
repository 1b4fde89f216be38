package cell

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/ordos-wufei/wufei/internal/platform/mongodb"
)

// Collections of this area.
const (
	applicationsCollection = "cell_applications"
	certificatesCollection = "cell_certificates"
	unitsCollection        = "cell_units"
)

// Indexes are created by a schema step. A certificate's _id is its number
// (year and sequence), so an insert with a taken number fails atomically on
// every back end; the unique application_id keeps one certificate per
// application even if two replicas certify at once.
var Indexes = []mongodb.Index{
	{Collection: certificatesCollection, Name: "application_unique", Keys: bson.D{{Key: "application_id", Value: 1}}, Unique: true},
	{Collection: certificatesCollection, Name: "year_seq", Keys: bson.D{{Key: "year", Value: 1}, {Key: "seq", Value: -1}}},
	{Collection: applicationsCollection, Name: "status", Keys: bson.D{{Key: "status", Value: 1}}},
}

type unitDoc struct {
	Name         string  `bson:"name"`
	CreditCode   string  `bson:"credit_code"`
	Type         string  `bson:"type"`
	District     string  `bson:"district"`
	DistrictName string  `bson:"district_name"`
	Address      string  `bson:"address"`
	Lat          float64 `bson:"lat"`
	Lng          float64 `bson:"lng"`
	ContactName  string  `bson:"contact_name"`
	ContactPhone string  `bson:"contact_phone"`
}

type itemDoc struct {
	Score    float64  `bson:"score"`
	Evidence []string `bson:"evidence"`
}

type whoDoc struct {
	UserID string `bson:"user_id"`
	Name   string `bson:"name"`
	Role   string `bson:"role"`
}

type reviewDoc struct {
	Decision   string             `bson:"decision"`
	Scores     map[string]float64 `bson:"scores"`
	Total      float64            `bson:"total"`
	VetoFailed []string           `bson:"veto_failed"`
	Comment    string             `bson:"comment"`
	By         whoDoc             `bson:"by"`
	At         time.Time          `bson:"at"`
}

type objectionDoc struct {
	ID         string     `bson:"id"`
	Text       string     `bson:"text"`
	By         whoDoc     `bson:"by"`
	At         time.Time  `bson:"at"`
	Status     string     `bson:"status"`
	Resolution string     `bson:"resolution,omitempty"`
	ResolvedBy *whoDoc    `bson:"resolved_by,omitempty"`
	ResolvedAt *time.Time `bson:"resolved_at,omitempty"`
}

type historyDoc struct {
	Action  string    `bson:"action"`
	From    string    `bson:"from"`
	To      string    `bson:"to"`
	Comment string    `bson:"comment,omitempty"`
	By      whoDoc    `bson:"by"`
	At      time.Time `bson:"at"`
}

// appDoc is one application with its reviews, objections and history, so a
// move and its record are one write.
type appDoc struct {
	ID             string             `bson:"_id"`
	Status         string             `bson:"status"`
	Unit           unitDoc            `bson:"unit"`
	Self           map[string]itemDoc `bson:"self_assessment"`
	Renews         string             `bson:"renews,omitempty"`
	DistrictReview *reviewDoc         `bson:"district_review,omitempty"`
	CityReview     *reviewDoc         `bson:"city_review,omitempty"`
	PublicityStart *time.Time         `bson:"publicity_start,omitempty"`
	PublicityEnd   *time.Time         `bson:"publicity_end,omitempty"`
	Objections     []objectionDoc     `bson:"objections"`
	Certificate    string             `bson:"certificate,omitempty"`
	CertExpires    *time.Time         `bson:"certificate_expires,omitempty"`
	History        []historyDoc       `bson:"history"`
	Applicants     []string           `bson:"applicants"`
	CreatedAt      time.Time          `bson:"created_at"`
	UpdatedAt      time.Time          `bson:"updated_at"`
	Version        int64              `bson:"version"`
}

// certDoc is an issued certificate; _id is the number.
type certDoc struct {
	ID            string     `bson:"_id"`
	Year          int        `bson:"year"`
	Seq           int        `bson:"seq"`
	ApplicationID string     `bson:"application_id"`
	Type          string     `bson:"type"`
	Unit          unitDoc    `bson:"unit"`
	IssuedAt      time.Time  `bson:"issued_at"`
	ExpiresAt     time.Time  `bson:"expires_at"`
	Revoked       bool       `bson:"revoked"`
	RevokedAt     *time.Time `bson:"revoked_at,omitempty"`
	RevokeReason  string     `bson:"revoke_reason,omitempty"`
	RevokedBy     *whoDoc    `bson:"revoked_by,omitempty"`
	Renews        string     `bson:"renews,omitempty"`
	QRCode        []byte     `bson:"qr_code,omitempty"`
	Version       int64      `bson:"version"`
}

// unitBinding ties a credit code to the citizen accounts acting for it, so a
// stranger cannot apply in a unit's name once it has an applicant.
type unitBinding struct {
	ID    string   `bson:"_id"` // credit code
	Users []string `bson:"users"`
	// Latest is the unit's most recent application; a new one is refused
	// while it is in progress.
	Latest  string `bson:"latest"`
	Version int64  `bson:"version"`
}

type store struct {
	apps, certs, units *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{apps: db.Collection(applicationsCollection), certs: db.Collection(certificatesCollection), units: db.Collection(unitsCollection)}
}

// errVersion means another writer changed the document first.
var errVersion = errors.New("cell: document changed concurrently")

func (s *store) insertApp(ctx context.Context, d appDoc) error {
	if _, err := s.apps.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("insert application: %w", err)
	}
	return nil
}

func (s *store) app(ctx context.Context, id string) (appDoc, error) {
	var d appDoc
	err := s.apps.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrApplicationNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read application %s: %w", id, err)
	}
	return d, nil
}

// replaceApp writes d if the stored version is still d.Version, bumping it.
// The status guard is the version: every move changes it.
func (s *store) replaceApp(ctx context.Context, d *appDoc) error {
	v := d.Version
	d.Version++
	res, err := s.apps.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: v}}, d)
	if err != nil {
		d.Version = v
		return fmt.Errorf("update application %s: %w", d.ID, err)
	}
	if res.MatchedCount == 0 {
		d.Version = v
		return errVersion
	}
	return nil
}

// apps streams the applications matching filter. The embedded store scans
// anyway (only _id equality is indexed on SQLite), so filters stay simple
// and the rest is done in Go.
func (s *store) appsWhere(ctx context.Context, filter bson.D) ([]appDoc, error) {
	cur, err := s.apps.Find(ctx, filter)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	var out []appDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}

func (s *store) cert(ctx context.Context, number string) (certDoc, error) {
	var d certDoc
	err := s.certs.FindOne(ctx, bson.D{{Key: "_id", Value: number}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrCertificateNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read certificate %s: %w", number, err)
	}
	return d, nil
}

func (s *store) certOfApp(ctx context.Context, appID string) (certDoc, error) {
	var d certDoc
	err := s.certs.FindOne(ctx, bson.D{{Key: "application_id", Value: appID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrCertificateNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read certificate of %s: %w", appID, err)
	}
	return d, nil
}

// allCerts returns every certificate without the QR images.
func (s *store) allCerts(ctx context.Context) ([]certDoc, error) {
	cur, err := s.certs.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "qr_code", Value: 0}}))
	if err != nil {
		return nil, fmt.Errorf("list certificates: %w", err)
	}
	var out []certDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list certificates: %w", err)
	}
	return out, nil
}

// appStatuses returns the stored status of every application.
func (s *store) appStatuses(ctx context.Context) ([]Status, error) {
	cur, err := s.apps.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "status", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("count applications: %w", err)
	}
	defer cur.Close(ctx)
	var out []Status
	for cur.Next(ctx) {
		var d struct {
			Status string `bson:"status"`
		}
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("count applications: %w", err)
		}
		out = append(out, Status(d.Status))
	}
	return out, cur.Err()
}

// lastSeq is the highest sequence number issued in year, 0 for none.
func (s *store) lastSeq(ctx context.Context, year int) (int, error) {
	var d struct {
		Seq int `bson:"seq"`
	}
	err := s.certs.FindOne(ctx, bson.D{{Key: "year", Value: year}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).SetProjection(bson.D{{Key: "seq", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last certificate number: %w", err)
	}
	return d.Seq, nil
}

func (s *store) insertCert(ctx context.Context, d certDoc) error {
	_, err := s.certs.InsertOne(ctx, d)
	return err
}

func (s *store) setCert(ctx context.Context, number string, version int64, set bson.D) error {
	res, err := s.certs.UpdateOne(ctx, bson.D{{Key: "_id", Value: number}, {Key: "version", Value: version}},
		bson.D{{Key: "$set", Value: set}, {Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return fmt.Errorf("update certificate %s: %w", number, err)
	}
	if res.MatchedCount == 0 {
		return errVersion
	}
	return nil
}

func (s *store) unit(ctx context.Context, code string) (unitBinding, bool, error) {
	var d unitBinding
	err := s.units.FindOne(ctx, bson.D{{Key: "_id", Value: code}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("read unit %s: %w", code, err)
	}
	return d, true, nil
}

// saveUnit inserts a new binding (found false) or updates one at its version.
func (s *store) saveUnit(ctx context.Context, d unitBinding, found bool) error {
	if !found {
		_, err := s.units.InsertOne(ctx, d)
		if mongo.IsDuplicateKeyError(err) {
			return errVersion
		}
		return err
	}
	res, err := s.units.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "version", Value: d.Version}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "users", Value: d.Users}, {Key: "latest", Value: d.Latest}}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}}})
	if err != nil {
		return fmt.Errorf("update unit %s: %w", d.ID, err)
	}
	if res.MatchedCount == 0 {
		return errVersion
	}
	return nil
}
