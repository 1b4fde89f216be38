package account

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
	usersCollection    = "users"
	settingsCollection = "settings"
)

// Indexes are created by the schema steps. Every user has a login key
// ("staff:<username>" or "wx:<hash of openid>"), so one plain unique index
// covers both kinds: the embedded store has no partial indexes.
var Indexes = []mongodb.Index{
	{Collection: usersCollection, Name: "login_unique", Keys: bson.D{{Key: "login", Value: 1}}, Unique: true},
	{Collection: usersCollection, Name: "role", Keys: bson.D{{Key: "role", Value: 1}}},
}

// userDoc is the storage shape of a User.
type userDoc struct {
	ID           string    `bson:"_id"`
	Login        string    `bson:"login"`
	Role         string    `bson:"role"`
	Username     string    `bson:"username,omitempty"`
	DisplayName  string    `bson:"display_name"`
	PasswordHash string    `bson:"password_hash,omitempty"`
	Departments  []string  `bson:"departments"`
	Districts    []string  `bson:"districts"`
	Disabled     bool      `bson:"disabled"`
	OpenID       string    `bson:"openid,omitempty"`
	UnionID      string    `bson:"unionid,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func (d userDoc) toUser() User {
	return User{
		ID: d.ID, Role: Role(d.Role), Username: d.Username, DisplayName: d.DisplayName,
		Departments: nonNil(d.Departments), Districts: nonNil(d.Districts), Disabled: d.Disabled,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, OpenID: d.OpenID, UnionID: d.UnionID,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// store persists users.
type store struct {
	users    *mongo.Collection
	settings *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{users: db.Collection(usersCollection), settings: db.Collection(settingsCollection)}
}

func (s *store) insert(ctx context.Context, d userDoc) error {
	if _, err := s.users.InsertOne(ctx, d); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return ErrUsernameTaken
		}
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (s *store) byLogin(ctx context.Context, login string) (userDoc, error) {
	return s.findOne(ctx, bson.D{{Key: "login", Value: login}})
}

func (s *store) byID(ctx context.Context, id string) (userDoc, error) {
	return s.findOne(ctx, bson.D{{Key: "_id", Value: id}})
}

func (s *store) findOne(ctx context.Context, filter bson.D) (userDoc, error) {
	var d userDoc
	err := s.users.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrUserNotFound
	}
	if err != nil {
		return d, fmt.Errorf("find user: %w", err)
	}
	return d, nil
}

// replace writes d over the stored user whose updated_at is still prev, so
// two concurrent edits cannot silently overwrite each other.
func (s *store) replace(ctx context.Context, d userDoc, prev time.Time) error {
	res, err := s.users.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "updated_at", Value: prev}}, d)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if res.MatchedCount == 0 {
		return errConcurrentUpdate
	}
	return nil
}

func (s *store) list(ctx context.Context, role string, limit int, after string) ([]userDoc, error) {
	q := bson.D{}
	if role != "" {
		q = append(q, bson.E{Key: "role", Value: role})
	}
	if after != "" {
		q = append(q, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	cur, err := s.users.Find(ctx, q, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []userDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

func (s *store) countRole(ctx context.Context, role Role) (int64, error) {
	return s.users.CountDocuments(ctx, bson.D{{Key: "role", Value: string(role)}, {Key: "disabled", Value: false}})
}

// setting returns the stored value of key, creating it with create() the
// first time; concurrent first calls agree on one value through the unique
// _id.
func (s *store) setting(ctx context.Context, key string, create func() string) (string, error) {
	var doc struct {
		Value string `bson:"value"`
	}
	err := s.settings.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&doc)
	if err == nil {
		return doc.Value, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	_, err = s.settings.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "value", Value: create()}})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return "", fmt.Errorf("create setting %s: %w", key, err)
	}
	return s.setting(ctx, key, create)
}
